//! The OCI distribution protocol, written once and driven through any [`Transport`].
//!
//! Nothing here does I/O itself: every request goes through the shell's transport, so the
//! browser (fetch via the proxy), the Worker (`worker::Fetch`) and the CLI (reqwest) share the
//! same protocol code — authentication, redirects, upload sessions, verification.
//!
//! [`Transport`]: crate::transport::Transport

pub mod auth;
pub mod body;
pub mod chunk;
pub mod client;
pub mod copy;
pub mod copy_event;
pub mod errors;
pub mod foreign;
pub mod foreign_mirror;
pub mod in_flight;
pub mod inspect;
pub(crate) mod move_blobs;
pub mod pull;
pub mod pulp_api;
pub mod pulp_audit;
pub mod push;
pub mod redirect;
pub mod referrers;
pub mod resolve;
pub mod retry;
pub(crate) mod rewind;
pub mod save;
pub mod source;
pub mod sync;
pub mod sync_preview;
pub mod tag_filter;
pub mod tags;
pub mod upload;
pub mod verify;

pub use auth::{BasicHeaderError, Credentials, Scope};
pub use chunk::{ChunkBytes, SourceChunk};
pub use client::Client;
pub use copy::{BlobTally, CopyOptions, CopyReport, ImageAt, copy};
pub use copy_event::{BlobOutcome, CopyEvent};
pub use errors::{Error, RegistryError};
pub use inspect::inspect;
pub use pull::{BlobStream, FetchedManifest};
pub use push::{Mount, UploadSession};
pub use resolve::{ImageError, PlatformChoice, ResolvedImage, fetch_document, resolve_images};
pub use source::{BlobSource, StreamSource};
pub use verify::{
    BlobCheck, BlobStatus, DiffIdCheck, Fetched, ImageCheck, VerifyEvent, VerifyOptions, VerifyReport,
    judge_blob, verify,
};
