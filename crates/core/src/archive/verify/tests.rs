//! Tests of hashing a blob file and of the proof it gives.

use std::io::Write;

use super::*;
use crate::digest::Verified;
use crate::media::Compression;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn hashed(bytes: &[u8], compression: Compression, sha512: bool, piece: usize) -> FileFacts {
    let mut hasher = FileHasher::new(compression, sha512);
    for chunk in bytes.chunks(piece) {
        hasher.update(chunk);
    }
    hasher.finish()
}

#[test]
fn file_hasher_does_not_depend_on_the_cut() {
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let file = gzip(&content);
    let whole = hashed(&file, Compression::Gzip, true, file.len());
    for piece in [1, 7, 4096, 65_537] {
        assert_eq!(hashed(&file, Compression::Gzip, true, piece), whole, "piece {piece}");
    }
    assert_eq!(whole.sha256, Digest::sha256_of(&file));
    assert_eq!(whole.content, Ok(Digest::sha256_of(&content)));
    assert_eq!(whole.sha512.as_ref().map(Digest::algorithm), Some(Algorithm::Sha512));
    // Uncompressed: the content is the file.
    let plain = hashed(&content, Compression::None, false, 1000);
    assert_eq!((plain.content, plain.sha512), (Ok(Digest::sha256_of(&content)), None));
}

#[test]
fn file_hasher_reports_content_it_cannot_decompress() {
    let mut file = gzip(b"some layer content");
    let last = file.len() - 5;
    file.truncate(last);
    let facts = hashed(&file, Compression::Gzip, false, 3);
    assert_eq!(facts.sha256, Digest::sha256_of(&file));
    assert!(facts.content.is_err(), "{:?}", facts.content);
}

#[test]
fn proof_needs_the_digest_and_the_size() {
    let bytes = b"config";
    let stored = Stored {
        path: "c.json".into(),
        offset: 512,
        size: bytes.len() as u64,
        compression: Compression::None,
        facts: None,
    };
    let facts = hashed(bytes, Compression::None, false, 2);
    let digest = Digest::sha256_of(bytes);
    assert_eq!(proof(&stored, &facts, &digest, 6), Some(Verified { digest: digest.clone(), size: 6 }));
    assert_eq!(proof(&stored, &facts, &digest, 7), None, "size differs");
    assert_eq!(proof(&stored, &facts, &Digest::sha256_of(b"other"), 6), None, "digest differs");
    let sha512: Digest = format!("sha512:{}", "a".repeat(128)).parse().unwrap();
    assert_eq!(proof(&stored, &facts, &sha512, 6), None, "sha512 not computed");
}
