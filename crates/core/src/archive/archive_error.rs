//! Everything that makes an archive unreadable, each message saying what is wrong, where in the
//! archive, and what to do about it.

use super::decompressed::ReadError;
use super::path::PathError;
use super::tar::HeaderError;
use crate::JsonError;
use crate::remedy::Remedy;

/// Why an archive (or an image in it) cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading the archive's bytes failed (the file, or its decompression).
    #[error("at tar byte {offset}: {source}")]
    Read {
        /// Offset in the tar stream.
        offset: u64,
        /// What failed.
        source: ReadError,
    },
    /// A tar header is corrupt.
    #[error("{0}")]
    Header(#[from] HeaderError),
    /// The archive stops in the middle of something.
    #[error("the archive is truncated: {what}; it was cut short while being written or copied")]
    Truncated {
        /// What was cut.
        what: String,
    },
    /// An entry's body runs past the end of the archive.
    #[error(
        "entry {path:?} declares {size} bytes at tar byte {offset}, but {}: the archive is truncated, or \
         the header lies",
        match available { Some(n) => format!("only {n} remain"), None => "the size does not fit in 64 bits".into() }
    )]
    EntryPastEnd {
        /// The entry.
        path: String,
        /// Where its body starts.
        offset: u64,
        /// The size its header declares.
        size: u64,
        /// Bytes actually there.
        available: Option<u64>,
    },
    /// A compressed archive's entry declares more than it may decompress to.
    #[error(
        "entry {path:?} at tar byte {offset} declares {size} bytes, over the {limit}-byte limit on \
         decompressed data; if the archive is genuine, raise the limit"
    )]
    EntryTooLarge {
        /// The entry.
        path: String,
        /// Where its body starts.
        offset: u64,
        /// The declared size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A GNU long name or PAX header too big to be one.
    #[error("the {kind} at tar byte {offset} declares {size} bytes; no real one exceeds {limit}")]
    ExtensionTooLarge {
        /// Which extension.
        kind: &'static str,
        /// Where its body starts.
        offset: u64,
        /// The declared size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A PAX header that does not parse.
    #[error("the PAX header at tar byte {offset} is malformed: {reason}")]
    BadPax {
        /// Where its body starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// An entry path that could escape the extraction directory, or is otherwise unusable.
    #[error(
        "entry {path:?} at tar byte {offset} {problem}: refusing the archive (extracting it could write \
         outside the target directory)"
    )]
    BadPath {
        /// The path as written.
        path: String,
        /// Where its header starts.
        offset: u64,
        /// What is wrong with it.
        problem: PathError,
    },
    /// Two entries with one path: readers disagree on which one counts.
    #[error(
        "entry {path:?} appears twice (headers at tar bytes {first} and {second}): tools disagree on which \
         copy wins, so Waybill accepts neither"
    )]
    DuplicateEntry {
        /// The path.
        path: String,
        /// The first header.
        first: u64,
        /// The second header.
        second: u64,
    },
    /// More entries than any image archive has.
    #[error("the archive has more than {limit} entries: not an image archive Waybill will index")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// More path bytes than any image archive has.
    #[error(
        "the archive's entry paths add up to more than {limit} bytes: not an image archive Waybill will index"
    )]
    PathsTooLong {
        /// The limit.
        limit: usize,
    },
    /// The metadata lists more than any image archive does (see `archive::metadata`).
    #[error(
        "the archive lists more than {limit} {what} (an entry named by several indexes counts each \
         time): no image archive has that many, so Waybill refuses it rather than hold them all"
    )]
    FanOut {
        /// What was counted.
        what: &'static str,
        /// The cap.
        limit: usize,
    },
    /// The metadata names the same configs and manifests over and over (see `archive::metadata`).
    #[error(
        "the archive names the same configs and manifests over and over: {reused} bytes of them named \
         again, over the {limit}-byte limit (their own size plus 4 MiB); no image archive does this, so \
         Waybill refuses it rather than do the work once per entry"
    )]
    Reused {
        /// Bytes named again so far.
        reused: u64,
        /// The limit.
        limit: u64,
    },
    /// A file the metadata names is not in the archive.
    #[error(
        "{path:?} is not in the archive{}",
        wanted_by.as_ref().map(|w| format!(" (named by {w})")).unwrap_or_default()
    )]
    MissingEntry {
        /// The path.
        path: String,
        /// Who names it.
        wanted_by: Option<String>,
    },
    /// A path names a directory, device or other non-file.
    #[error("{path:?} is not a regular file")]
    NotAFile {
        /// The path.
        path: String,
    },
    /// A link whose target lies outside the archive.
    #[error("link {path:?} points to {target:?}, outside the archive")]
    LinkOutside {
        /// The link.
        path: String,
        /// Its target.
        target: String,
    },
    /// Links that never reach a file.
    #[error("{path:?} is a chain of more than {hops} links (a loop?)")]
    LinkLoop {
        /// Where the chain starts.
        path: String,
        /// Hops followed.
        hops: usize,
    },
    /// A JSON document too large to be what it claims.
    #[error("{what} {path:?} is {size} bytes, over the {limit}-byte limit: not a real {what}")]
    MetadataTooLarge {
        /// What the file should be.
        what: String,
        /// Its path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A JSON document that does not parse.
    #[error("{path} is not valid: {source}")]
    Json {
        /// The file.
        path: String,
        /// Where and what.
        source: JsonError,
    },
    /// A config that is not an image config.
    #[error("image config {path} is not valid: {message}")]
    Config {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The config and the layer list disagree.
    #[error("image {image}: {message}")]
    Alignment {
        /// Which image.
        image: String,
        /// What disagrees.
        message: String,
    },
    /// A manifest or index in an OCI layout that cannot be used.
    #[error("{path}: {message}")]
    Manifest {
        /// The blob.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An OCI layout of a version Waybill does not know.
    #[error("oci-layout declares imageLayoutVersion {version:?}; Waybill reads version 1.x layouts")]
    LayoutVersion {
        /// The declared version.
        version: String,
    },
    /// The archive lists no images.
    #[error("{what}: there is nothing to inspect or push")]
    NoImages {
        /// Which list is empty.
        what: String,
    },
    /// Neither `manifest.json` nor `index.json`.
    #[error(
        "this is a tar file but not an image archive: it has neither manifest.json (docker save) nor \
         index.json with oci-layout (OCI layout){}",
        if *legacy { "; it has only the pre-1.10 `repositories` metadata: load it into Docker and save it again" } else { "" }
    )]
    NotAnImageArchive {
        /// Whether only legacy (pre-Docker-1.10) metadata is there.
        legacy: bool,
    },
    /// The image asked for is not in the archive.
    #[error("no image named {wanted:?} in the archive; it holds: {}", list(available))]
    ImageNotFound {
        /// What was asked for.
        wanted: String,
        /// What there is.
        available: Vec<String>,
    },
    /// Several images and none chosen.
    #[error("the archive holds {} images; pick one: {}", available.len(), list(available))]
    AmbiguousImage {
        /// What there is.
        available: Vec<String>,
    },
}

impl ArchiveError {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            ArchiveError::AmbiguousImage { .. } | ArchiveError::ImageNotFound { .. } => {
                Some(Remedy::PickImage)
            }
            ArchiveError::EntryTooLarge { .. }
            | ArchiveError::Read { source: ReadError::TooLarge { .. }, .. } => {
                Some(Remedy::RaiseDecompressionLimit)
            }
            _ => None,
        }
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}
