//! Upload data in the browser: a `Blob`, handed to fetch as the request body.
//!
//! A dropped file's layers go up as `Blob` slices of the file (`Blob.slice()` moves no bytes, and
//! fetch streams a slice from disk), so they never pass through wasm memory. Bytes the core holds
//! itself — a download being copied to another registry, a layer decompressed from a `.tar.gz` —
//! become a `Blob` once, when the upload engine wraps them ([`ChunkBytes::from_vec`]).

use js_sys::{Array, Uint8Array};
use waybill_core::transport::ChunkBytes;
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
        // SAFETY: the view into wasm memory is read only by `new Blob`, which copies it at once;
        // nothing allocates in wasm memory (which could move it) before that. A copy into a fresh
        // `Uint8Array` first left an 8 MiB `ArrayBuffer` per chunk for the collector: 95 MiB of
        // them during a 1 GiB gzip'd push.
        let view = unsafe { Uint8Array::view(&bytes) };
        let parts = Array::of1(&view);
        // `new Blob([bytes])` throws only for parts that are not buffers, blobs or strings.
        let blob =
            Blob::new_with_u8_array_sequence(&parts).expect("a Blob can always be made of a Uint8Array");
        drop(bytes);
        BlobChunk(blob)
    }

    fn tail(&self, start: usize) -> BlobChunk {
        // slice() clamps out-of-range arguments instead of throwing.
        BlobChunk(self.0.slice_with_f64(start as f64).expect("Blob.slice() does not throw"))
    }
}
