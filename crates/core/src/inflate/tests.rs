use std::io::Write as _;

use super::*;

/// Decompresses `data` feeding it `feed` bytes at a time, as a reader with little input would.
fn inflate(compression: Compression, data: &[u8], feed: usize) -> Result<Vec<u8>, InflateError> {
    inflate_with(Inflater::new(compression).unwrap(), data, feed)
}

fn inflate_with(mut inflater: Inflater, data: &[u8], feed: usize) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::new();
    let mut buffered: Vec<u8> = Vec::new();
    let mut offered = 0;
    loop {
        let at_end = offered == data.len();
        let before = out.len();
        let p = inflater.step(&buffered, at_end, &mut out)?;
        assert!(out.len() - before <= STEP, "a step emitted more than STEP");
        buffered.drain(..p.consumed);
        if p.done {
            return Ok(out);
        }
        if p.consumed == 0 && p.produced == 0 {
            let take = feed.min(data.len() - offered);
            buffered.extend_from_slice(&data[offered..offered + take]);
            offered += take;
        }
    }
}

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8 ^ (i / 1000) as u8).collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_members_in_any_feed() {
    let (a, b) = (sample(300_000), sample(5));
    let both = [gzip(&a), gzip(&b)].concat();
    for feed in [1, 100, 65_536, both.len()] {
        assert_eq!(inflate(Compression::Gzip, &both, feed).unwrap(), [a.clone(), b.clone()].concat());
    }
}

#[test]
fn gzip_failures() {
    let gz = gzip(&sample(100_000));
    assert!(inflate(Compression::Gzip, &gz[..gz.len() - 3], 4096).is_err(), "cut trailer");
    let mut crc = gz.clone();
    let n = crc.len();
    crc[n - 6] ^= 1;
    assert!(inflate(Compression::Gzip, &crc, 4096).is_err(), "bad crc");
    let mut trailing = gz.clone();
    trailing.extend_from_slice(b"junk");
    assert!(inflate(Compression::Gzip, &trailing, 4096).is_err(), "trailing junk");
}

/// Without the CRC-32, as with it.
fn unchecked(data: &[u8], feed: usize) -> Result<Vec<u8>, InflateError> {
    inflate_with(Inflater::new(Compression::Gzip).unwrap().without_crc(), data, feed)
}

/// A member with every optional header field gzip has: an extra field, a name, a comment, and
/// (patched in, as no encoder at hand writes one) the header's own CRC-16.
fn gzip_with_every_field(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::GzBuilder::new()
        .extra(vec![7; 300])
        .filename("layer.tar")
        .comment("written by a test")
        .write(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    let mut member = e.finish().unwrap();
    let header_len = 10 + 2 + 300 + "layer.tar\0".len() + "written by a test\0".len();
    member[3] |= 1 << 1;
    let mut crc = flate2::Crc::new();
    crc.update(&member[..header_len]);
    member.splice(header_len..header_len, (crc.sum() as u16).to_le_bytes());
    member
}

#[test]
fn gzip_without_crc_reads_every_header_field_in_any_feed() {
    let (a, b) = (sample(300_000), sample(5));
    let both = [gzip_with_every_field(&a), gzip(&b), gzip_with_every_field(&[])].concat();
    for feed in [1, 100, 65_536, both.len()] {
        let expected = [a.clone(), b.clone()].concat();
        assert_eq!(inflate(Compression::Gzip, &both, feed).unwrap(), expected, "checked, fed {feed}");
        assert_eq!(unchecked(&both, feed).unwrap(), expected, "without the CRC, fed {feed}");
    }
}

#[test]
fn gzip_without_crc_checks_all_but_the_crc() {
    let gz = gzip(&sample(100_000));
    let n = gz.len();
    let mut crc = gz.clone();
    crc[n - 6] ^= 1;
    assert!(inflate(Compression::Gzip, &crc, 4096).is_err(), "checked: bad crc");
    assert_eq!(unchecked(&crc, 4096).unwrap(), sample(100_000), "the CRC alone is not read");
    let mut length = gz.clone();
    length[n - 2] ^= 1;
    let e = unchecked(&length, 4096).unwrap_err();
    assert!(e.reason.contains("trailer says it holds"), "{e}");
    for cut in [5, 11, n / 2, n - 3] {
        let e = unchecked(&gz[..cut], 4096).unwrap_err();
        assert!(e.reason.contains("(truncated)"), "cut at {cut}: {e}");
    }
    let mut trailing = gz.clone();
    trailing.extend_from_slice(b"junk");
    assert!(unchecked(&trailing, 4096).is_err(), "trailing junk");
    let mut method = gz.clone();
    method[2] = 7;
    assert!(unchecked(&method, 4096).unwrap_err().reason.contains("method is 7"));
    let mut reserved = gz.clone();
    reserved[3] |= 0x80;
    assert!(unchecked(&reserved, 4096).unwrap_err().reason.contains("reserved flags"));
}

/// A name that never ends is not buffered past the header limit.
#[test]
fn gzip_without_crc_refuses_an_endless_header() {
    let mut header = vec![0x1f, 0x8b, 8, 1 << 3, 0, 0, 0, 0, 0, 255];
    header.resize(gzip_frame::MAX_HEADER + 4096, b'a');
    let e = unchecked(&header, 1000).unwrap_err();
    assert!(e.reason.contains("never ends"), "{e}");
}

#[test]
fn zstd_frames_in_any_feed() {
    let (a, b) = (sample(400_000), sample(10));
    let mut stream = ruzstd::encoding::compress_to_vec(&a[..], ruzstd::encoding::CompressionLevel::Fastest);
    stream.extend([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7]);
    stream.extend(ruzstd::encoding::compress_to_vec(&b[..], ruzstd::encoding::CompressionLevel::Fastest));
    for feed in [1, 1000, 200_000, stream.len()] {
        assert_eq!(inflate(Compression::Zstd, &stream, feed).unwrap(), [a.clone(), b.clone()].concat());
    }
    assert!(inflate(Compression::Zstd, &stream[..stream.len() / 2], 4096).is_err());
}

#[test]
fn truncated_zstd_says_so() {
    let stream =
        ruzstd::encoding::compress_to_vec(&sample(300_000)[..], ruzstd::encoding::CompressionLevel::Fastest);
    for cut in [4, 5, 6, 12, stream.len() / 2, stream.len() - 6] {
        for feed in [1, 4096, stream.len()] {
            let e = inflate(Compression::Zstd, &stream[..cut], feed).unwrap_err();
            assert!(e.reason.contains("(truncated)"), "cut at {cut}, fed {feed}: {e}");
        }
    }
}

/// RLE blocks: 4 input bytes make 128 KiB each. Every step must still emit at most STEP.
#[test]
fn zstd_rle_bomb_is_emitted_in_bounded_steps() {
    // Magic, frame header descriptor 0 (no checksum, no content size), window descriptor 0x58
    // (2 MiB).
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
    let blocks = 64;
    for i in 0..blocks {
        let last = u32::from(i == blocks - 1);
        let header = last | 1 << 1 | (128 * 1024) << 3;
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0);
    }
    let out = inflate(Compression::Zstd, &frame, 1 << 20).unwrap();
    assert_eq!(out.len(), blocks * 128 * 1024);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn sniffing() {
    assert_eq!(sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
    assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
    assert_eq!(sniff(b"ustar"), Compression::None);
    assert_eq!(sniff(&[]), Compression::None);
}
