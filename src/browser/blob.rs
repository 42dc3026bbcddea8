//! Reading a `Blob` (a dropped `File`, or a slice of one) a piece at a time.
//!
//! A multi-gigabyte image archive must never be read whole: `Blob.slice()` is free (no bytes
//! move) and `arrayBuffer()` of a slice reads only that slice, so memory stays bounded by one
//! slice. Works on a page and in a worker.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::fetch::describe;

/// Slice size used when reading a whole blob: large enough that per-slice overhead vanishes,
/// small enough to bound memory (the design's 8 MiB chunk).
pub const DEFAULT_SLICE: u64 = 8 * 1024 * 1024;

/// A slice could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlobReadError {
    /// The range lies outside the blob.
    #[error("bytes {start}..{end} are outside the {size}-byte file")]
    OutOfRange {
        /// First byte asked for.
        start: u64,
        /// One past the last byte asked for.
        end: u64,
        /// The blob's size.
        size: u64,
    },
    /// The browser could not read the bytes (the file changed or was deleted after it was chosen).
    #[error("the browser could not read bytes {start}..{end} of the file ({reason}); choose the file again")]
    Unreadable {
        /// First byte asked for.
        start: u64,
        /// One past the last byte asked for.
        end: u64,
        /// What the browser said.
        reason: String,
    },
}

/// The blob's size in bytes.
pub fn size(blob: &Blob) -> u64 {
    blob.size() as u64
}

/// Reads bytes `start..end` of `blob`.
pub async fn read_range(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, BlobReadError> {
    Pending::start(blob, start, end)?.finish().await
}

/// A slice being read: `arrayBuffer()` has been called, the bytes arrive on the browser's side
/// while this thread does something else.
#[derive(Debug)]
struct Pending {
    start: u64,
    end: u64,
    buffer: JsFuture,
}

impl Pending {
    fn start(blob: &Blob, start: u64, end: u64) -> Result<Pending, BlobReadError> {
        let total = size(blob);
        if start > end || end > total {
            return Err(BlobReadError::OutOfRange { start, end, size: total });
        }
        let slice = blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| BlobReadError::Unreadable { start, end, reason: describe(&e) })?;
        Ok(Pending { start, end, buffer: JsFuture::from(slice.array_buffer()) })
    }

    async fn finish(self) -> Result<Vec<u8>, BlobReadError> {
        let Pending { start, end, buffer } = self;
        let unreadable = |reason: String| BlobReadError::Unreadable { start, end, reason };
        let buffer = buffer.await.map_err(|e| unreadable(describe(&e)))?;
        let buffer: js_sys::ArrayBuffer =
            buffer.dyn_into().map_err(|_| unreadable("arrayBuffer() gave no ArrayBuffer".to_owned()))?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }
}

/// Reads a blob from front to back in slices, one slice ahead: while the caller works on a
/// slice, the browser is already reading the next (reading a File costs about as much as
/// hashing it, so this nearly halves the time on two cores). At most two slices are in memory.
#[derive(Debug)]
pub struct BlobSlices {
    blob: Blob,
    /// Where the next slice to request starts.
    requested: u64,
    /// Bytes handed out so far.
    offset: u64,
    size: u64,
    slice: u64,
    ahead: Option<Pending>,
}

impl BlobSlices {
    /// Reads `blob` in slices of `slice` bytes (at least 1).
    pub fn new(blob: Blob, slice: u64) -> BlobSlices {
        let size = size(&blob);
        BlobSlices { blob, requested: 0, offset: 0, size, slice: slice.max(1), ahead: None }
    }

    fn request(&mut self) -> Result<Option<Pending>, BlobReadError> {
        if self.requested >= self.size {
            return Ok(None);
        }
        let end = self.size.min(self.requested + self.slice);
        let pending = Pending::start(&self.blob, self.requested, end)?;
        self.requested = end;
        Ok(Some(pending))
    }

    /// The next slice, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, BlobReadError> {
        let current = match self.ahead.take() {
            Some(pending) => pending,
            None => match self.request()? {
                Some(pending) => pending,
                None => return Ok(None),
            },
        };
        self.ahead = self.request()?;
        let bytes = current.finish().await?;
        self.offset += bytes.len() as u64;
        Ok(Some(bytes))
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The blob's size.
    pub fn size(&self) -> u64 {
        self.size
    }
}
