//! Verifying an image in place: every blob downloaded and checked against its digest and size,
//! and every layer decompressed and hashed against the config's `rootfs.diff_ids`. Nothing is
//! kept: each blob streams through the verifier and the diff-ID hasher a chunk at a time.

use futures_util::StreamExt as _;
use serde::Serialize;

use super::client::Client;
use super::errors::Error;
use super::foreign::fetch_foreign;
use super::foreign_mirror::ForeignMirrors;
use super::pull::BlobStream;
use super::resolve::{ImageError, PlatformChoice, ResolvedImage, fetch_document, resolve_images};
use crate::config::ImageConfig;
use crate::diffid::DiffIdHasher;
use crate::digest::Digest;
use crate::manifest::Descriptor;
use crate::media::{Compression, DOCKER_CONFIG, OCI_CONFIG, classify, essence};
use crate::policy::BlobRole;
use crate::transport::Transport;

/// Configs larger than this are not image configs worth parsing.
const CONFIG_LIMIT: usize = 16 * 1024 * 1024;

/// How to verify.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Which manifests of an index to verify.
    pub platforms: PlatformChoice,
    /// Fetch foreign layers the registry lacks from their `urls` (https, public hosts only).
    pub allow_foreign_layers: bool,
    /// Blobs downloaded at the same time.
    pub concurrency: usize,
    /// Where foreign layers are fetched from instead of their `urls`.
    pub foreign_mirrors: ForeignMirrors,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            platforms: PlatformChoice::Unspecified,
            allow_foreign_layers: false,
            concurrency: 4,
            foreign_mirrors: ForeignMirrors::default(),
        }
    }
}

/// The verdict on one blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum BlobStatus {
    /// Digest and size match (and, for layers, the diff ID when the config lists one).
    Verified,
    /// Something did not match or could not be read.
    Failed(String),
    /// Not downloaded (a foreign layer the registry does not serve, with fetching from its
    /// `urls` not allowed).
    NotFetched(String),
}

/// One blob's check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlobCheck {
    /// Its digest.
    pub digest: Digest,
    /// Its declared size.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// Config or layer.
    pub role: BlobRole,
    /// Foreign (non-distributable) by media type.
    pub foreign: bool,
    /// The verdict.
    pub status: BlobStatus,
    /// For layers: the compression the bytes turned out to have.
    pub compression: Option<Compression>,
    /// For layers: the diff ID computed from the bytes.
    pub diff_id: Option<Digest>,
    /// For layers: the diff ID the config lists at this layer's position.
    pub expected_diff_id: Option<Digest>,
}

/// One image's checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImageCheck {
    /// The image manifest's digest.
    pub digest: Digest,
    /// The platform its index entry declares.
    pub platform: Option<String>,
    /// Config first, then layers in manifest order.
    pub blobs: Vec<BlobCheck>,
    /// Problems with the image as a whole (config unreadable, diff_ids count off).
    pub problems: Vec<String>,
}

/// The result of verifying a reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The top manifest's digest.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Each image checked.
    pub images: Vec<ImageCheck>,
    /// Whether everything fetched verified and nothing failed.
    pub ok: bool,
}

/// Progress of a verification.
#[derive(Clone, Copy, Debug)]
pub enum VerifyEvent<'a> {
    /// What will be downloaded.
    Planned {
        /// Distinct blobs.
        blobs: usize,
        /// Their total size.
        bytes: u64,
    },
    /// Bytes of a blob downloaded.
    BlobProgress {
        /// The blob.
        digest: &'a Digest,
        /// Bytes done.
        done: u64,
        /// Its size.
        total: u64,
    },
    /// A blob was checked.
    BlobChecked {
        /// The verdict.
        check: &'a BlobCheck,
    },
}

/// Verifies the image(s) `reference` names.
pub async fn verify<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
    options: &VerifyOptions,
    events: &dyn Fn(VerifyEvent<'_>),
) -> Result<VerifyReport, ImageError>
where
    T::Chunk: Clone,
{
    let top = fetch_document(client, repository, reference).await?;
    let images = resolve_images(client, repository, reference, &top, &options.platforms).await?;
    let blobs = images.iter().map(|i| 1 + i.image.layers.len()).sum();
    let bytes =
        images.iter().map(|i| i.image.config.size + i.image.layers.iter().map(|l| l.size).sum::<u64>()).sum();
    events(VerifyEvent::Planned { blobs, bytes });
    let mut checks = Vec::with_capacity(images.len());
    for image in &images {
        checks.push(verify_image(client, repository, image, options, events).await);
    }
    let ok = checks
        .iter()
        .all(|c| c.problems.is_empty() && c.blobs.iter().all(|b| !matches!(b.status, BlobStatus::Failed(_))));
    Ok(VerifyReport {
        digest: top.digest().clone(),
        media_type: top.media_type().to_owned(),
        images: checks,
        ok,
    })
}

async fn verify_image<T: Transport>(
    client: &Client<T>,
    repository: &str,
    resolved: &ResolvedImage,
    options: &VerifyOptions,
    events: &dyn Fn(VerifyEvent<'_>),
) -> ImageCheck
where
    T::Chunk: Clone,
{
    let image = &resolved.image;
    let mut problems = Vec::new();
    let (config_check, config) = check_config(client, repository, &image.config).await;
    events(VerifyEvent::BlobChecked { check: &config_check });
    let diff_ids: Option<Vec<Digest>> = match config {
        Ok(Some(config)) => {
            if let Err(e) = config.check_layer_count(image.layers.len()) {
                problems.push(e.to_string());
            }
            Some(config.rootfs.diff_ids)
        }
        // An artifact's config: its blobs are checked, there are no diff_ids to compare.
        Ok(None) => None,
        Err(why) => {
            problems.push(why);
            None
        }
    };
    let layers: Vec<BlobCheck> = futures_util::stream::iter(image.layers.iter().enumerate())
        .map(|(i, layer)| {
            let expected = diff_ids.as_ref().and_then(|ids| ids.get(i)).cloned();
            async move {
                let check = check_layer(client, repository, layer, expected, options, events).await;
                events(VerifyEvent::BlobChecked { check: &check });
                check
            }
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
    let mut blobs = vec![config_check];
    blobs.extend(layers);
    ImageCheck {
        digest: resolved.document.digest().clone(),
        platform: resolved.platform.as_ref().map(ToString::to_string),
        blobs,
        problems,
    }
}

/// Downloads and verifies the config, and parses it when its media type says it is an image
/// config.
async fn check_config<T: Transport>(
    client: &Client<T>,
    repository: &str,
    d: &Descriptor,
) -> (BlobCheck, Result<Option<ImageConfig>, String>)
where
    T::Chunk: Clone,
{
    let mut check = BlobCheck {
        digest: d.digest.clone(),
        size: d.size,
        media_type: d.media_type.clone(),
        role: BlobRole::Config,
        foreign: false,
        status: BlobStatus::Verified,
        compression: None,
        diff_id: None,
        expected_diff_id: None,
    };
    let bytes = async {
        if d.size > CONFIG_LIMIT as u64 {
            return Err(format!("the config is {} bytes, over the {CONFIG_LIMIT}-byte limit", d.size));
        }
        let mut stream =
            client.get_blob(repository, &d.digest, Some(d.size)).await.map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await.map_err(|e| e.to_string())? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
    .await;
    match bytes {
        // An artifact's config (or the empty descriptor): no diff_ids to compare.
        Ok(_)
            if ![DOCKER_CONFIG, OCI_CONFIG]
                .iter()
                .any(|t| essence(&d.media_type).eq_ignore_ascii_case(t)) =>
        {
            (check, Ok(None))
        }
        Ok(bytes) => {
            let config = ImageConfig::parse(&bytes)
                .map(Some)
                .map_err(|e| format!("the config is not a valid image config: {e}"));
            (check, config)
        }
        Err(why) => {
            check.status = BlobStatus::Failed(why.clone());
            (check, Err(format!("config unreadable: {why}")))
        }
    }
}

async fn check_layer<T: Transport>(
    client: &Client<T>,
    repository: &str,
    d: &Descriptor,
    expected_diff_id: Option<Digest>,
    options: &VerifyOptions,
    events: &dyn Fn(VerifyEvent<'_>),
) -> BlobCheck
where
    T::Chunk: Clone,
{
    let foreign = classify(d).non_distributable;
    let mut check = BlobCheck {
        digest: d.digest.clone(),
        size: d.size,
        media_type: d.media_type.clone(),
        role: BlobRole::Layer,
        foreign,
        status: BlobStatus::Verified,
        compression: None,
        diff_id: None,
        expected_diff_id: expected_diff_id.clone(),
    };
    let stream = match client.get_blob(repository, &d.digest, Some(d.size)).await {
        Ok(stream) => stream,
        Err(error) if error.registry().is_some_and(|e| e.status == 404) && !d.urls.is_empty() => {
            if !options.allow_foreign_layers {
                check.status = BlobStatus::NotFetched(format!(
                    "the registry does not serve it, and fetching it from its urls ({}) was not allowed",
                    d.urls.join(", ")
                ));
                return check;
            }
            match fetch_foreign(client.transport(), &options.foreign_mirrors, &d.urls, &d.digest, d.size)
                .await
            {
                Ok(stream) => stream,
                Err(error) => {
                    check.status = BlobStatus::Failed(error.to_string());
                    return check;
                }
            }
        }
        Err(error) => {
            check.status = BlobStatus::Failed(error.to_string());
            return check;
        }
    };
    match hash_layer(stream, d, events).await {
        Ok((diff_id, compression)) => {
            check.compression = Some(compression);
            if let Some(expected) = &expected_diff_id
                && *expected != diff_id
            {
                check.status = BlobStatus::Failed(format!(
                    "the blob verifies, but its uncompressed content hashes to {diff_id}, not the diff_id \
                     {expected} the config lists: the config and the layer do not belong together"
                ));
            }
            check.diff_id = Some(diff_id);
        }
        Err(why) => check.status = BlobStatus::Failed(why),
    }
    check
}

async fn hash_layer<B: crate::transport::ResponseBody>(
    mut stream: BlobStream<B>,
    d: &Descriptor,
    events: &dyn Fn(VerifyEvent<'_>),
) -> Result<(Digest, Compression), String> {
    let mut hasher = DiffIdHasher::new();
    let mut diff_error = None;
    while let Some(chunk) = stream.next().await.map_err(|e: Error| e.to_string())? {
        // A decompression failure does not stop the download: the digest check still says
        // whether the blob is the one the manifest names.
        if diff_error.is_none()
            && let Err(e) = hasher.update(&chunk)
        {
            diff_error = Some(e);
        }
        events(VerifyEvent::BlobProgress { digest: &d.digest, done: stream.bytes_read(), total: d.size });
    }
    if let Some(e) = diff_error {
        return Err(format!("the blob verifies, but {e}"));
    }
    let id = hasher.finish().map_err(|e| format!("the blob verifies, but {e}"))?;
    Ok((id.digest, id.compression))
}
