//! Looking inside an image's layers: the files each layer holds, the filesystem they make
//! together, the history that made them, and what differs between two images (docs/explorer.md).
//!
//! The path through a layer, in order: its blob's chunks (from a registry, verified as they
//! come, or from an archive) go through the diff-ID hasher's decompression
//! ([`crate::diffid`]), whose output feeds a streaming tar reader ([`tar_stream`], on the archive
//! reader's header parsing, `archive::tar`). So one inflation gives the listing, the per-file
//! hashes and the diff-ID check, in memory that does not grow with the layer. [`merged`] applies
//! layers in order (whiteouts, opaque directories); [`diff`] compares two images; [`views`]
//! drives those over a [`source::LayerSource`] (a registry's or an archive's).

pub mod diff;
pub mod entry;
mod explore_error;
pub mod explored_image;
pub mod filter;
pub mod history;
pub mod listing;
pub mod merged;
pub mod reader;
pub mod source;
pub mod tar_error;
pub mod tar_stream;
pub mod views;

pub use entry::{Entry, Kind};
pub use explore_error::ExploreError;
pub use explored_image::{ExploredImage, LayerInfo};
pub use reader::{ContentHasher, InlineHasher, LayerError, LayerReader, LayerSummary};
pub use tar_error::TarError;
pub use tar_stream::{Event, ReadOptions, TarStream, Visit};
