//! OCI 1.1's referrers API, and the tag schema that stands in for it.
//!
//! `GET /v2/<name>/referrers/<digest>` answers an OCI index of the manifests whose `subject` is
//! that digest: signatures, SBOMs, attestations. A registry without the API answers 404 —
//! distribution 2.8 and Pulp do — and the spec's tag schema then keeps the same list as an index
//! tagged `<algorithm>-<hex>`. `sync` asks the source's API first and follows the tag schema's
//! tags otherwise; a destination without the API gets the tag schema's index written, so that its
//! clients find the referrers either way.

use super::body::read_limited;
use super::client::Client;
use super::errors::Error;
use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageIndex, Manifest, ManifestDocument};
use crate::registry::auth::Scope;
use crate::transport::{Method, Request, Transport};

/// The one media type of a referrers list and of the tag schema's index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Largest referrers list read: the manifest cap.
const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

impl<T: Transport> Client<T> {
    /// The manifests that name `subject` in `repository`, by the referrers API; `None` when the
    /// registry has no such API (the spec's 404).
    pub async fn referrers(
        &self,
        repository: &str,
        subject: &Digest,
    ) -> Result<Option<Vec<Descriptor>>, Error> {
        let url = self.url(&format!("/v2/{repository}/referrers/{subject}"));
        let request = Request::new(Method::Get, url.as_str()).header("Accept", OCI_INDEX);
        let mut response = self.send(request, &Scope::pull(repository)).await?;
        match response.status {
            200 => {}
            404 => return Ok(None),
            _ => return Err(self.fail(Method::Get, &url, response).await),
        }
        let protocol = |what: String| Error::Protocol { method: Method::Get, url: url.to_string(), what };
        // A list cut into pages would be mirrored in part, and said to be whole.
        if response.header("link").is_some() {
            return Err(protocol(
                "the registry pages its referrers list; Waybill reads one page only".into(),
            ));
        }
        let content_type = response.header("content-type").map(str::to_owned);
        let bytes = read_limited(&mut response.body, MAX_LIST_BYTES, Method::Get, &url).await?;
        referrers_list(bytes, content_type.as_deref()).map(Some).map_err(protocol)
    }
}

/// The entries of a referrers list, read as strictly as any manifest: it must be an OCI index.
pub fn referrers_list(bytes: Vec<u8>, content_type: Option<&str>) -> Result<Vec<Descriptor>, String> {
    let document = ManifestDocument::parse(bytes, content_type)
        .map_err(|e| format!("the referrers list is not a valid index: {e}"))?;
    match document.manifest() {
        Manifest::Index(index) if document.media_type() == OCI_INDEX => Ok(index.manifests.clone()),
        _ => Err(format!("the referrers list is a {}, not an OCI image index", document.media_type())),
    }
}

/// The tag under which the tag schema keeps the referrers of `subject`: `sha256-<hex>`.
pub fn tag_schema_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm(), subject.hex())
}

/// The tag schema's index of `referrers` added to `existing` (the index already under that tag,
/// if any): every entry once, by digest, the existing ones first. `None` when nothing is new, so
/// a rerun writes nothing.
pub fn tag_schema_index(existing: Option<&ImageIndex>, referrers: &[Descriptor]) -> Option<Vec<u8>> {
    let mut manifests: Vec<Descriptor> = existing.map(|index| index.manifests.clone()).unwrap_or_default();
    let before = manifests.len();
    for referrer in referrers {
        if !manifests.iter().any(|m| m.digest == referrer.digest) {
            manifests.push(referrer.clone());
        }
    }
    if existing.is_some() && manifests.len() == before {
        return None;
    }
    let index = ImageIndex {
        schema_version: 2,
        media_type: Some(OCI_INDEX.into()),
        artifact_type: None,
        manifests,
        subject: None,
        annotations: Default::default(),
    };
    Some(serde_json::to_vec(&index).expect("an index serialises"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: char) -> Digest {
        format!("sha256:{}", c.to_string().repeat(64)).parse().unwrap()
    }

    fn signature(c: char) -> Descriptor {
        let mut d = Descriptor::new("application/vnd.oci.image.manifest.v1+json", digest(c), 500);
        d.artifact_type = Some("application/vnd.dev.cosign.artifact.sig.v1+json".into());
        d
    }

    #[test]
    fn a_referrers_list_is_an_oci_index_read_strictly() {
        let list = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [signature('a'), signature('b')],
        });
        let entries = referrers_list(serde_json::to_vec(&list).unwrap(), Some(OCI_INDEX)).unwrap();
        assert_eq!(entries, vec![signature('a'), signature('b')]);

        let docker = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
            "manifests": [],
        });
        let e = referrers_list(serde_json::to_vec(&docker).unwrap(), None).unwrap_err();
        assert!(e.contains("not an OCI image index"), "{e}");
        let twice = br#"{"schemaVersion":2,"schemaVersion":2,"manifests":[]}"#.to_vec();
        let e = referrers_list(twice, Some(OCI_INDEX)).unwrap_err();
        assert!(e.contains("not a valid index"), "{e}");
    }

    #[test]
    fn the_tag_schema_index_gains_each_referrer_once() {
        assert_eq!(tag_schema_tag(&digest('c')), format!("sha256-{}", "c".repeat(64)));
        let first = tag_schema_index(None, &[signature('a')]).expect("a new index");
        let document = ManifestDocument::parse(first, None).unwrap();
        assert_eq!(document.media_type(), OCI_INDEX);
        let Manifest::Index(index) = document.manifest() else { panic!("an index") };
        assert_eq!(index.manifests, vec![signature('a')]);

        assert_eq!(tag_schema_index(Some(index), &[signature('a')]), None, "a rerun writes nothing");
        let grown = tag_schema_index(Some(index), &[signature('b'), signature('a')]).expect("one more");
        let grown = ManifestDocument::parse(grown, None).unwrap();
        let Manifest::Index(grown) = grown.manifest() else { panic!("an index") };
        assert_eq!(grown.manifests, vec![signature('a'), signature('b')]);
    }
}
