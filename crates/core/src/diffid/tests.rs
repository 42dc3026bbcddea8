//! Tests of the diff-ID hasher: plain, gzip (multi-member too) and zstd (several and skippable
//! frames) layers fed in any chunking, the tap seeing exactly the uncompressed bytes, and
//! truncated or corrupt streams failing.

use std::io::Write as _;

use super::*;

fn diff_id(data: &[u8], chunk: usize) -> Result<DiffId, DiffIdError> {
    let mut h = DiffIdHasher::new();
    for piece in data.chunks(chunk.max(1)) {
        h.update(piece)?;
    }
    h.finish()
}

/// Deterministic, compressible-but-not-trivial test data.
fn sample(len: usize) -> Vec<u8> {
    let mut x: u32 = 12345;
    (0..len)
        .map(|i| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if i % 7 == 0 { (x >> 16) as u8 } else { b"layer-data"[i % 10] }
        })
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

#[test]
fn plain_tar_is_its_own_diff_id() {
    let data = sample(300_000);
    let id = diff_id(&data, 4096).unwrap();
    assert_eq!(id.digest, Digest::sha256_of(&data));
    assert_eq!((id.uncompressed_size, id.compression), (300_000, Compression::None));
    // Empty and tiny inputs.
    assert_eq!(diff_id(b"", 1).unwrap().digest, Digest::sha256_of(b""));
    assert_eq!(diff_id(b"ab", 1).unwrap().digest, Digest::sha256_of(b"ab"));
}

#[test]
fn gzip_in_any_chunking() {
    let data = sample(1_000_000);
    let compressed = gzip(&data);
    for chunk in [1, 3, 4096, 65_536, compressed.len()] {
        let id = diff_id(&compressed, chunk).unwrap();
        assert_eq!(id.digest, Digest::sha256_of(&data), "chunk {chunk}");
        assert_eq!((id.uncompressed_size, id.compression), (1_000_000, Compression::Gzip));
    }
}

/// The tap sees exactly the decompressed bytes, for every compression; a tap that pauses after
/// every piece loses nothing, since the rest of the chunk waits for the next update.
#[test]
fn the_tap_sees_the_uncompressed_bytes_and_may_pause() {
    let data = sample(700_000);
    for stream in [data.clone(), gzip(&data), zstd(&data)] {
        for pause in [false, true] {
            let mut seen = Vec::new();
            let mut tap = |piece: &[u8]| {
                seen.extend_from_slice(piece);
                if pause { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            };
            let mut h = DiffIdHasher::new();
            for piece in stream.chunks(50_000) {
                h.update_tapped(piece, &mut tap).unwrap();
            }
            let id = h.finish_tapped(&mut tap).unwrap();
            assert_eq!(id.digest, Digest::sha256_of(&data));
            assert!(seen == data, "pause {pause}: {} bytes seen of {}", seen.len(), data.len());
        }
    }
}

#[test]
fn multi_member_gzip() {
    let (a, b) = (sample(5000), sample(7000));
    let mut both = gzip(&a);
    both.extend(gzip(&b));
    let id = diff_id(&both, 1000).unwrap();
    assert_eq!(id.digest, Digest::sha256_of(&[a, b].concat()));
}

#[test]
fn zstd_in_any_chunking() {
    let data = sample(1_500_000);
    let compressed = zstd(&data);
    for chunk in [1, 7, 4096, 200_000, compressed.len()] {
        let id = diff_id(&compressed, chunk).unwrap();
        assert_eq!(id.digest, Digest::sha256_of(&data), "chunk {chunk}");
        assert_eq!((id.uncompressed_size, id.compression), (1_500_000, Compression::Zstd));
    }
}

#[test]
fn zstd_several_frames_and_skippable_frames() {
    let (a, b) = (sample(300_000), sample(10));
    let mut stream = zstd(&a);
    stream.extend([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    stream.extend(zstd(&b));
    for chunk in [5, 65_536] {
        let id = diff_id(&stream, chunk).unwrap();
        assert_eq!(id.digest, Digest::sha256_of(&[a.clone(), b.clone()].concat()), "chunk {chunk}");
    }
}

#[test]
fn truncated_and_corrupt_streams_fail() {
    let data = sample(400_000);
    let gz = gzip(&data);
    assert!(matches!(diff_id(&gz[..gz.len() - 4], 4096), Err(DiffIdError::Gzip { .. })));
    assert!(matches!(diff_id(&gz[..gz.len() / 2], 4096), Err(DiffIdError::Gzip { .. })));
    let mut bad = gz.clone();
    bad[gz.len() / 2] ^= 0xff;
    assert!(diff_id(&bad, 4096).is_err() || diff_id(&bad, 4096).unwrap().digest != Digest::sha256_of(&data));
    let zs = zstd(&data);
    assert!(matches!(diff_id(&zs[..zs.len() / 2], 4096), Err(DiffIdError::Zstd { .. })));
    let mut garbage = zs.clone();
    garbage.extend([1, 2, 3, 4, 5]);
    assert!(matches!(diff_id(&garbage, 4096), Err(DiffIdError::Zstd { .. })));
    // Just the magic: a frame that never starts.
    assert!(matches!(diff_id(&[0x28, 0xb5, 0x2f, 0xfd], 1), Err(DiffIdError::Zstd { .. })));
    assert!(matches!(diff_id(&[0x1f, 0x8b, 8, 0], 1), Err(DiffIdError::Gzip { .. })));
}
