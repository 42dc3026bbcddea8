//! Reading a Blob by slices, in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{blob_of, repeated_blob};
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::blob::{BlobReadError, BlobSlices, read_range, size};

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
async fn slices_cover_the_blob_in_order() {
    let data = pattern((1 << 20) + 3);
    let mut slices = BlobSlices::new(blob_of(&data), 300_000);
    let mut seen = Vec::new();
    let mut lengths = Vec::new();
    while let Some(slice) = slices.next().await.unwrap() {
        lengths.push(slice.len());
        seen.extend_from_slice(&slice);
    }
    assert_eq!(lengths, [300_000, 300_000, 300_000, 148_579]);
    assert_eq!(seen, data);
    assert_eq!(slices.offset(), slices.size());
    assert_eq!(slices.next().await.unwrap(), None, "stays at the end");
}

#[test]
async fn a_large_blob_is_read_without_holding_it() {
    // 96 MiB assembled from one 1 MiB part: read back slice by slice, only one slice at a time
    // is ever in wasm memory.
    let part = pattern(1 << 20);
    let mut slices = BlobSlices::new(repeated_blob(&part, 96), 8 << 20);
    let mut total = 0_u64;
    let mut count = 0;
    while let Some(slice) = slices.next().await.unwrap() {
        assert_eq!(slice[..1 << 20], part[..], "slice {count} starts with the part");
        total += slice.len() as u64;
        count += 1;
    }
    assert_eq!((total, count), (96 << 20, 12));
}

#[test]
async fn empty_blob_has_no_slices() {
    let mut slices = BlobSlices::new(blob_of(b""), 10);
    assert_eq!(slices.next().await.unwrap(), None);
}
