//! The tar index: every entry's path, type, size and where its body lies — built from the
//! headers alone on a random-access archive, so indexing a 10 GiB `docker save` reads a few
//! hundred 512-byte blocks.
//!
//! On a compressed archive skipping a body costs as much as reading it, so the index pass reads
//! every body there and records its sha256 (and, for compressed bodies, its diff ID): verifying
//! the archive afterwards needs no second pass. Small bodies (the JSON documents) are kept, so
//! that reading `manifest.json` after the pass does not start the decompression over.

mod bodies;
mod scan;

use std::collections::BTreeMap;

pub use scan::build;

use super::archive_error::ArchiveError;
use super::path;
use super::tar::EntryType;
use crate::diffid::{DiffId, DiffIdError};
use crate::digest::Digest;
use crate::media::Compression;

/// The most entries an archive may have. A docker-save or OCI layout of a large image has a few
/// hundred; the cap bounds the index's memory.
pub const MAX_ENTRIES: usize = 100_000;

/// The most path bytes the index holds, all entries together.
pub const MAX_PATH_BYTES: usize = 16 * 1024 * 1024;

/// How to build the index.
#[derive(Clone, Copy, Debug)]
pub struct IndexOptions {
    /// Read and hash every file body during the pass (for compressed archives, where skipping
    /// costs the same as reading).
    pub hash_bodies: bool,
    /// Keep file bodies up to this size in memory (only when hashing bodies).
    pub keep_small: u64,
    /// Total bytes of kept bodies.
    pub keep_budget: u64,
    /// Entries declaring more than this are refused before anything is read (the limit on
    /// decompressed bytes, for archives whose length is only known at the end).
    pub max_entry_size: u64,
}

/// What the index pass learnt from a body it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyFacts {
    /// sha256 of the body.
    pub sha256: Digest,
    /// What its first bytes say it is compressed with.
    pub compression: Compression,
    /// For gzip and zstd bodies: the digest of what they decompress to (a layer's diff ID), or
    /// why they could not be decompressed.
    pub diff_id: Option<Result<DiffId, DiffIdError>>,
}

/// One tar entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TarEntry {
    /// Normalised path (no `./`, no trailing `/`).
    pub path: String,
    /// What it is.
    pub entry_type: EntryType,
    /// For links: the target as written.
    pub link: Option<String>,
    /// Where its (first) header starts, counting extension headers.
    pub header_offset: u64,
    /// Where its body starts.
    pub data_offset: u64,
    /// Body size in bytes.
    pub size: u64,
    /// Filled in when the index pass read the body.
    pub facts: Option<BodyFacts>,
}

/// Every entry of a tar, by path.
#[derive(Clone, Debug, Default)]
pub struct TarIndex {
    entries: Vec<TarEntry>,
    by_path: BTreeMap<String, usize>,
    kept: BTreeMap<usize, Vec<u8>>,
    /// Where the archive's content ends (the end-of-archive marker or the last body).
    end: u64,
}

/// Hard links and symbolic links followed before giving up (a loop, or a chain no tool writes).
const MAX_LINK_HOPS: usize = 8;

impl TarIndex {
    /// The entries in archive order.
    pub fn entries(&self) -> &[TarEntry] {
        &self.entries
    }

    /// The entry at exactly this normalised path.
    pub fn get(&self, path: &str) -> Option<&TarEntry> {
        self.by_path.get(path).map(|&i| &self.entries[i])
    }

    /// The byte offset where the tar content ends.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The body kept in memory by the index pass, if it was.
    pub fn kept(&self, entry: &TarEntry) -> Option<&[u8]> {
        let i = self.by_path.get(&entry.path)?;
        self.kept.get(i).map(Vec::as_slice)
    }

    /// The regular file a path names, following hard and symbolic links inside the archive
    /// (Docker's legacy `<id>/layer.tar` entries are links to the real layer file).
    pub fn resolve(&self, raw_path: &str) -> Result<&TarEntry, ArchiveError> {
        let missing = |path: &str| ArchiveError::MissingEntry { path: path.to_owned(), wanted_by: None };
        let mut current = match path::normalize(raw_path.as_bytes()) {
            Ok(Some(p)) => p,
            Ok(None) | Err(_) => return Err(missing(raw_path)),
        };
        for _ in 0..=MAX_LINK_HOPS {
            let entry = self.get(&current).ok_or_else(|| missing(&current))?;
            let next = match (entry.entry_type, &entry.link) {
                (EntryType::File, _) => return Ok(entry),
                (EntryType::Symlink, Some(target)) => path::symlink_target(&entry.path, target),
                (EntryType::Hardlink, Some(target)) => path::normalize(target.as_bytes()).ok().flatten(),
                _ => return Err(ArchiveError::NotAFile { path: entry.path.clone() }),
            };
            current = next.ok_or_else(|| ArchiveError::LinkOutside {
                path: entry.path.clone(),
                target: entry.link.clone().unwrap_or_default(),
            })?;
        }
        Err(ArchiveError::LinkLoop { path: raw_path.to_owned(), hops: MAX_LINK_HOPS })
    }
}
