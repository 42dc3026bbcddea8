//! A mirrored image's companions: the manifests the source's referrers API lists for it (copied
//! by digest, and written into the destination's tag schema index where the destination has no
//! such API), and the companion tags of the source's list (cosign's `sha256-<hex>.sig`/`.att`/
//! `.sbom`, the OCI referrers tag schema's `sha256-<hex>`). Tags that share a digest share its
//! companions, which are brought once: Pulp has refused one of three simultaneous PUTs of one
//! referrer manifest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::lock::Mutex as AsyncMutex;

use super::sync_plan::{SyncPlan, heads_decide};
use super::{RepoAt, SyncEvent, TagOutcome, TagResult, mirror_tag};
use crate::digest::Digest;
use crate::manifest::{Descriptor, Manifest, ManifestDocument};
use crate::registry::errors::Error;
use crate::registry::referrers::{OCI_INDEX, tag_schema_index, tag_schema_tag};
use crate::registry::resolve::PlatformChoice;
use crate::transfer::copy::CopyOptions;
use crate::transport::{Method, Transport};

/// What came of bringing one digest's companions: every tag that has the digest says the same.
#[derive(Clone, Debug, Default)]
pub(super) struct Companions {
    /// The companion tags and digests that arrived.
    arrived: Vec<String>,
    /// The first that did not, and why.
    failed: Option<String>,
}

impl Companions {
    /// Says in a tag's result what came with it.
    pub(super) fn apply(self, result: &mut TagResult) {
        result.companions = self.arrived;
        if let Some(reason) = self.failed {
            result.outcome = TagOutcome::Failed;
            result.reason = Some(reason);
        }
    }

    /// Records that the companion `what` did not arrive.
    fn failed(&mut self, what: &str, why: &str) {
        self.failed.get_or_insert_with(|| format!("its companion {what} did not arrive: {why}"));
    }
}

/// The digests whose companions a sync has brought (or is bringing): one lock each, which the
/// first tag of the digest holds while it brings them and the others wait on for its outcome.
#[derive(Default)]
pub(super) struct CompanionsBrought {
    digests: Mutex<HashMap<Digest, Arc<AsyncMutex<Option<Companions>>>>>,
}

impl CompanionsBrought {
    /// The companions of `digest`: brought by `bring` if no tag brought them yet, else what the
    /// tag that did got (and `bring` is dropped unstarted).
    pub(super) async fn once(&self, digest: &Digest, bring: impl Future<Output = Companions>) -> Companions {
        let cell = {
            let mut digests = self.digests.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(digests.entry(digest.clone()).or_default())
        };
        let mut held = cell.lock().await;
        if held.is_none() {
            *held = Some(bring.await);
        }
        held.clone().unwrap_or_default()
    }
}

/// Copies the companions of a mirrored digest (every platform, as they are).
pub(super) async fn bring_companions<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    plan: &SyncPlan,
    digest: &Digest,
    events: &dyn Fn(SyncEvent<'_>),
) -> Companions {
    let mut companions = Companions::default();
    // The referrers API, where the source has one; the tag schema's tags below otherwise (or as
    // well: a registry may keep both).
    match src.client.referrers(src.repository, digest).await {
        Ok(Some(referrers)) => bring_referrers(src, dst, digest, &referrers, &mut companions, events).await,
        Ok(None) => {}
        Err(e) => companions.failed("its referrers list", &e.to_string()),
    }
    for companion in plan.companion_tags(digest) {
        bring_one(src, dst, companion, &mut companions, events).await;
    }
    companions
}

/// Copies one companion, by tag or digest, every platform as it is; says so in `companions`.
async fn bring_one<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    reference: &str,
    companions: &mut Companions,
    events: &dyn Fn(SyncEvent<'_>),
) -> bool {
    let options = CopyOptions { platforms: PlatformChoice::All, ..CopyOptions::default() };
    let outcome = mirror_tag(src, dst, reference, &options, heads_decide(&options), events).await;
    match outcome.outcome {
        TagOutcome::Copied | TagOutcome::UpToDate => {
            companions.arrived.push(reference.to_owned());
            true
        }
        TagOutcome::Refused | TagOutcome::Failed => {
            companions.failed(reference, &outcome.reason.unwrap_or_default());
            false
        }
    }
}

/// Copies the manifests the source's referrers API lists for `subject`, by digest; where the
/// destination has no referrers API, writes them into its tag schema's index too.
async fn bring_referrers<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    subject: &Digest,
    referrers: &[Descriptor],
    companions: &mut Companions,
    events: &dyn Fn(SyncEvent<'_>),
) {
    for referrer in referrers {
        if !bring_one(src, dst, &referrer.digest.to_string(), companions, events).await {
            return;
        }
    }
    let tag = tag_schema_tag(subject);
    match write_tag_schema(dst, subject, &tag, referrers).await {
        Ok(true) => companions.arrived.push(tag),
        Ok(false) => {}
        Err(e) => companions.failed(&tag, &e.to_string()),
    }
}

/// Adds `referrers` to the destination's tag schema index of `subject`, unless the destination
/// has the referrers API (it indexes what it is given) or the index lists them already. Whether
/// the index was written.
async fn write_tag_schema<T: Transport>(
    dst: &RepoAt<'_, T>,
    subject: &Digest,
    tag: &str,
    referrers: &[Descriptor],
) -> Result<bool, Error> {
    if dst.client.referrers(dst.repository, subject).await?.is_some() {
        return Ok(false);
    }
    let existing = match dst.client.head_manifest(dst.repository, tag).await? {
        Some(_) => {
            let fetched = dst.client.get_manifest(dst.repository, tag).await?;
            let document =
                ManifestDocument::parse(fetched.bytes, fetched.media_type.as_deref()).map_err(|e| {
                    let url = dst.client.manifest_url(dst.repository, tag).to_string();
                    Error::Protocol {
                        method: Method::Get,
                        url,
                        what: format!("the tag schema's index is not valid: {e}"),
                    }
                })?;
            match document.manifest() {
                Manifest::Index(index) => Some(index.clone()),
                _ => None,
            }
        }
        None => None,
    };
    let Some(bytes) = tag_schema_index(existing.as_ref(), referrers) else { return Ok(false) };
    dst.client.put_manifest(dst.repository, tag, &bytes, OCI_INDEX).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;

    #[test]
    fn a_digests_companions_are_brought_once_and_every_tag_of_it_gets_them() {
        let digest = Digest::sha256_of(b"image");
        let brought = CompanionsBrought::default();
        let arrived = |name: &str| Companions { arrived: vec![name.to_owned()], failed: None };
        let first = brought.once(&digest, async { arrived("first") }).now_or_never().unwrap();
        let second = brought.once(&digest, async { arrived("second") }).now_or_never().unwrap();
        assert_eq!((first.arrived, second.arrived), (vec!["first".to_owned()], vec!["first".to_owned()]));
        let other = brought.once(&Digest::sha256_of(b"other"), async { arrived("other") }).now_or_never();
        assert_eq!(other.unwrap().arrived, ["other"], "another digest brings its own");

        let mut result = TagResult {
            tag: "1.0".to_owned(),
            digest: Some(digest),
            outcome: TagOutcome::Copied,
            reason: None,
            platforms: Vec::new(),
            companions: Vec::new(),
        };
        let mut failed = arrived("sha256-x.sig");
        failed.failed("sha256-x.att", "refused");
        failed.failed("sha256-x.sbom", "refused too");
        failed.apply(&mut result);
        assert_eq!(result.outcome, TagOutcome::Failed);
        assert_eq!(result.companions, ["sha256-x.sig"]);
        assert_eq!(result.reason.as_deref(), Some("its companion sha256-x.att did not arrive: refused"));
    }
}
