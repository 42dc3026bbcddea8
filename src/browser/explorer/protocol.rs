//! The messages between a page and the explorer worker, `{ json, blob? }` like the hashing
//! worker's ([`crate::browser::protocol::encode`]): typed serde enums on both ends.
//!
//! ```text
//! page                                        explorer worker
//!                                              ← Ready
//!   ─ Run { id, Open } + blob (a dropped file) →
//!                                              ← Opened { id, images }      or Failed
//!   ─ Run { id, List { image, view } } ───────→
//!                                              ← Reading { id, layer, layers } (each layer begun)
//!                                              ← Counted { id, listed }        (as paths come)
//!                                              ← Listed { id, entries }        or Failed / Cancelled
//!   ─ Run { id2, Rows { listing: id, … } } ───→ (any time, also while it streams)
//!                                              ← Rows { id2, listed, matching, rows }
//!   ─ Run { id, Read { image, file, limit } } →
//!                                              ← Read { id, … } + blob (the bytes)
//!   ─ Run { id, Diff { a, b } } ──────────────→
//!                                              ← Reading … ← Diffed { id, diff }
//!   ─ Cancel { id } ──────────────────────────→
//!   ─ Forget { id } ──────────────────────────→ (cancelled, and a listing's paths let go)
//! ```
//!
//! A listing's paths stay in the worker: the page asks for the few it draws ([`Job::Rows`]).
//! Sending every path to the page cost its thread more than the reading cost the worker's.

use serde::{Deserialize, Serialize};
use waybill_core::layers::diff::ImageDiff;
use waybill_core::layers::listing::ListedEntry;

use crate::browser::pusher::protocol::Endpoint;

/// The largest preview: a file's first MiB.
pub const PREVIEW_BYTES: u64 = 1024 * 1024;

/// Which image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImageAt {
    /// In a registry, through Waybill's proxy.
    Registry {
        /// Where.
        endpoint: Endpoint,
        /// For an index: `os[(os.version)]/arch[/variant]` (empty: the only image).
        platform: String,
    },
    /// Image `image` (its position in the archive's list) of the archive opened last.
    Archive {
        /// Which image.
        image: usize,
        /// For an image of several platforms, which (empty: the only one).
        platform: String,
    },
}

/// Which files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "layer", rename_all = "snake_case")]
pub enum View {
    /// One layer's entries, in tar order, markers included (1-based).
    Layer(usize),
    /// The image's filesystem, layers applied, sorted by path.
    Merged,
}

/// Where a file's bytes are: the layer and its entry's header offset (the core's `Content`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAt {
    /// 1-based layer.
    pub layer: usize,
    /// The entry's first header, in the uncompressed tar.
    pub offset: u64,
    /// Its size.
    pub size: u64,
}

/// One listed path, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRow {
    /// The path as `waybill ls --json` lists it.
    #[serde(flatten)]
    pub entry: ListedEntry,
    /// Where its bytes are, for regular files (and hard links to one, in the merged view).
    pub content: Option<FileAt>,
}

/// How a listing's rows are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// By path: a tree, children under their directory.
    #[default]
    Path,
    /// Largest first: where the bytes are.
    Size,
}

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// Open the archive sent as the message's blob (later jobs name its images).
    Open,
    /// List files.
    List {
        /// Of which image.
        image: ImageAt,
        /// Which view.
        view: View,
    },
    /// The first `limit` rows of a listing (running or ended) that match `search`, in `order`.
    Rows {
        /// The listing's job id.
        listing: u32,
        /// A piece of the path or a pattern (`core::layers::filter`); empty: every path.
        search: String,
        /// Which come first.
        order: Order,
        /// At most this many.
        limit: usize,
    },
    /// One file's bytes: the first `limit` (a preview), or all of them (a download: the layer
    /// is then read to its end, so its digest and diff ID are checked).
    Read {
        /// Of which image.
        image: ImageAt,
        /// Which file.
        file: FileAt,
        /// At most this many bytes.
        limit: Option<u64>,
    },
    /// What differs between two images.
    Diff {
        /// A.
        a: ImageAt,
        /// B.
        b: ImageAt,
    },
}

/// The page's messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToExplorer {
    /// Start a job.
    Run {
        /// The page's id for it.
        id: u32,
        /// What (boxed: the other messages are a few bytes).
        job: Box<Job>,
    },
    /// Stop a job (its fetch aborted, its reading stopped between chunks).
    Cancel {
        /// Which.
        id: u32,
    },
    /// Stop a job, and let go of what it listed (its view went away).
    Forget {
        /// Which.
        id: u32,
    },
    /// To the hashing helper (a second explorer worker, `hash_helper`): the next bytes of a
    /// layer, in the message's `bytes` field.
    HashBytes {
        /// The hashing job.
        id: u32,
    },
    /// To the hashing helper: the layer's bytes are all sent; answer its digest.
    HashEnd {
        /// The hashing job.
        id: u32,
    },
}

/// The worker's messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromExplorer {
    /// The worker's wasm is loaded and it listens.
    Ready,
    /// The archive is open: its images, as `name:tag` or their position.
    Opened {
        /// The job.
        id: u32,
        /// One label per image.
        images: Vec<String>,
    },
    /// A layer is being read (of a merged view or a diff: each in turn).
    Reading {
        /// The job.
        id: u32,
        /// 1-based.
        layer: usize,
        /// Of how many.
        layers: usize,
    },
    /// How many paths a running listing holds so far.
    Counted {
        /// The job.
        id: u32,
        /// Paths.
        listed: u64,
    },
    /// Rows of a listing, as [`Job::Rows`] asked.
    Rows {
        /// The job.
        id: u32,
        /// Paths the listing holds.
        listed: u64,
        /// Of them, how many match.
        matching: u64,
        /// The first of those.
        rows: Vec<FileRow>,
    },
    /// A listing ended.
    Listed {
        /// The job.
        id: u32,
        /// Paths listed.
        entries: u64,
    },
    /// A file's bytes, in the message's blob.
    Read {
        /// The job.
        id: u32,
        /// Bytes in the blob.
        size: u64,
        /// Whether the file goes on past them.
        truncated: bool,
    },
    /// A diff.
    Diffed {
        /// The job.
        id: u32,
        /// As `waybill diff --json` gives it.
        diff: ImageDiff,
    },
    /// A job stopped on request.
    Cancelled {
        /// The job.
        id: u32,
    },
    /// A job failed.
    Failed {
        /// The job.
        id: u32,
        /// Why, in full.
        message: String,
    },
    /// From the hashing helper: these many bytes of a job are hashed (room for more).
    HashTaken {
        /// The hashing job.
        id: u32,
        /// Bytes.
        bytes: u64,
    },
    /// From the hashing helper: the sha256 of all of a job's bytes.
    Hashed {
        /// The hashing job.
        id: u32,
        /// The digest.
        digest: waybill_core::digest::Digest,
    },
}

impl FromExplorer {
    /// The job a message is about (`None`: `Ready`).
    pub fn id(&self) -> Option<u32> {
        match self {
            FromExplorer::Ready => None,
            FromExplorer::Opened { id, .. }
            | FromExplorer::Reading { id, .. }
            | FromExplorer::Counted { id, .. }
            | FromExplorer::Rows { id, .. }
            | FromExplorer::Listed { id, .. }
            | FromExplorer::Read { id, .. }
            | FromExplorer::Diffed { id, .. }
            | FromExplorer::Cancelled { id }
            | FromExplorer::Failed { id, .. }
            | FromExplorer::HashTaken { id, .. }
            | FromExplorer::Hashed { id, .. } => Some(*id),
        }
    }

    /// Whether it ends its job.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            FromExplorer::Ready
                | FromExplorer::Reading { .. }
                | FromExplorer::Counted { .. }
                | FromExplorer::HashTaken { .. }
        )
    }
}
