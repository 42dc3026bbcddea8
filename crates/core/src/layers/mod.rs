//! Looking inside an image's layers: the files each layer holds (docs/explorer.md).
//!
//! The path through a layer, in order: its blob's chunks go through the diff-ID hasher's
//! decompression ([`crate::diffid`]), whose output feeds a streaming tar reader ([`tar_stream`],
//! on the archive reader's header parsing, `archive::tar`). So one inflation gives the listing,
//! the per-file hashes and the diff-ID check, in memory that does not grow with the layer.

pub mod entry;
pub mod reader;
pub mod tar_error;
pub mod tar_stream;

pub use entry::{Entry, Kind};
pub use reader::{LayerError, LayerReader, LayerSummary};
pub use tar_error::TarError;
pub use tar_stream::{Event, ReadOptions, TarStream, Visit};
