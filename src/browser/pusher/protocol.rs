//! The messages between the page and the push worker, `{ json, blob? }` like the hashing
//! worker's ([`crate::browser::protocol::encode`]): typed serde enums on both ends.
//!
//! ```text
//! page                                    push worker
//!                                          ← Ready
//!   ─ Open + blob (the dropped file) ─────→
//!                                          ← Opened { report, policy }   or Failed
//!   ─ Push { image, target, settings } ──→
//!                                          ← Hashing { files }     (plain archives: the push
//!                                          ← HashProgress / FileHashed  worker's own hashing
//!                                                                       workers hash the ranges)
//!                                          ← Verifying / Planned / Blob… / ManifestPushed …
//!                                          ← Done { report }   or Failed { failure }
//!   ─ Load { targets, target, settings } ─→   (a bundle: several images, verified together)
//!                                          ← Hashing… / Verifying, then per image
//!                                            LoadStep { index, event } … Loaded { index, result }
//!                                          ← LoadDone { results }
//!   ─ Copy { source, target, … } ─────────→   (the same events as a push)
//!   ─ Mirror { source, target, … } ───────→   (a repository: the core's sync)
//!                                          ← MirrorStep { tag, event } … TagMirrored { result }
//!                                          ← MirrorDone { report }   or Failed
//!   ─ Cancel ─────────────────────────────→
//! ```

use serde::{Deserialize, Serialize};
use waybill_core::archive::compress::{Codec, LayerCompression};
use waybill_core::archive::marks::LostMarks;
use waybill_core::archive::report::ArchiveReport;
use waybill_core::digest::Digest;
use waybill_core::policy::Rejection;
use waybill_core::transfer::load_archive::LoadTarget;
use waybill_core::transfer::push_archive::AbsentForeign;
use waybill_core::transfer::sync::{SyncReport, TagResult};
use waybill_core::transfer::{BlobOutcome, CopyEvent, CopyReport};

use crate::browser::protocol::Login;

mod failure;

pub use failure::{Failure, Side};

/// A repository on a registry, reached through Waybill's proxy, and a tag or digest in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The proxy's origin (the page's), e.g. `http://127.0.0.1:8080`.
    pub proxy_origin: String,
    /// The registry's API `host[:port]`.
    pub api_host: String,
    /// The repository, e.g. `team/app`.
    pub repository: String,
    /// A tag or a digest.
    pub reference: String,
    /// The login for this registry, if the user gave one (sent to it and its token realm only).
    pub login: Option<Login>,
}

/// How to push an archive image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSettings {
    /// Upload foreign layers (with their urls kept) instead of refusing the image.
    pub allow_foreign_layers: bool,
    /// Fetch foreign layers the archive lacks from their urls (through the proxy, if it permits
    /// the host).
    pub fetch_foreign: bool,
    /// The user acknowledged that the archive lost the foreign-layer marks: push it as it is.
    pub accept_lost_marks: bool,
    /// How uncompressed docker-save layers are pushed (gzip by default, as docker push does).
    pub compress: LayerCompression,
    /// Preferred upload chunk size in bytes.
    pub chunk_size: u64,
}

/// Which images of an index a copy takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "platform", rename_all = "snake_case")]
pub enum Platforms {
    /// A single image (an index is refused, naming its platforms).
    Unspecified,
    /// The image for this platform, `os[(os.version)]/arch[/variant]`: its manifest becomes the tag.
    One(String),
    /// The images for these platforms (two or more), under a new index of only them.
    Several(Vec<String>),
    /// The index and every image of it, digests unchanged.
    All,
}

/// How to copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopySettings {
    /// Upload foreign layers instead of refusing the image.
    pub allow_foreign_layers: bool,
    /// Which images of an index.
    pub platforms: Platforms,
    /// Preferred upload chunk size in bytes.
    pub chunk_size: u64,
}

/// One file of the archive being hashed, as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveFile {
    /// Its path in the archive.
    pub path: String,
    /// Where its bytes start in the (plain) archive file: its key.
    pub offset: u64,
    /// Its size.
    pub size: u64,
}

/// The page's messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPusher {
    /// Open the archive sent as the message's blob.
    Open,
    /// Push image `image` (its position in the report) of the opened archive.
    Push {
        /// Which image.
        image: usize,
        /// Where to.
        target: Endpoint,
        /// How.
        settings: PushSettings,
    },
    /// Push several images of the opened archive (a bundle), all verified before the first is
    /// sent, each under its own tag.
    Load {
        /// Which images, under which repository (below the target's, its prefix) and tag.
        targets: Vec<LoadTarget>,
        /// The registry, and the repository or prefix (its `reference` is unused).
        target: Endpoint,
        /// How.
        settings: PushSettings,
    },
    /// Mirror the tags of a repository that the patterns choose into another, as `waybill sync`
    /// does: every platform, companions along.
    Mirror {
        /// The source repository (its `reference` is unused).
        source: Endpoint,
        /// The destination repository (its `reference` is unused).
        target: Endpoint,
        /// Tag patterns to include (none: every tag).
        include: Vec<String>,
        /// Tag patterns to leave out.
        exclude: Vec<String>,
        /// Copy foreign layers' blobs instead of refusing their tags.
        allow_foreign_layers: bool,
    },
    /// Copy an image from one registry to another.
    Copy {
        /// From.
        source: Endpoint,
        /// To.
        target: Endpoint,
        /// How.
        settings: CopySettings,
    },
    /// Stop the running push or copy: nothing more is sent but the `DELETE`s of open upload
    /// sessions, and no manifest is pushed.
    Cancel,
    /// To a compression helper (a push worker started by another): compress the block the
    /// message's bytes hold.
    CompressBlock {
        /// Which block, in the answer.
        id: u32,
        /// With what.
        codec: Codec,
    },
}

/// What the foreign-layer policy says about one image of an archive, before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagePolicy {
    /// With foreign layers refused (the default): every layer refused; empty when none is.
    pub rejections: Vec<Rejection>,
    /// Foreign layers whose blob the archive lacks (a push must fetch them from their urls).
    pub absent_foreign: Vec<AbsentForeign>,
    /// A Windows image whose archive lost the foreign-layer marks: pushed only once acknowledged.
    pub lost_marks: Option<LostMarks>,
}

/// The push worker's messages.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromPusher {
    /// The worker's wasm is loaded and it listens.
    Ready,
    /// The archive is open.
    Opened {
        /// What it holds, as `waybill inspect <ARCHIVE> --json` reports it.
        report: ArchiveReport,
        /// The policy per image, in the report's order.
        policy: Vec<ImagePolicy>,
        /// Where a load of every image would put each ([`waybill_core::transfer::load_archive::targets`]).
        targets: Vec<LoadTarget>,
        /// The images saved without a tag (a load needs one given).
        untagged: Vec<usize>,
    },
    /// These files of the archive are being hashed (the policy passed; nothing was sent yet).
    Hashing {
        /// The files, in archive order.
        files: Vec<ArchiveFile>,
    },
    /// Bytes of one of them hashed so far.
    HashProgress {
        /// The file's offset (its key).
        offset: u64,
        /// Bytes hashed.
        done: u64,
    },
    /// One of them is hashed, or why it could not be.
    FileHashed {
        /// The file's offset.
        offset: u64,
        /// Whether it could be.
        result: Result<(), String>,
    },
    /// From a compression helper: block `id`, compressed, is the message's bytes.
    BlockCompressed {
        /// Which block.
        id: u32,
        /// CRC-32 of its input.
        crc: u32,
        /// Length of its input.
        len: u64,
    },
    /// Verifying in the push worker itself (compressed archives): bytes done and to do.
    Verifying {
        /// Done.
        done: u64,
        /// Total.
        total: u64,
    },
    /// Verification passed (or, for a copy, the policy): this many blobs and bytes to move.
    Planned {
        /// Distinct blobs.
        blobs: usize,
        /// Their bytes.
        bytes: u64,
    },
    /// A blob is being checked (HEAD) or uploaded.
    BlobStarted {
        /// The blob.
        digest: Digest,
        /// Its size.
        size: u64,
    },
    /// Bytes of a blob the registry has acknowledged.
    BlobProgress {
        /// The blob.
        digest: Digest,
        /// Done.
        done: u64,
        /// Its size.
        total: u64,
    },
    /// A blob is on the registry, verified.
    BlobDone {
        /// The blob.
        digest: Digest,
        /// Its size.
        size: u64,
        /// How it got there.
        outcome: BlobOutcome,
    },
    /// A manifest was pushed.
    ManifestPushed {
        /// Under which tag or digest.
        reference: String,
        /// Its digest.
        digest: Digest,
    },
    /// A step of one bundle image's push: `event` is one of the single push's messages.
    LoadStep {
        /// Which target of the [`ToPusher::Load`].
        index: usize,
        /// What happened.
        event: Box<FromPusher>,
    },
    /// One bundle image is finished: pushed, refused or failed.
    Loaded {
        /// Which target.
        index: usize,
        /// How it ended.
        result: TagResult,
    },
    /// The bundle is finished (every target has its result, cancelled ones failed).
    LoadDone {
        /// In the targets' order.
        results: Vec<TagResult>,
        /// Stopped by a cancel.
        cancelled: bool,
    },
    /// A step of one tag's copy in a mirror: `event` is one of the single copy's messages.
    MirrorStep {
        /// The tag.
        tag: String,
        /// What happened.
        event: Box<FromPusher>,
    },
    /// One tag of a mirror is finished.
    TagMirrored {
        /// How it ended.
        result: TagResult,
    },
    /// The mirror is finished (cancelled: the tags not finished are failed, saying so).
    MirrorDone {
        /// Every chosen tag.
        report: SyncReport,
        /// Stopped by a cancel.
        cancelled: bool,
    },
    /// The push or copy is complete.
    Done {
        /// What it did.
        report: CopyReport,
        /// Whether the registry looks like Pulp (its API server sends pulpcore's
        /// `Correlation-ID` on every answer): the page then reads Pulp's REST API for links.
        pulp: bool,
    },
    /// It stopped.
    Failed {
        /// Why.
        failure: Failure,
    },
}

impl FromPusher {
    /// A copy step, as the page hears it.
    pub fn from_copy_event(event: CopyEvent<'_>) -> FromPusher {
        match event {
            CopyEvent::Planned { blobs, bytes } => FromPusher::Planned { blobs, bytes },
            CopyEvent::BlobStarted { digest, size } => {
                FromPusher::BlobStarted { digest: digest.clone(), size }
            }
            CopyEvent::BlobProgress { digest, done, total } => {
                FromPusher::BlobProgress { digest: digest.clone(), done, total }
            }
            CopyEvent::BlobDone { digest, size, outcome } => {
                FromPusher::BlobDone { digest: digest.clone(), size, outcome }
            }
            CopyEvent::ManifestPushed { reference, digest } => {
                FromPusher::ManifestPushed { reference: reference.to_owned(), digest: digest.clone() }
            }
        }
    }

    /// The copy step this message reports, if it reports one (the page folds a bundle's steps
    /// into the repository copy's per-tag progress).
    pub fn as_copy_event(&self) -> Option<CopyEvent<'_>> {
        Some(match self {
            FromPusher::Planned { blobs, bytes } => CopyEvent::Planned { blobs: *blobs, bytes: *bytes },
            FromPusher::BlobStarted { digest, size } => CopyEvent::BlobStarted { digest, size: *size },
            FromPusher::BlobProgress { digest, done, total } => {
                CopyEvent::BlobProgress { digest, done: *done, total: *total }
            }
            FromPusher::BlobDone { digest, size, outcome } => {
                CopyEvent::BlobDone { digest, size: *size, outcome: *outcome }
            }
            FromPusher::ManifestPushed { reference, digest } => {
                CopyEvent::ManifestPushed { reference, digest }
            }
            _ => return None,
        })
    }
}
