//! Upload data in the browser: a `Blob`, handed to fetch as the request body.
//!
//! A dropped file's layers go up as `Blob` slices of the file (`Blob.slice()` moves no bytes, and
//! fetch streams a slice from disk), so they never pass through wasm memory. Bytes the core holds
//! itself — a download being copied to another registry, a layer decompressed from a `.tar.gz` —
//! become a `Blob` once, when the upload engine wraps them ([`ChunkBytes::from_vec`]).

use js_sys::{Array, Uint8Array};
use waybill_core::registry::ChunkBytes;
use web_sys::Blob;

/// A `Blob` as the core's upload chunk.
#[derive(Clone, Debug)]
pub struct BlobChunk(pub Blob);

impl BlobChunk {
    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.0.size() as u64
    }
}

impl ChunkBytes for BlobChunk {
    fn from_vec(bytes: Vec<u8>) -> BlobChunk {
        let parts = Array::of1(&Uint8Array::from(bytes.as_slice()));
        // `new Blob([bytes])` throws only for parts that are not buffers, blobs or strings.
        BlobChunk(
            Blob::new_with_u8_array_sequence(&parts).expect("a Blob can always be made of a Uint8Array"),
        )
    }

    fn tail(&self, start: usize) -> BlobChunk {
        // slice() clamps out-of-range arguments instead of throwing.
        BlobChunk(self.0.slice_with_f64(start as f64).expect("Blob.slice() does not throw"))
    }
}
