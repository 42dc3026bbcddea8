//! The OCI distribution protocol, written once and driven through any [`Transport`].
//!
//! Nothing here does I/O itself: every request goes through the shell's transport, so the
//! browser (fetch via the proxy), the Worker (`worker::Fetch`) and the CLI (reqwest) share the
//! same protocol code — authentication, redirects, manifests, blobs and upload sessions. The verbs
//! that drive it (copy, sync, save, verify, push and load) are in `transfer`, above this module.
//!
//! [`Transport`]: crate::transport::Transport

pub mod auth;
pub mod blob_source;
pub mod body;
pub mod chunk;
pub mod client;
pub mod errors;
pub mod inspect;
pub mod pull;
pub mod pulp_api;
pub mod push;
pub mod redirect_target;
pub mod referrers;
pub mod resolve;
pub mod retry;
pub(crate) mod rewind;
pub mod tags;
pub mod upload;

pub use auth::{BasicHeaderError, Credentials, Scope};
pub use blob_source::{BlobSource, StreamSource};
pub use chunk::SourceChunk;
pub use client::Client;
pub use errors::{Error, RegistryError};
pub use inspect::inspect;
pub use pull::{BlobStream, FetchedManifest};
pub use push::{Mount, UploadSession};
pub use resolve::{ImageError, PlatformChoice, ResolvedImage, fetch_document, resolve_images};
