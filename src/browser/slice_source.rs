//! A verified file range as the upload engine's [`BlobSource`]: every chunk is a `Blob` slice of
//! the dropped file, handed to fetch without its bytes entering wasm memory.
//!
//! The source does not hash what it serves; it carries the proof that hashing gave beforehand
//! (the page's workers read the same range of the same `File` — [`proof`]) and hands it over
//! only once every byte has been served. That the slices are the bytes that were hashed rests
//! on the browser: a `File` is a snapshot, and Chromium fails any read of it — fetch's included
//! — once the file on disk has changed (`NotReadableError`), so a file edited after
//! verification makes the upload fail instead of sending other bytes.
//!
//! [`proof`]: waybill_core::archive::verify::proof

use waybill_core::digest::{Digest, Verified};
use waybill_core::registry::{BlobSource, Error, SourceChunk};
use web_sys::Blob;

use super::chunk::BlobChunk;

/// Bytes `offset..offset + size` of a file, served as slices.
#[derive(Debug)]
pub struct SliceSource {
    file: Blob,
    offset: u64,
    digest: Digest,
    size: u64,
    proof: Option<Verified>,
    /// One past the last byte served so far.
    served: u64,
}

impl SliceSource {
    /// The blob `digest` of `size` bytes at `offset` in `file`; `proof` is what verifying that
    /// range gave (`None`: not verified, and the upload will not be finalised).
    pub fn new(file: Blob, offset: u64, digest: Digest, size: u64, proof: Option<Verified>) -> SliceSource {
        SliceSource { file, offset, digest, size, proof, served: 0 }
    }

    fn fail(&self, message: String) -> Error {
        Error::Source { digest: self.digest.clone(), message }
    }
}

impl BlobSource for SliceSource {
    type Chunk = BlobChunk;

    fn digest(&self) -> &Digest {
        &self.digest
    }

    fn size(&self) -> Option<u64> {
        Some(self.size)
    }

    /// Any range at or before the furthest byte served: a slice is free, so a resume can go
    /// back as far as the registry needs.
    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<BlobChunk>, Error> {
        if offset > self.served || offset > self.size {
            return Err(self.fail(format!(
                "the upload asked for byte {offset} before bytes {}..{offset} were read",
                self.served
            )));
        }
        let end = offset.saturating_add(len).min(self.size);
        let (start_in_file, end_in_file) = (self.offset + offset, self.offset + end);
        let slice =
            self.file.slice_with_f64_and_f64(start_in_file as f64, end_in_file as f64).map_err(|e| {
                self.fail(format!("the browser could not slice the file: {}", super::fetch::describe(&e)))
            })?;
        if (slice.size() as u64) != end - offset {
            return Err(self.fail(format!(
                "the file is shorter than the archive's index says (bytes {start_in_file}..{end_in_file}): \
                 choose the file again"
            )));
        }
        self.served = self.served.max(end);
        Ok(SourceChunk { data: BlobChunk(slice), len: end - offset })
    }

    fn rewind_floor(&self) -> u64 {
        0
    }

    async fn finish(&mut self) -> Result<Verified, Error> {
        if self.served < self.size {
            return Err(self.fail(format!("finished after {} of {} bytes were sent", self.served, self.size)));
        }
        self.proof.clone().filter(|p| p.digest == self.digest && p.size == self.size).ok_or_else(|| {
            self.fail(
                "these bytes were not verified before the upload (their hash did not match, or they were not \
                 hashed): the upload is not finalised"
                    .to_owned(),
            )
        })
    }
}
