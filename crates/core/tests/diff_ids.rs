//! Diff IDs of layers compressed by the real tools — `gzip -9 -n` and `zstd -19 --check` (which
//! adds the frame checksum) of `seq 1 10000` — fed in chunks of every size. Runs natively and in
//! Chromium (wasm32), where the same pure-Rust decompressors verify layers in the browser.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use waybill_core::diffid::{DiffId, DiffIdError, DiffIdHasher};
use waybill_core::digest::Digest;
use waybill_core::media::Compression;

const GZ: &[u8] = include_bytes!("../../../tests/fixtures/layers/seq-1-10000.txt.gz");
const ZST: &[u8] = include_bytes!("../../../tests/fixtures/layers/seq-1-10000.txt.zst");
/// `seq 1 10000 | sha256sum`, as printed by coreutils.
const SEQ_SHA256: &str = "sha256:8060aa0ac20a3e5db2b67325c98a0122f2d09a612574458225dcb9a086f87cc3";
const SEQ_LEN: u64 = 48_894;

fn diff_id(data: &[u8], chunk: usize) -> Result<DiffId, DiffIdError> {
    let mut hasher = DiffIdHasher::new();
    for piece in data.chunks(chunk) {
        hasher.update(piece)?;
    }
    hasher.finish()
}

#[test]
fn the_text_is_what_coreutils_hashed() {
    let text: String = (1..=10_000).map(|n| format!("{n}\n")).collect();
    assert_eq!(text.len() as u64, SEQ_LEN);
    assert_eq!(Digest::sha256_of(text.as_bytes()).to_string(), SEQ_SHA256);
}

#[test]
fn gzip_cli_output_in_any_chunking() {
    for chunk in [1, 2, 3, 1000, 1 << 20] {
        let id = diff_id(GZ, chunk).unwrap();
        assert_eq!(
            (id.digest.to_string().as_str(), id.uncompressed_size, id.compression),
            (SEQ_SHA256, SEQ_LEN, Compression::Gzip)
        );
    }
}

#[test]
fn zstd_cli_output_in_any_chunking() {
    for chunk in [1, 2, 3, 1000, 1 << 20] {
        let id = diff_id(ZST, chunk).unwrap();
        assert_eq!(
            (id.digest.to_string().as_str(), id.uncompressed_size, id.compression),
            (SEQ_SHA256, SEQ_LEN, Compression::Zstd)
        );
    }
}

#[test]
fn truncated_cli_output_is_an_error() {
    // The last bytes of the zstd frame are its checksum; the gzip trailer holds CRC and length.
    assert!(matches!(diff_id(&ZST[..ZST.len() - 2], 100), Err(DiffIdError::Zstd { .. })));
    assert!(matches!(diff_id(&GZ[..GZ.len() - 2], 100), Err(DiffIdError::Gzip { .. })));
    assert!(matches!(diff_id(&ZST[..ZST.len() / 2], 100), Err(DiffIdError::Zstd { .. })));
}
