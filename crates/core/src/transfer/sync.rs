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
//!   (they are never chosen on their own; see [`companions`]).

use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

mod companions;
mod sync_plan;

use companions::{CompanionsBrought, bring_companions};
pub use sync_plan::SyncPlan;

use super::copy::{CopyOptions, ImageAt, copy};
use super::copy_event::CopyEvent;
use super::tag_filter::TagFilter;
use crate::digest::Digest;
use crate::policy;
use crate::registry::client::Client;
use crate::registry::errors::Error;
use crate::registry::resolve::ImageError;
use crate::transport::Transport;

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

/// Mirrors the chosen tags of `src` into `dst`: lists the source's tags, plans the mirror
/// ([`SyncPlan`]) and runs it, a few tags at a time.
pub async fn sync<T: Transport>(
    src: RepoAt<'_, T>,
    dst: RepoAt<'_, T>,
    names: (&str, &str),
    options: &SyncOptions,
    events: &dyn Fn(SyncEvent<'_>),
) -> Result<SyncReport, SyncError> {
    let listed = src.client.list_tags(src.repository, None).await.map_err(SyncError::Source)?;
    let plan = SyncPlan::new(listed, options)?;
    events(SyncEvent::Chosen { chosen: plan.tags.len(), listed: plan.listed });
    let brought = CompanionsBrought::default();
    let (src, dst, plan, brought) = (&src, &dst, &plan, &brought);
    let mut results: Vec<(usize, TagResult)> = futures_util::stream::iter(plan.tags.iter().enumerate())
        .map(|(i, tag)| async move {
            let mut result = mirror_tag(src, dst, tag, &options.copy, plan.head_decides, events).await;
            if plan.companions_travel()
                && let Some(digest) = result.digest.clone()
                && matches!(result.outcome, TagOutcome::Copied | TagOutcome::UpToDate)
            {
                brought
                    .once(&digest, bring_companions(src, dst, plan, &digest, events))
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

/// Mirrors one tag (or a companion, by tag or digest): up to date by its HEADs when
/// `head_decides`, else copied through the copy's own plan.
async fn mirror_tag<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: &RepoAt<'_, T>,
    tag: &str,
    options: &CopyOptions,
    head_decides: bool,
    events: &dyn Fn(SyncEvent<'_>),
) -> TagResult {
    let result = |digest, outcome, reason, platforms| TagResult {
        tag: tag.to_owned(),
        digest,
        outcome,
        reason,
        platforms,
        companions: Vec::new(),
    };
    if head_decides {
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
) -> Result<Option<Digest>, Error> {
    let Some(source) = src.client.head_manifest(src.repository, tag).await?.and_then(|h| h.digest) else {
        return Ok(None);
    };
    let there = dst.client.head_manifest(dst.repository, tag).await?.and_then(|h| h.digest);
    Ok((there.as_ref() == Some(&source)).then_some(source))
}
