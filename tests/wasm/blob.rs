//! Reading a Blob by ranges and as a stream, and the BYOB reader under the stream, in headless
//! Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{blob_of, repeated_blob};
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::blob::{BlobReadError, BlobStream, read_range, size};
use waybill_app::browser::byob::ByobReader;

wasm_bindgen_test_configure!(run_in_browser);

/// 1 MiB + 3 whose byte i is i % 251: no slice boundary lines up with the pattern.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

#[test]
async fn ranges_are_exact() {
    let data = pattern((1 << 20) + 3);
    let blob = blob_of(&data);
    assert_eq!(size(&blob), data.len() as u64);
    assert_eq!(read_range(&blob, 0, 5).await.unwrap(), data[0..5]);
    assert_eq!(read_range(&blob, 1000, 70_000).await.unwrap(), data[1000..70_000]);
    let end = data.len() as u64;
    assert_eq!(read_range(&blob, end - 3, end).await.unwrap(), data[data.len() - 3..]);
    assert_eq!(read_range(&blob, 7, 7).await.unwrap(), Vec::<u8>::new());
}

#[test]
async fn out_of_range_is_refused() {
    let blob = blob_of(b"twelve bytes");
    assert_eq!(
        read_range(&blob, 4, 13).await.unwrap_err(),
        BlobReadError::OutOfRange { start: 4, end: 13, size: 12 }
    );
    assert!(matches!(read_range(&blob, 5, 4).await, Err(BlobReadError::OutOfRange { .. })));
}

#[test]
async fn a_large_blob_is_streamed_without_holding_it() {
    // 96 MiB assembled from one 1 MiB part (the blob is never built in wasm memory), read back
    // through one 1 MiB buffer: every byte is the part's, in order.
    let part = pattern(1 << 20);
    let mut stream = BlobStream::new(&repeated_blob(&part, 96), 1 << 20).unwrap();
    let mut total = 0_usize;
    while let Some(chunk) = stream.next().await.unwrap() {
        assert!(chunk.len() <= 1 << 20, "{} bytes from a 1 MiB buffer", chunk.len());
        // The chunk against the parts it spans (its edges need not line up with theirs).
        let (mut rest, mut at) = (chunk, total % part.len());
        while !rest.is_empty() {
            let n = rest.len().min(part.len() - at);
            assert_eq!(rest[..n], part[at..at + n], "bytes from {total}");
            (rest, at) = (&rest[n..], 0);
        }
        total += chunk.len();
    }
    assert_eq!((total, stream.offset()), (96 << 20, 96 << 20));
}

/// The BYOB reader gives every byte in order, whatever its buffer size, and ends.
#[test]
async fn a_byob_stream_reads_every_byte_through_one_buffer() {
    let data = pattern((3 << 20) + 17);
    for buffer in [1_u32, 4096, 1 << 20, 8 << 20] {
        let mut stream = BlobStream::new(&blob_of(&data), buffer).unwrap();
        let mut read = Vec::with_capacity(data.len());
        while let Some(chunk) = stream.next().await.unwrap() {
            assert!(
                !chunk.is_empty() && chunk.len() <= buffer as usize,
                "{} bytes into {buffer}",
                chunk.len()
            );
            read.extend_from_slice(chunk);
            if buffer == 1 && read.len() >= 10_000 {
                break; // a byte at a time is correct, and slow: enough to show it
            }
        }
        let expected = if buffer == 1 { &data[..read.len()] } else { &data[..] };
        assert_eq!(read, expected, "buffer {buffer}");
        assert_eq!(stream.offset(), read.len() as u64);
    }
    let mut empty = BlobStream::new(&blob_of(b""), 1024).unwrap();
    assert!(empty.next().await.unwrap().is_none());
}

/// A stream that is not a byte stream gets no BYOB reader: an error the caller sees (not an
/// exception thrown through wasm), and the stream stays unlocked, so the fetch transport can still
/// read it with a default reader.
#[test]
fn a_stream_that_is_not_a_byte_stream_is_refused_and_left_unlocked() {
    let stream = web_sys::ReadableStream::new().unwrap();
    assert!(ByobReader::new(&stream, 1024).is_err());
    assert!(!stream.locked());
    assert!(ByobReader::new(&blob_of(b"abc").stream(), 1024).is_ok(), "a Blob's stream is a byte stream");
}
