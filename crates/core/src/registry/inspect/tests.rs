//! Tests of [`inspect_document`] and [`Inspection::into_report`] against a registry held in
//! memory: what each platform choice shows, and what becomes of a config that cannot be read.

use std::cell::RefCell;
use std::collections::HashMap;

use futures_util::FutureExt as _;

use super::*;
use crate::digest::Digest;
use crate::transport::{Request, Response, ResponseBody, TransportError};

const REPOSITORY: &str = "team/app";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const SCHEMA1: &[u8] = include_bytes!("../../../../../tests/fixtures/manifests/docker-schema1-signed.json");

/// A registry answering GETs of what it holds, by URL path, and 404 to anything else; it notes
/// every path asked for.
#[derive(Default)]
struct MemoryRegistry {
    held: HashMap<String, (Option<&'static str>, Vec<u8>)>,
    asked: RefCell<Vec<String>>,
}

/// A body given in one chunk.
struct WholeBody(Option<Vec<u8>>);

impl ResponseBody for WholeBody {
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        Ok(self.0.take())
    }
}

impl Transport for &MemoryRegistry {
    type Chunk = Vec<u8>;
    type Body = WholeBody;

    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<WholeBody>, TransportError> {
        let path = url::Url::parse(&request.url).expect("absolute").path().to_owned();
        self.asked.borrow_mut().push(path.clone());
        Ok(match self.held.get(&path) {
            Some((media_type, bytes)) => Response {
                status: 200,
                headers: media_type.iter().map(|m| ("Content-Type".to_owned(), (*m).to_owned())).collect(),
                body: WholeBody(Some(bytes.clone())),
            },
            None => Response { status: 404, headers: Vec::new(), body: WholeBody(None) },
        })
    }
}

impl MemoryRegistry {
    /// Holds `bytes` as a blob; returns its descriptor's JSON (`size` as declared).
    fn blob(&mut self, media_type: &str, bytes: &[u8], size: usize) -> String {
        let digest = Digest::sha256_of(bytes);
        self.held.insert(format!("/v2/{REPOSITORY}/blobs/{digest}"), (None, bytes.to_vec()));
        format!(r#"{{"mediaType":"{media_type}","digest":"{digest}","size":{size}}}"#)
    }

    /// Holds `bytes` as a manifest under its digest and under `tag`; returns its digest.
    fn manifest(&mut self, media_type: &'static str, bytes: &[u8], tag: &str) -> Digest {
        let digest = Digest::sha256_of(bytes);
        for reference in [digest.to_string(), tag.to_owned()] {
            let path = format!("/v2/{REPOSITORY}/manifests/{reference}");
            self.held.insert(path, (Some(media_type), bytes.to_vec()));
        }
        digest
    }

    /// Holds an image of one layer whose config is `config` (declared `config_size` bytes), tagged
    /// `tag`; returns the manifest's bytes.
    fn image(&mut self, tag: &str, config: &[u8], config_size: usize) -> Vec<u8> {
        let config = self.blob("application/vnd.oci.image.config.v1+json", config, config_size);
        let layer = self.blob("application/vnd.oci.image.layer.v1.tar+gzip", tag.as_bytes(), tag.len());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{config},"layers":[{layer}]}}"#
        );
        self.manifest(OCI_MANIFEST, manifest.as_bytes(), tag);
        manifest.into_bytes()
    }

    /// Holds an index of `images` (platform, manifest bytes) tagged `tag`.
    fn index(&mut self, tag: &str, images: &[(&str, &[u8])]) {
        let entries: Vec<String> = images
            .iter()
            .map(|(platform, bytes)| {
                let (os, architecture) = platform.split_once('/').expect("os/arch");
                format!(
                    r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":{},"platform":{{"os":"{os}","architecture":"{architecture}"}}}}"#,
                    Digest::sha256_of(bytes),
                    bytes.len()
                )
            })
            .collect();
        let index =
            format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#, entries.join(","));
        self.manifest(OCI_INDEX, index.as_bytes(), tag);
    }

    /// What `inspect_document` gives for `reference` and `platform`.
    fn inspect(&self, reference: &str, platform: Option<&str>) -> Result<Inspection, ImageError> {
        let client = Client::new(self, "http://registry.test").expect("client");
        let platform = platform.map(|p| PlatformSpec::parse(p).expect("platform"));
        let run = async {
            let top = fetch_document(&client, REPOSITORY, reference).await?;
            inspect_document(&client, REPOSITORY, reference, top, platform.as_ref()).await
        };
        run.now_or_never().expect("a registry in memory answers at once")
    }
}

fn image_config(architecture: &str) -> Vec<u8> {
    format!(
        r#"{{"architecture":"{architecture}","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
        "d".repeat(64)
    )
    .into_bytes()
}

/// An index of two images and a single image tagged beside it.
fn registry() -> MemoryRegistry {
    let mut registry = MemoryRegistry::default();
    let (amd64, arm64) = (image_config("amd64"), image_config("arm64"));
    let amd64_image = registry.image("amd64", &amd64, amd64.len());
    let arm64_image = registry.image("arm64", &arm64, arm64.len());
    registry.index("multi", &[("linux/amd64", &amd64_image), ("linux/arm64", &arm64_image)]);
    registry
}

#[test]
fn an_index_with_a_platform_shows_that_image_and_lists_the_index() {
    let registry = registry();
    let inspection = registry.inspect("multi", Some("linux/arm64")).expect("inspected");
    let image = inspection.image.as_ref().expect("an image");
    assert_eq!(image.platform.as_ref().map(ToString::to_string).as_deref(), Some("linux/arm64"));
    let config = image.config.as_ref().expect("config read");
    assert_eq!(config.bytes, image_config("arm64"));
    assert_eq!(image.report.config.as_ref().and_then(|c| c.platform.as_deref()), Some("linux/arm64"));

    let index_report = InspectReport::from_document(&inspection.top);
    let mut expected = InspectReport::from_document(&image.document).with_config(&config.parsed);
    expected.platforms = index_report.platforms;
    assert_eq!(inspection.into_report().expect("report"), expected);
}

#[test]
fn an_index_without_a_platform_is_shown_as_itself() {
    let registry = registry();
    let inspection = registry.inspect("multi", None).expect("inspected");
    assert!(inspection.image.is_none());
    let expected = InspectReport::from_document(&inspection.top);
    assert_eq!(expected.platforms.len(), 2);
    assert_eq!(inspection.into_report().expect("report"), expected);
    assert!(registry.asked.borrow().iter().all(|path| !path.contains("/blobs/")), "no config read");
}

#[test]
fn a_single_image_is_shown_with_its_config_and_takes_no_platform() {
    let registry = registry();
    let inspection = registry.inspect("amd64", None).expect("inspected");
    let image = inspection.image.as_ref().expect("the image itself");
    assert_eq!(image.document.digest(), inspection.top.digest());
    assert!(image.platform.is_none());
    let report = inspection.into_report().expect("report");
    assert_eq!(report.config.and_then(|c| c.platform).as_deref(), Some("linux/amd64"));
    assert!(report.platforms.is_empty());

    let refused = registry.inspect("amd64", Some("linux/amd64")).expect_err("not an index");
    assert!(matches!(&refused, ImageError::NotAnIndex { reference, .. } if reference == "team/app:amd64"));
}

#[test]
fn an_index_lacking_the_platform_is_an_error() {
    let refused = registry().inspect("multi", Some("windows/amd64")).expect_err("no such platform");
    assert!(matches!(refused, ImageError::Platform(_)), "{refused}");
}

#[test]
fn a_schema1_manifest_has_no_image_and_takes_no_platform() {
    let mut registry = MemoryRegistry::default();
    registry.manifest("application/vnd.docker.distribution.manifest.v1+prettyjws", SCHEMA1, "old");
    let inspection = registry.inspect("old", None).expect("inspected");
    assert!(inspection.image.is_none());
    assert!(inspection.into_report().expect("report").legacy);
    let refused = registry.inspect("old", Some("linux/amd64")).expect_err("not an index");
    assert!(matches!(refused, ImageError::NotAnIndex { .. }), "{refused}");
}

#[test]
fn a_config_that_is_not_an_image_config_is_a_warning_in_the_report() {
    let mut registry = MemoryRegistry::default();
    registry.image("artifact", b"{}", 2);
    let inspection = registry.inspect("artifact", None).expect("inspected");
    let image = inspection.image.as_ref().expect("an image");
    let Err(unread @ ConfigUnread::NotAnImageConfig(_)) = &image.config else { panic!("{:?}", image.config) };
    let said = unread.to_string();
    assert!(said.starts_with("the config is not an image config: "), "{said}");
    let report = inspection.into_report().expect("report");
    assert_eq!(report.warnings.last(), Some(&said));
    assert!(report.config.is_some_and(|c| c.platform.is_none()), "no summary of the config");
}

#[test]
fn a_config_the_registry_does_not_give_fails_the_report_only() {
    let mut registry = registry();
    let config = Digest::sha256_of(&image_config("amd64"));
    registry.held.remove(&format!("/v2/{REPOSITORY}/blobs/{config}"));
    let inspection = registry.inspect("amd64", None).expect("the manifest is shown");
    let image = inspection.image.as_ref().expect("an image");
    assert!(
        matches!(&image.config, Err(ConfigUnread::Fetch(e)) if e.registry().is_some_and(|r| r.status == 404))
    );
    let failed = inspection.into_report().expect_err("no report without the config");
    assert!(matches!(&failed, ImageError::Registry(e) if e.registry().is_some_and(|r| r.status == 404)));
}

#[test]
fn a_config_over_the_limit_is_not_fetched() {
    let mut registry = MemoryRegistry::default();
    let limit = usize::try_from(CONFIG_LIMIT).expect("fits");
    registry.image("huge", &image_config("amd64"), limit + 1);
    let inspection = registry.inspect("huge", None).expect("inspected");
    let image = inspection.image.as_ref().expect("an image");
    let Err(unread @ ConfigUnread::TooLarge { .. }) = &image.config else { panic!("{:?}", image.config) };
    assert_eq!(
        unread.to_string(),
        format!("the config is {} bytes, more than Waybill reads ({limit})", limit + 1)
    );
    assert!(registry.asked.borrow().iter().all(|path| !path.contains("/blobs/")), "never fetched");
    let report = inspection.into_report().expect("a report without the config's summary");
    assert!(report.config.is_some_and(|c| c.platform.is_none()));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}
