//! Mirroring a repository: every chosen tag copied from one repository to another, as
//! `skopeo sync` and regsync do, with the foreign-layer policy decided per tag.
//!
//! * The tags are listed (every page), filtered by shell patterns, and copied a few at a time.
//! * A tag the destination already has with the source's digest costs a HEAD on each side and
//!   nothing else ("up to date"); a copy skips blobs the destination has and mounts blobs within
//!   one registry, so a rerun after an interruption sends only what had not arrived.
//! * A tag refused by the policy is reported and the others still go: one Windows tag must not
//!   stop a nightly mirror of the rest.
//! * Companions travel with their image: the manifests the source's referrers API lists for it
//!   (copied by digest, and written into the destination's tag schema index where the destination
//!   has no such API), cosign's `sha256-<hex>.sig`/`.att`/`.sbom` tags and the OCI referrers tag
//!   schema's `sha256-<hex>`, found in the source's tag list by the digest of a mirrored tag
//!   (they are never chosen on their own). Tags that share a digest share its companions, which
//!   are brought once: Pulp has refused one of three simultaneous PUTs of one referrer manifest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt as _;
use futures_util::lock::Mutex as AsyncMutex;
use serde::{Deserialize, Serialize};

use super::copy::{CopyOptions, ImageAt, copy};
use super::copy_event::CopyEvent;
use super::tag_filter::{TagFilter, companion_subject};
use crate::digest::Digest;
use crate::manifest::{Descriptor, Manifest, ManifestDocument};
use crate::policy;
use crate::registry::chunk::ChunkBytes;
use crate::registry::client::Client;
use crate::registry::errors::Error;
use crate::registry::referrers::{OCI_INDEX, tag_schema_index, tag_schema_tag};
use crate::registry::resolve::{ImageError, PlatformChoice};
use crate::transport::{Method, Transport};

/// A repository in a registry.
pub struct RepoAt<'a, T: Transport> {
    /// The registry.
    pub client: &'a Client<T>,
    /// The repository path.
    pub repository: &'a str,
}

/// How to mirror.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Which tags.
    pub filter: TagFilter,
    /// How each tag is copied (its platform choice: every platform, by default).
    pub copy: CopyOptions,
    /// Tags copied at the same time.
    pub jobs: usize,
    /// Whether companions (signatures, attestations, referrers by tag) travel along.
    pub companions: bool,
}

/// What happened to one tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagOutcome {
    /// Copied (some or all of its blobs and manifests sent).
    Copied,
    /// The destination already had it with the same digest.
    UpToDate,
    /// Refused by the foreign-layer policy: nothing of it was sent.
    Refused,
    /// Something failed; `reason` says what.
    Failed,
}

impl TagOutcome {
    /// The outcome in words, as every shell prints it.
    pub fn words(self) -> &'static str {
        match self {
            TagOutcome::Copied => "copied",
            TagOutcome::UpToDate => "up to date",
            TagOutcome::Refused => "refused",
            TagOutcome::Failed => "failed",
        }
    }
}

/// One tag's line in the summary (the `--json` field names are relied on by scripts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagResult {
    /// The tag.
    pub tag: String,
    /// The digest of the manifest under the tag (the source's), when known.
    pub digest: Option<Digest>,
    /// What happened.
    pub outcome: TagOutcome,
    /// Why it was refused or failed.
    pub reason: Option<String>,
    /// The platforms copied (empty for a single image, or when nothing was read).
    pub platforms: Vec<String>,
    /// The companion tags that arrived with it.
    pub companions: Vec<String>,
}

/// The whole mirror's summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// The source repository, as the user named it.
    pub source: String,
    /// The destination repository.
    pub destination: String,
    /// Every chosen tag, in the source's order.
    pub tags: Vec<TagResult>,
}

/// Progress of a mirror, for the shells to draw.
#[derive(Clone, Copy, Debug)]
pub enum SyncEvent<'a> {
    /// The tags chosen, of how many listed.
    Chosen {
        /// Chosen for mirroring.
        chosen: usize,
        /// Listed by the source.
        listed: usize,
    },
    /// A copy's own progress, for one tag.
    Copy {
        /// The tag.
        tag: &'a str,
        /// What the copy reported.
        event: CopyEvent<'a>,
    },
    /// One tag is finished.
    TagDone(&'a TagResult),
}

/// Why a mirror could not start.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The source's tags could not be listed (a missing repository among them).
    #[error("listing the tags of the source: {0}")]
    Source(#[source] Error),
    /// The filters left nothing to mirror.
    #[error(
        "no tag of the source matches the tags included {include:?} less those excluded {exclude:?} \
         (it has {listed} tags{sample})"
    )]
    NothingMatched {
        /// The include patterns.
        include: Vec<String>,
        /// The exclude patterns.
        exclude: Vec<String>,
        /// How many tags the source has.
        listed: usize,
        /// ", e.g. a, b, c" or empty.
        sample: String,
    },
}

/// Mirrors the chosen tags of `src` into `dst`.
pub async fn sync<T: Transport>(
    src: RepoAt<'_, T>,
    dst: RepoAt<'_, T>,
    names: (&str, &str),
    options: &SyncOptions,
    events: &dyn Fn(SyncEvent<'_>),
) -> Result<SyncReport, SyncError>
where
    T::Chunk: ChunkBytes,
{
    let listed = src.client.list_tags(src.repository, None).await.map_err(SyncError::Source)?;
    let chosen: Vec<&String> = listed.iter().filter(|t| options.filter.chooses(t)).collect();
    if chosen.is_empty() {
        let sample: Vec<&str> = listed.iter().take(5).map(String::as_str).collect();
        return Err(SyncError::NothingMatched {
            include: options.filter.include.clone(),
            exclude: options.filter.exclude.clone(),
            listed: listed.len(),
            sample: if sample.is_empty() { String::new() } else { format!(", e.g. {}", sample.join(", ")) },
        });
    }
    events(SyncEvent::Chosen { chosen: chosen.len(), listed: listed.len() });
    let brought = CompanionsBrought::default();
    let (src, dst, listed, brought) = (&src, &dst, &listed, &brought);
    let mut results: Vec<(usize, TagResult)> = futures_util::stream::iter(chosen.iter().enumerate())
        .map(|(i, tag)| async move {
            let mut result = mirror_tag(src, dst, tag, &options.copy, events).await;
            if options.companions
                && let Some(digest) = result.digest.clone()
                && matches!(result.outcome, TagOutcome::Copied | TagOutcome::UpToDate)
            {
                brought
                    .once(&digest, bring_companions(src, dst, listed, &digest, events))
                    .await
                    .apply(&mut result);
            }
            events(SyncEvent::TagDone(&result));
            (i, result)
        })
        .buffer_unordered(options.jobs.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    Ok(SyncReport {
        source: names.0.to_owned(),
        destination: names.1.to_owned(),
        tags: results.into_iter().map(|(_, r)| r).collect(),
    })
}

async fn mirror_tag<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    tag: &str,
    options: &CopyOptions,
    events: &dyn Fn(SyncEvent<'_>),
) -> TagResult
where
    T::Chunk: ChunkBytes,
{
    let result = |digest, outcome, reason, platforms| TagResult {
        tag: tag.to_owned(),
        digest,
        outcome,
        reason,
        platforms,
        companions: Vec::new(),
    };
    // With every platform, the destination's manifest is the source's, byte for byte: equal
    // digests on both HEADs mean there is nothing to do. (A cut-down index is a new manifest,
    // which only the copy can compare.) Not so with foreign layers allowed: Pulp's own sync keeps
    // such a manifest without its foreign layers' blobs, and only the copy asks for those.
    if options.platforms == PlatformChoice::All && !options.allow_foreign_layers {
        match up_to_date(src, dst, tag).await {
            Ok(Some(digest)) => return result(Some(digest), TagOutcome::UpToDate, None, Vec::new()),
            Ok(None) => {}
            Err(e) => return result(None, TagOutcome::Failed, Some(e.to_string()), Vec::new()),
        }
    }
    let copy_events = |event: CopyEvent<'_>| events(SyncEvent::Copy { tag, event });
    let copied = copy(
        ImageAt { client: src.client, repository: src.repository, reference: tag },
        ImageAt { client: dst.client, repository: dst.repository, reference: tag },
        options,
        &copy_events,
    )
    .await;
    match copied {
        Ok(report) => {
            let outcome = if report.manifests.is_empty() { TagOutcome::UpToDate } else { TagOutcome::Copied };
            result(Some(report.digest), outcome, None, report.platforms)
        }
        Err(ImageError::Rejected(rejections)) => {
            result(None, TagOutcome::Refused, Some(policy::refusal_brief(&rejections)), Vec::new())
        }
        Err(e) => result(None, TagOutcome::Failed, Some(e.to_string()), Vec::new()),
    }
}

/// The digest, when the destination's tag already names the source's manifest.
async fn up_to_date<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    tag: &str,
) -> Result<Option<Digest>, Error>
where
    T::Chunk: ChunkBytes,
{
    let Some(source) = src.client.head_manifest(src.repository, tag).await?.and_then(|h| h.digest) else {
        return Ok(None);
    };
    let there = dst.client.head_manifest(dst.repository, tag).await?.and_then(|h| h.digest);
    Ok((there.as_ref() == Some(&source)).then_some(source))
}

/// What came of bringing one digest's companions: every tag that has the digest says the same.
#[derive(Clone, Debug, Default)]
struct Companions {
    /// The companion tags and digests that arrived.
    arrived: Vec<String>,
    /// The first that did not, and why.
    failed: Option<String>,
}

impl Companions {
    /// Says in a tag's result what came with it.
    fn apply(self, result: &mut TagResult) {
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
struct CompanionsBrought {
    digests: Mutex<HashMap<Digest, Arc<AsyncMutex<Option<Companions>>>>>,
}

impl CompanionsBrought {
    /// The companions of `digest`: brought by `bring` if no tag brought them yet, else what the
    /// tag that did got (and `bring` is dropped unstarted).
    async fn once(&self, digest: &Digest, bring: impl Future<Output = Companions>) -> Companions {
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
async fn bring_companions<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    listed: &[String],
    digest: &Digest,
    events: &dyn Fn(SyncEvent<'_>),
) -> Companions
where
    T::Chunk: ChunkBytes,
{
    let mut companions = Companions::default();
    // The referrers API, where the source has one; the tag schema's tags below otherwise (or as
    // well: a registry may keep both).
    match src.client.referrers(src.repository, digest).await {
        Ok(Some(referrers)) => bring_referrers(src, dst, digest, &referrers, &mut companions, events).await,
        Ok(None) => {}
        Err(e) => companions.failed("its referrers list", &e.to_string()),
    }
    for companion in listed.iter().filter(|t| companion_subject(t).as_ref() == Some(digest)) {
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
) -> bool
where
    T::Chunk: ChunkBytes,
{
    let options = CopyOptions { platforms: PlatformChoice::All, ..CopyOptions::default() };
    let outcome = mirror_tag(src, dst, reference, &options, events).await;
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
) where
    T::Chunk: ChunkBytes,
{
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
) -> Result<bool, Error>
where
    T::Chunk: ChunkBytes,
{
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
