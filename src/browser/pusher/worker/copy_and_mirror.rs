//! The push worker's runs from one registry to another, where no archive is involved: one image
//! copied ([`run_copy`], the Copy page) and a repository's chosen tags mirrored ([`run_mirror`],
//! Copy's repository mode) with the core's `copy` and `sync`, told to the page as they go. A copy
//! that fails names the registry it failed on ([`side_of`]), so the page opens that one's sign-in.

use waybill_core::platform::PlatformSpec;
use waybill_core::registry::{ImageError, PlatformChoice};
use waybill_core::transfer::in_flight::BlobsInFlight;
use waybill_core::transfer::sync::{RepoAt, SyncEvent, SyncOptions, sync};
use waybill_core::transfer::tag_filter::TagFilter;
use waybill_core::transfer::{CopyEvent, CopyOptions, ImageAt, copy};

use super::{Post, State, armed_pair, chunk_policy, failed, looks_like_pulp, said};
use crate::browser::fetch::ROUTE_PREFIX;
use crate::browser::pusher::protocol::{CopySettings, Endpoint, Failure, FromPusher, Platforms, Side};

/// Tags copied at the same time and blobs uploaded at the same time, all tags together, in a
/// mirror: the CLI's defaults (`waybill sync --jobs 4 --concurrency 2`), which keep a mirror's
/// memory small; and its chunk size (the Copy page's default).
const MIRROR_JOBS: usize = 4;
const MIRROR_UPLOADS: usize = 2;
const MIRROR_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// Mirrors the tags `filter` chooses from `source` into `target` with the core's `sync`, as
/// `waybill sync --jobs 4 --concurrency 2` does (every platform, companions along), each step
/// told to the page with its tag.
pub(super) async fn run_mirror(
    state: &State,
    source: &Endpoint,
    target: &Endpoint,
    filter: TagFilter,
    allow_foreign_layers: bool,
    post: &Post,
) -> FromPusher {
    let (cancel, src, dst) = match armed_pair(state, source, target) {
        Ok(armed) => armed,
        Err(message) => return failed(message),
    };
    let options = SyncOptions {
        filter,
        copy: CopyOptions {
            allow_foreign_layers,
            platforms: PlatformChoice::All,
            chunk: chunk_policy(&target.api_host, MIRROR_CHUNK_SIZE),
            concurrency: MIRROR_UPLOADS,
            in_flight: BlobsInFlight::with_upload_slots(MIRROR_UPLOADS),
            ..CopyOptions::default()
        },
        jobs: MIRROR_JOBS,
        companions: true,
    };
    let events = |event: SyncEvent<'_>| match event {
        SyncEvent::Chosen { .. } => {}
        SyncEvent::Copy { tag, event } => post(&FromPusher::MirrorStep {
            tag: tag.to_owned(),
            event: Box::new(FromPusher::from_copy_event(event)),
        }),
        SyncEvent::TagDone(result) => post(&FromPusher::TagMirrored { result: result.clone() }),
    };
    let names = (
        format!("{}/{}", source.api_host, source.repository),
        format!("{}/{}", target.api_host, target.repository),
    );
    let from = RepoAt { client: &src, repository: &source.repository };
    let to = RepoAt { client: &dst, repository: &target.repository };
    match sync(from, to, (&names.0, &names.1), &options, &events).await {
        Ok(report) => FromPusher::MirrorDone { report, cancelled: cancel.is_cancelled() },
        Err(error) => failed(error.to_string()),
    }
}

pub(super) async fn run_copy(
    state: &State,
    source: &Endpoint,
    target: &Endpoint,
    settings: &CopySettings,
    post: &Post,
) -> FromPusher {
    let platforms = match &settings.platforms {
        Platforms::Unspecified => PlatformChoice::Unspecified,
        Platforms::All => PlatformChoice::All,
        Platforms::One(text) => match PlatformSpec::parse(text) {
            Ok(spec) => PlatformChoice::Only(spec),
            Err(e) => return failed(e.to_string()),
        },
        Platforms::Several(texts) => match texts.iter().map(|t| PlatformSpec::parse(t)).collect() {
            Ok(specs) => PlatformChoice::Several(specs),
            Err(e) => return failed(e.to_string()),
        },
    };
    let (cancel, src, dst) = match armed_pair(state, source, target) {
        Ok(armed) => armed,
        Err(message) => return failed(message),
    };
    let options = CopyOptions {
        allow_foreign_layers: settings.allow_foreign_layers,
        platforms,
        chunk: chunk_policy(&target.api_host, settings.chunk_size),
        ..CopyOptions::default()
    };
    let events = |event: CopyEvent<'_>| post(&FromPusher::from_copy_event(event));
    let from = ImageAt { client: &src, repository: &source.repository, reference: &source.reference };
    let to = ImageAt { client: &dst, repository: &target.repository, reference: &target.reference };
    match copy(from, to, &options, &events).await {
        Ok(report) => FromPusher::Done { report, pulp: looks_like_pulp(&dst).await },
        Err(_) if cancel.is_cancelled() => FromPusher::Failed { failure: Failure::Cancelled },
        Err(ImageError::Rejected(rejections)) => {
            FromPusher::Failed { failure: Failure::Rejected { rejections } }
        }
        Err(other) => {
            let side = side_of(&other, source, target);
            FromPusher::Failed { failure: said(other.to_string(), other.remedy(), side) }
        }
    }
}

/// Which registry of a copy answered `error`: the one whose proxy route its request went to (a
/// token realm is on the registry's own host, for Pulp and distribution alike); else the target,
/// because the page has already read the source's manifest with the source's login.
fn side_of(error: &ImageError, source: &Endpoint, target: &Endpoint) -> Side {
    let url = error.registry_cause().and_then(|e| e.registry()).map(|r| r.url.as_str());
    let routed_to = |endpoint: &Endpoint| {
        url.is_some_and(|u| u.contains(&format!("{ROUTE_PREFIX}{}/", endpoint.api_host)))
    };
    if routed_to(source) && !routed_to(target) { Side::Source } else { Side::Target }
}
