//! Why a layer's tar cannot be listed. Every error names the byte offset in the uncompressed tar
//! where the offending entry's first header starts, and shows names escaped ([`super::entry::shown`]).

use super::entry::NameProblem;
use crate::archive::tar::HeaderError;

/// A layer tar the explorer refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TarError {
    /// A bad checksum or an unreadable number (the header's offset is in the message).
    #[error("{0}")]
    Header(#[from] HeaderError),
    /// The data stops inside a 512-byte header.
    #[error("the layer ends inside the tar header at byte {offset} ({got} of 512 bytes): it is truncated")]
    TruncatedHeader {
        /// Where the header starts.
        offset: u64,
        /// How much of it is there.
        got: usize,
    },
    /// The data stops inside an entry's body: its size runs past the end.
    #[error(
        "the entry at byte {offset}, {name}, declares {size} bytes but the layer ends after {got} of \
         them: it is truncated, or the size is false"
    )]
    TruncatedBody {
        /// Where the entry's first header starts.
        offset: u64,
        /// Its name, escaped.
        name: String,
        /// The size its header (or PAX record) declares.
        size: u64,
        /// Body bytes that were there.
        got: u64,
    },
    /// The data stops inside a GNU long name or a PAX header.
    #[error("the layer ends inside the {kind} at byte {offset} ({got} of {size} bytes): it is truncated")]
    TruncatedExtension {
        /// GNU long name, PAX header, …
        kind: &'static str,
        /// Where its header starts.
        offset: u64,
        /// Its declared size.
        size: u64,
        /// What was there.
        got: u64,
    },
    /// Extension headers with no entry after them.
    #[error("the layer ends after the extension header at byte {offset}, which belongs to no entry")]
    OrphanExtension {
        /// Where the first of them starts.
        offset: u64,
    },
    /// A GNU long name or PAX header larger than any real one.
    #[error("the {kind} at byte {offset} declares {size} bytes, over the {limit}-byte limit")]
    ExtensionTooLarge {
        /// GNU long name, PAX header, …
        kind: &'static str,
        /// Where its header starts.
        offset: u64,
        /// Its declared size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// PAX records that do not parse.
    #[error("the PAX header at byte {offset} is malformed: {reason}")]
    BadPax {
        /// Where its header starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A name that is refused; it is shown, never used.
    #[error("the entry at byte {offset} is named {name}, which {problem}: refused")]
    BadName {
        /// Where the entry's first header starts.
        offset: u64,
        /// The name as written, escaped.
        name: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// A link whose target is refused (a hard link leaving the layer, a NUL, …).
    #[error("the {kind} at byte {offset}, {name}, points to {target}, which {problem}: refused")]
    BadLink {
        /// "hard link" or "symbolic link".
        kind: &'static str,
        /// Where the entry's first header starts.
        offset: u64,
        /// The entry's name, escaped.
        name: String,
        /// The target as written, escaped.
        target: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
}
