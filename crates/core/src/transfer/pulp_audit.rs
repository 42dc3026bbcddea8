//! The Pulp foreign-layer audit (`waybill audit`): which manifests in Pulp reference foreign
//! layers whose blobs Pulp does not hold.
//!
//! Pulp's own sync keeps a manifest and leaves its foreign layers' blobs out (its remote's
//! `include_foreign_layers` is not in the REST API), so a pull fails later with "blob unknown",
//! typically once the site is already cut off. The audit lists every container repository from
//! the REST API, reads each one's manifests through the registry API at its distribution's base
//! path (the REST API does not keep a manifest's layer descriptors), and asks the registry for
//! every foreign layer's blob. A repository with no distribution cannot be read that way; it is
//! listed with the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::media::classify;
use crate::registry::auth::Scope;
use crate::registry::client::Client;
use crate::registry::pulp_api::{PulpApiError, PulpRepository, list_repositories};
use crate::registry::resolve::{PlatformChoice, fetch_document, resolve_images};
use crate::transport::Transport;

/// A foreign layer whose blob Pulp lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingBlob {
    /// The blob's digest.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Its size.
    pub size: u64,
    /// Where its publisher serves it.
    pub urls: Vec<String>,
}

/// One manifest that references foreign layers (image manifests; an index's images each).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedManifest {
    /// The manifest's digest.
    pub digest: Digest,
    /// The tags that lead to it (directly, or through an index), which a pull of would fail
    /// when `missing` is not empty.
    pub tags: Vec<String>,
    /// Its foreign layers that Pulp lacks.
    pub missing: Vec<MissingBlob>,
}

/// One container repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedRepository {
    /// Its name.
    pub name: String,
    /// Its latest version's number.
    pub version: Option<u64>,
    /// The base path of the distribution it was read through (what a pull or a push names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// Its manifests with foreign layers (an empty list: clean).
    pub manifests: Vec<AuditedManifest>,
    /// Why it could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// The whole audit (`waybill audit --json`; the field names are relied on by scripts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Every container repository, clean ones included.
    pub repositories: Vec<AuditedRepository>,
    /// Distinct missing blobs, over all repositories.
    pub missing_blobs: usize,
    /// Their bytes.
    pub missing_bytes: u64,
}

impl AuditReport {
    /// Whether any foreign blob is missing.
    pub fn is_clean(&self) -> bool {
        self.missing_blobs == 0
    }

    /// The repositories with at least one manifest that lacks blobs.
    pub fn affected_repositories(&self) -> usize {
        self.repositories.iter().filter(|r| r.is_affected()).count()
    }

    /// The tags whose pull would fail, over all repositories.
    pub fn affected_tags(&self) -> usize {
        self.repositories.iter().flat_map(AuditedRepository::affected).map(|m| m.tags.len()).sum()
    }
}

impl AuditedRepository {
    /// Its manifests that lack blobs (the ones that only have foreign layers present are not).
    pub fn affected(&self) -> impl Iterator<Item = &AuditedManifest> {
        self.manifests.iter().filter(|m| !m.missing.is_empty())
    }

    /// Whether a pull of one of its tags would fail.
    pub fn is_affected(&self) -> bool {
        self.affected().next().is_some()
    }
}

/// Where an audit is: before it reads a repository, which one of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditProgress<'a> {
    /// Repositories already read.
    pub done: usize,
    /// Repositories to read in all (the ones admitted by name).
    pub total: usize,
    /// The one it reads now.
    pub name: &'a str,
}

/// Audits the Pulp behind `client` (its REST API and its registry API, one login for both): the
/// repositories `wanted` admits by name, `progress` told before each is read.
pub async fn audit<T: Transport>(
    client: &Client<T>,
    wanted: &dyn Fn(&str) -> bool,
    progress: &dyn Fn(AuditProgress<'_>),
) -> Result<AuditReport, PulpApiError> {
    let mut report = AuditReport::default();
    let mut missing_everywhere: BTreeMap<(String, Digest), u64> = BTreeMap::new();
    let repositories: Vec<PulpRepository> =
        list_repositories(client).await?.into_iter().filter(|r| wanted(&r.name)).collect();
    let total = repositories.len();
    for (done, repository) in repositories.iter().enumerate() {
        progress(AuditProgress { done, total, name: &repository.name });
        let audited = audit_repository(client, repository).await;
        for manifest in &audited.manifests {
            for blob in &manifest.missing {
                missing_everywhere.insert((audited.name.clone(), blob.digest.clone()), blob.size);
            }
        }
        report.repositories.push(audited);
    }
    report.missing_blobs = missing_everywhere.len();
    report.missing_bytes = missing_everywhere.values().sum();
    Ok(report)
}

async fn audit_repository<T: Transport>(
    client: &Client<T>,
    repository: &PulpRepository,
) -> AuditedRepository {
    let mut audited = AuditedRepository {
        name: repository.name.clone(),
        version: repository.version,
        base_path: repository.base_path.clone(),
        manifests: Vec::new(),
        unreadable: None,
    };
    let Some(path) = repository.base_path.as_deref() else {
        audited.unreadable = Some("no distribution serves it, so its manifests cannot be read".into());
        return audited;
    };
    match read_manifests(client, path).await {
        Ok(manifests) => audited.manifests = manifests,
        Err(reason) => audited.unreadable = Some(reason),
    }
    audited
}

/// Every image manifest under every tag of `path` that has foreign layers, with the ones Pulp
/// lacks.
async fn read_manifests<T: Transport>(
    client: &Client<T>,
    path: &str,
) -> Result<Vec<AuditedManifest>, String> {
    let tags = client.list_tags(path, None).await.map_err(|e| e.to_string())?;
    let mut by_digest: BTreeMap<Digest, AuditedManifest> = BTreeMap::new();
    for tag in &tags {
        let top = fetch_document(client, path, tag).await.map_err(|e| e.to_string())?;
        let images =
            resolve_images(client, path, tag, &top, &PlatformChoice::All).await.map_err(|e| e.to_string())?;
        for image in images {
            let foreign: Vec<_> =
                image.image.layers.iter().filter(|l| classify(l).non_distributable).collect();
            if foreign.is_empty() {
                continue;
            }
            let digest = image.document.digest().clone();
            if let Some(known) = by_digest.get_mut(&digest) {
                known.tags.push(tag.clone());
                continue;
            }
            let mut missing = Vec::new();
            for layer in foreign {
                let present = client
                    .blob_present(path, &layer.digest, layer.size, &Scope::pull(path))
                    .await
                    .map_err(|e| e.to_string())?;
                if !present {
                    missing.push(MissingBlob {
                        digest: layer.digest.clone(),
                        media_type: layer.media_type.to_string(),
                        size: layer.size,
                        urls: layer.urls.clone(),
                    });
                }
            }
            by_digest.insert(digest.clone(), AuditedManifest { digest, tags: vec![tag.clone()], missing });
        }
    }
    Ok(by_digest.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: char) -> Digest {
        format!("sha256:{}", c.to_string().repeat(64)).parse().unwrap()
    }

    fn repository(name: &str, manifests: Vec<AuditedManifest>) -> AuditedRepository {
        AuditedRepository {
            name: name.into(),
            version: Some(1),
            base_path: None,
            manifests,
            unreadable: None,
        }
    }

    #[test]
    fn only_manifests_that_lack_blobs_count_as_affected() {
        let blob = MissingBlob { digest: digest('b'), media_type: "m".into(), size: 3, urls: vec![] };
        let broken =
            AuditedManifest { digest: digest('1'), tags: vec!["a".into(), "b".into()], missing: vec![blob] };
        let whole = AuditedManifest { digest: digest('2'), tags: vec!["c".into()], missing: vec![] };
        let report = AuditReport {
            repositories: vec![repository("x", vec![broken, whole.clone()]), repository("y", vec![whole])],
            missing_blobs: 1,
            missing_bytes: 3,
        };
        assert_eq!((report.affected_repositories(), report.affected_tags()), (1, 2));
        assert!(!report.repositories[1].is_affected());
        // The JSON scripts read has no base path unless one is known.
        let json = serde_json::to_value(&report.repositories[1]).unwrap();
        assert!(json.get("base_path").is_none(), "{json}");
    }
}
