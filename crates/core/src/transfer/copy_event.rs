//! What a transfer tells its shell as it goes ([`CopyEvent`]) and what became of each blob
//! ([`BlobOutcome`]): shared by the copy, the push and the blob mover under them.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// What happened to one blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobOutcome {
    /// The destination already had it (same digest and size).
    AlreadyPresent,
    /// The destination linked it from the source repository.
    Mounted,
    /// Streamed from the source registry and uploaded.
    Uploaded,
    /// A foreign layer the source registry lacked, fetched from its `urls` and uploaded.
    UploadedFromUrls,
    /// An archive's uncompressed layer, compressed while it was uploaded.
    Compressed,
}

/// Progress of a copy, for the shells to draw.
#[derive(Clone, Copy, Debug)]
pub enum CopyEvent<'a> {
    /// The policy passed: this many distinct blobs, this many bytes.
    Planned {
        /// Distinct blobs.
        blobs: usize,
        /// Their total size.
        bytes: u64,
    },
    /// A blob is being checked or moved.
    BlobStarted {
        /// The blob.
        digest: &'a Digest,
        /// Its size.
        size: u64,
    },
    /// Bytes of a blob the destination has acknowledged.
    BlobProgress {
        /// The blob.
        digest: &'a Digest,
        /// Bytes done.
        done: u64,
        /// Its size.
        total: u64,
    },
    /// A blob is verified and present on the destination.
    BlobDone {
        /// The blob.
        digest: &'a Digest,
        /// Its size.
        size: u64,
        /// How it got there.
        outcome: BlobOutcome,
    },
    /// A manifest was pushed.
    ManifestPushed {
        /// The tag or digest it was pushed under.
        reference: &'a str,
        /// Its digest.
        digest: &'a Digest,
    },
}
