//! The archive's tar bytes, whether the file is a plain tar (read at random) or a compressed
//! one (read through [`Decompressed`]): the index, the format readers and the verifier all read
//! through [`Reader`] and never care which.

use super::archive_error::ArchiveError;
use super::decompressed::{Decompressed, ReadError};
use super::random_access::RandomAccess;
use crate::media::Compression;

/// A plain or compressed archive, read as a tar.
// One per archive: boxing the decoder would only add a pointer chase to every read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Reader<R> {
    /// A plain tar: random access.
    Plain(R),
    /// A gzip or zstd tar: sequential, restarting for reads that go back.
    Compressed(Decompressed<R>),
}

impl ReadError {
    /// The error as an archive error at a tar offset.
    pub fn at(self, offset: u64) -> ArchiveError {
        ArchiveError::Read { offset, source: self }
    }
}

impl<R: RandomAccess> Reader<R> {
    /// Up to `len` tar bytes at `offset` (fewer only at the end).
    pub async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, ReadError> {
        match self {
            Reader::Plain(source) => Ok(source.read_at(offset, len).await?),
            Reader::Compressed(decompressed) => decompressed.read_at(offset, len).await,
        }
    }

    /// The tar's length, when known before reading it all (plain archives).
    pub fn known_len(&self) -> Option<u64> {
        match self {
            Reader::Plain(source) => Some(source.len()),
            Reader::Compressed(_) => None,
        }
    }

    /// The archive file's own compression.
    pub fn compression(&self) -> Compression {
        match self {
            Reader::Plain(_) => Compression::None,
            Reader::Compressed(d) => d.compression(),
        }
    }

    /// The archive file as given (compressed, for a compressed archive).
    pub fn file(&self) -> &R {
        match self {
            Reader::Plain(source) => source,
            Reader::Compressed(d) => d.inner(),
        }
    }

    /// Passes over the archive so far: 1 for a plain archive (read at random, never restarted).
    pub async fn passes(&self) -> u32 {
        match self {
            Reader::Plain(_) => 1,
            Reader::Compressed(d) => d.passes().await,
        }
    }
}
