//! Reading a `Blob` (a dropped `File`, or a slice of one) a piece at a time: a range of it
//! ([`read_range`], the archive reader's random access), or all of it from front to back
//! ([`BlobStream`], hashing).
//!
//! A multi-gigabyte image archive must never be read whole: `Blob.slice()` is free (no bytes
//! move) and `arrayBuffer()` of a slice reads only that slice; a stream holds one buffer. Works
//! on a page and in a worker.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::byob::ByobReader;
use super::fetch::describe;

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

/// Reads bytes `start..end` of `blob` (`arrayBuffer()` of that slice: only its bytes are read).
pub async fn read_range(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, BlobReadError> {
    let total = size(blob);
    if start > end || end > total {
        return Err(BlobReadError::OutOfRange { start, end, size: total });
    }
    let unreadable = |reason: String| BlobReadError::Unreadable { start, end, reason };
    let slice =
        blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| unreadable(describe(&e)))?;
    let buffer = JsFuture::from(slice.array_buffer()).await.map_err(|e| unreadable(describe(&e)))?;
    let buffer: js_sys::ArrayBuffer =
        buffer.dyn_into().map_err(|_| unreadable("arrayBuffer() gave no ArrayBuffer".to_owned()))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Reads a blob from front to back through its byte stream (`blob.stream()`) with a
/// [`ByobReader`]: one buffer used over and over, no read allocates. Reading by `arrayBuffer()`
/// slices instead gets each slice as a fresh `ArrayBuffer` that lives until the next garbage
/// collection — for a 1 GiB file that left 144–176 MiB of them waiting in a worker (measured,
/// scripts/bench.d/upload.sh). The bytes are copied into a scratch vector in wasm memory that is
/// reused too.
pub struct BlobStream {
    reader: ByobReader,
    scratch: Vec<u8>,
    offset: u64,
    size: u64,
}

impl std::fmt::Debug for BlobStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStream").field("offset", &self.offset).field("size", &self.size).finish()
    }
}

impl BlobStream {
    /// Reads `blob` in pieces of at most `buffer` bytes (at least 1).
    pub fn new(blob: &Blob, buffer: u32) -> Result<BlobStream, BlobReadError> {
        let size = size(blob);
        let buffer = buffer.max(1);
        let reader = ByobReader::new(&blob.stream(), buffer).map_err(|e| BlobReadError::Unreadable {
            start: 0,
            end: size,
            reason: describe(&e),
        })?;
        Ok(BlobStream { reader, scratch: vec![0; buffer as usize], offset: 0, size })
    }

    /// The next bytes, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<&[u8]>, BlobReadError> {
        let (start, size) = (self.offset, self.size);
        let unreadable = |reason: String| BlobReadError::Unreadable { start, end: size, reason };
        let Some(value) = self.reader.read().await.map_err(|e| unreadable(describe(&e)))? else {
            return Ok(None);
        };
        let n = value.length() as usize;
        let room = self.scratch.len();
        if n > room {
            return Err(unreadable(format!("the stream returned {n} bytes into a {room}-byte buffer")));
        }
        value.copy_to(&mut self.scratch[..n]);
        self.offset += n as u64;
        Ok(Some(&self.scratch[..n]))
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}
