//! Image archives — `docker save` output (also Docker 25+, which adds an OCI layout), and OCI
//! image layouts (`oci-archive:`) — read over an abstract [`RandomAccess`] source, so that the
//! browser reads a dropped `File` by slices and the CLI a file by positioned reads, with the same
//! code and the same bounded memory.
//!
//! The path through an archive: [`Archive::open`] sniffs compression from the magic bytes,
//! indexes the tar ([`index`]: headers only, unless the archive is compressed), and reads the
//! docker-save ([`docker`]) and OCI ([`oci`]) metadata into [`ArchiveImage`]s. Then
//! [`verify`] checks every blob, [`build`] makes the manifest to push, and `transfer::push_archive`
//! (above this module) sends the image through the registry module's upload engine. docs/archives.md says what each step
//! costs on plain and on compressed archives.

pub mod access;
mod archive_error;
pub mod archive_source;
pub mod build;
pub mod compress;
pub mod decompressed;
pub mod docker;
pub mod files;
pub mod index;
pub mod layout_writer;
pub mod marks;
pub mod metadata;
mod model;
pub mod oci;
mod open;
pub mod path;
mod random_access;
pub mod report;
pub mod tar;
mod tar_reader;
pub mod verify;

pub use archive_error::ArchiveError;
pub use model::{
    ArchiveConfig, ArchiveImage, ArchiveLayer, ArchiveManifest, ImageFormat, Misnamed, Presence, Stored,
};
pub use open::{Archive, OpenOptions};
pub use random_access::{MAX_READ, RandomAccess, SourceError};
