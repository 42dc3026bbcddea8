//! Digests and the streaming verifier: published vectors, chunking, size and digest failures,
//! parsing. Runs natively and, compiled to wasm32, in headless Chromium (scripts/lib/wasm-tests.sh);
//! the proptest part is native-only.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use waybill_core::digest::{Algorithm, Digest, DigestError, Hasher, Verified, Verifier, VerifyError};

// Published vectors: FIPS 180-2 appendix examples ("abc", the two-block messages, one million
// 'a') and the well-known digests of the empty input.
const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA256_TWO_BLOCK_INPUT: &str = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const SHA256_TWO_BLOCK: &str = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
const SHA256_MILLION_A: &str = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
const SHA512_EMPTY: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                            47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
const SHA512_ABC: &str = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                          2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
const SHA512_TWO_BLOCK_INPUT: &str = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn\
                                      hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
const SHA512_TWO_BLOCK: &str = "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018\
                                501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909";

// 1 MiB whose byte i is i % 251 (251 is prime, so the pattern does not line up with any block
// size). Expected values computed once with coreutils 9.1, independently of this crate:
//   python3 -c "import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(1<<20)))" \
//     | sha256sum   (and | sha512sum)
const MIB_SHA256: &str = "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769";
const MIB_SHA512: &str = "67dad569eefc986a3b2424f5516d5a0284bb53d7b52d75f5ed881a6830a95765\
                          ccc82bc48752fb693422579f11dc9a400561ec1885af9eeef703dbbd312d4fd0";

fn mib_pattern() -> Vec<u8> {
    (0..1usize << 20).map(|i| (i % 251) as u8).collect()
}

fn sha256(hex: &str) -> Digest {
    Digest::new(Algorithm::Sha256, hex).unwrap()
}

fn sha512(hex: &str) -> Digest {
    Digest::new(Algorithm::Sha512, hex).unwrap()
}

#[test]
fn published_sha256_vectors() {
    assert_eq!(Digest::sha256_of(b"").hex(), SHA256_EMPTY);
    assert_eq!(Digest::sha256_of(b"abc").hex(), SHA256_ABC);
    assert_eq!(Digest::sha256_of(SHA256_TWO_BLOCK_INPUT.as_bytes()).hex(), SHA256_TWO_BLOCK);
    assert_eq!(Digest::of(Algorithm::Sha256, &vec![b'a'; 1_000_000]).hex(), SHA256_MILLION_A);
}

#[test]
fn published_sha512_vectors() {
    assert_eq!(Digest::of(Algorithm::Sha512, b"").hex(), SHA512_EMPTY);
    assert_eq!(Digest::of(Algorithm::Sha512, b"abc").hex(), SHA512_ABC);
    assert_eq!(Digest::of(Algorithm::Sha512, SHA512_TWO_BLOCK_INPUT.as_bytes()).hex(), SHA512_TWO_BLOCK);
}

#[test]
fn one_mebibyte_pattern_matches_coreutils() {
    let data = mib_pattern();
    assert_eq!(Digest::of(Algorithm::Sha256, &data), sha256(MIB_SHA256));
    assert_eq!(Digest::of(Algorithm::Sha512, &data), sha512(MIB_SHA512));
}

#[test]
fn digest_string_form() {
    let digest = Digest::sha256_of(b"abc");
    assert_eq!(digest.to_string(), format!("sha256:{SHA256_ABC}"));
    assert_eq!(format!("{digest:?}"), format!("Digest(sha256:{SHA256_ABC})"));
    assert_eq!(digest.algorithm(), Algorithm::Sha256);
    assert_eq!(digest.short(), "ba7816bf8f01");
    assert_eq!(format!("sha512:{SHA512_ABC}").parse::<Digest>().unwrap(), sha512(SHA512_ABC));
}

#[test]
fn digest_serde_is_a_string() {
    let digest = Digest::sha256_of(b"abc");
    let json = serde_json::to_string(&digest).unwrap();
    assert_eq!(json, format!("\"sha256:{SHA256_ABC}\""));
    assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), digest);
    let err = serde_json::from_str::<Digest>("\"sha256:abc\"").unwrap_err();
    assert!(err.to_string().contains("must have 64 hex characters, found 3"), "{err}");
}

/// Feeds `data` cut at every multiple of `chunk` (the last piece may be shorter).
fn hash_in_chunks(algorithm: Algorithm, data: &[u8], chunk: usize) -> Digest {
    let mut hasher = Hasher::new(algorithm);
    for piece in data.chunks(chunk) {
        hasher.update(piece);
    }
    hasher.finalize()
}

#[test]
fn fixed_chunk_sizes_give_the_published_digest() {
    let data = mib_pattern();
    // Around the block sizes (64 for sha256, 128 for sha512) and up to the whole input.
    for chunk in [1, 63, 64, 65, 127, 128, 129, 4096, 65_537, 1 << 20] {
        assert_eq!(hash_in_chunks(Algorithm::Sha256, &data, chunk).hex(), MIB_SHA256, "chunk {chunk}");
        assert_eq!(hash_in_chunks(Algorithm::Sha512, &data, chunk).hex(), MIB_SHA512, "chunk {chunk}");
    }
}

#[test]
fn verifier_accepts_the_right_blob_in_any_chunking() {
    let data = mib_pattern();
    for chunk in [1, 1000, 1 << 20] {
        let mut verifier = Verifier::new(sha256(MIB_SHA256), Some(1 << 20));
        for piece in data.chunks(chunk) {
            verifier.update(piece).unwrap();
        }
        assert_eq!(verifier.bytes_seen(), 1 << 20);
        assert_eq!(verifier.finish(), Ok(Verified { digest: sha256(MIB_SHA256), size: 1 << 20 }));
    }
}

#[test]
fn verifier_without_a_declared_size_checks_the_digest_only() {
    let mut verifier = Verifier::new(sha512(SHA512_ABC), None);
    verifier.update(b"a").unwrap();
    verifier.update(b"bc").unwrap();
    assert_eq!(verifier.expected(), &sha512(SHA512_ABC));
    assert_eq!(verifier.finish(), Ok(Verified { digest: sha512(SHA512_ABC), size: 3 }));
}

#[test]
fn empty_blob_verifies() {
    let verifier = Verifier::new(sha256(SHA256_EMPTY), Some(0));
    assert_eq!(verifier.finish(), Ok(Verified { digest: sha256(SHA256_EMPTY), size: 0 }));
}

#[test]
fn overrun_is_reported_by_the_update_that_crosses_the_size() {
    let mut verifier = Verifier::new(sha256(SHA256_ABC), Some(3));
    verifier.update(b"ab").unwrap();
    verifier.update(b"c").unwrap();
    verifier.update(b"").unwrap();
    let err = verifier.update(b"de").unwrap_err();
    assert_eq!(err, VerifyError::Overrun { expected: sha256(SHA256_ABC), expected_size: 3, seen: 5 });
    assert_eq!(
        err.to_string(),
        format!("blob sha256:{SHA256_ABC} is larger than declared: 5 bytes seen, 3 expected")
    );
}

#[test]
fn overrun_in_a_single_chunk() {
    let mut verifier = Verifier::new(sha256(SHA256_ABC), Some(3));
    assert!(matches!(verifier.update(b"abcd"), Err(VerifyError::Overrun { seen: 4, expected_size: 3, .. })));
}

#[test]
fn finish_after_an_ignored_overrun_still_reports_the_overrun() {
    // The first three bytes hash to the expected digest; the fourth crosses the size and is not
    // hashed. A caller that ignores that error must not be told the blob verified.
    let mut verifier = Verifier::new(sha256(SHA256_ABC), Some(3));
    verifier.update(b"abc").unwrap();
    assert!(verifier.update(b"d").is_err());
    assert_eq!(
        verifier.finish(),
        Err(VerifyError::Overrun { expected: sha256(SHA256_ABC), expected_size: 3, seen: 4 })
    );
}

#[test]
fn underrun_is_reported_at_finish() {
    let mut verifier = Verifier::new(sha256(SHA256_ABC), Some(10));
    verifier.update(b"abc").unwrap();
    let err = verifier.finish().unwrap_err();
    assert_eq!(err, VerifyError::Underrun { expected: sha256(SHA256_ABC), expected_size: 10, seen: 3 });
    assert_eq!(err.to_string(), format!("blob sha256:{SHA256_ABC} is truncated: 3 bytes of 10 declared"));
}

#[test]
fn mismatch_names_both_digests() {
    let expected = sha256(SHA256_EMPTY);
    let mut verifier = Verifier::new(expected.clone(), Some(3));
    verifier.update(b"abc").unwrap();
    let err = verifier.finish().unwrap_err();
    assert_eq!(err, VerifyError::Mismatch { expected, actual: sha256(SHA256_ABC), size: 3 });
    assert_eq!(
        err.to_string(),
        format!(
            "blob content does not match its digest: expected sha256:{SHA256_EMPTY}, \
             got sha256:{SHA256_ABC} (3 bytes)"
        )
    );
}

#[test]
fn mismatch_with_sha512() {
    let mut verifier = Verifier::new(sha512(SHA512_EMPTY), None);
    verifier.update(b"abc").unwrap();
    assert_eq!(
        verifier.finish(),
        Err(VerifyError::Mismatch { expected: sha512(SHA512_EMPTY), actual: sha512(SHA512_ABC), size: 3 })
    );
}

#[test]
fn parse_missing_colon() {
    let err = "sha256".parse::<Digest>().unwrap_err();
    assert_eq!(err, DigestError::MissingColon("sha256".into()));
    assert!(err.to_string().contains("no ':' between algorithm and hex"), "{err}");
}

#[test]
fn parse_unsupported_algorithms() {
    let md5 = "md5:d41d8cd98f00b204e9800998ecf8427e".parse::<Digest>().unwrap_err();
    assert_eq!(md5, DigestError::UnsupportedAlgorithm("md5".into()));
    assert!(md5.to_string().contains("use sha256 or sha512"), "{md5}");
    // Algorithm names are case-sensitive in the OCI grammar's registered algorithms.
    let upper = format!("SHA256:{SHA256_ABC}").parse::<Digest>().unwrap_err();
    assert_eq!(upper, DigestError::UnsupportedAlgorithm("SHA256".into()));
    let empty = format!(":{SHA256_ABC}").parse::<Digest>().unwrap_err();
    assert_eq!(empty, DigestError::UnsupportedAlgorithm(String::new()));
}

#[test]
fn parse_wrong_length() {
    assert_eq!(
        "sha256:abc".parse::<Digest>(),
        Err(DigestError::WrongLength { algorithm: Algorithm::Sha256, expected: 64, found: 3 })
    );
    // A sha256-length hex under the sha512 name.
    let err = format!("sha512:{SHA256_ABC}").parse::<Digest>().unwrap_err();
    assert_eq!(err, DigestError::WrongLength { algorithm: Algorithm::Sha512, expected: 128, found: 64 });
    assert_eq!(err.to_string(), "sha512 digest must have 128 hex characters, found 64");
    assert!(matches!(
        format!("sha256:{SHA256_ABC}0").parse::<Digest>(),
        Err(DigestError::WrongLength { found: 65, .. })
    ));
}

#[test]
fn parse_upper_case_hex() {
    let upper = SHA256_ABC.to_uppercase();
    let err = format!("sha256:{upper}").parse::<Digest>().unwrap_err();
    assert_eq!(err, DigestError::InvalidHex { algorithm: Algorithm::Sha256, ch: 'B', position: 0 });
    assert_eq!(err.to_string(), "sha256 digest has 'B' at hex position 0: only 0-9 and a-f are allowed");
    let one_upper = format!("sha256:{}F{}", &SHA256_ABC[..10], &SHA256_ABC[11..]);
    assert!(matches!(
        one_upper.parse::<Digest>(),
        Err(DigestError::InvalidHex { ch: 'F', position: 10, .. })
    ));
}

#[test]
fn length_is_counted_in_characters() {
    // 63 hex digits and an 'é': 64 characters (65 bytes). The problem is the 'é', not the length.
    let hex = format!("{}é", &SHA256_ABC[..63]);
    assert_eq!(
        Digest::new(Algorithm::Sha256, &hex),
        Err(DigestError::InvalidHex { algorithm: Algorithm::Sha256, ch: 'é', position: 63 })
    );
    // 62 hex digits and an 'é': 63 characters (64 bytes) is too short, whatever the bytes say.
    let short = format!("{}é", &SHA256_ABC[..62]);
    assert_eq!(
        Digest::new(Algorithm::Sha256, &short),
        Err(DigestError::WrongLength { algorithm: Algorithm::Sha256, expected: 64, found: 63 })
    );
}

/// Random data cut at random points hashes (and verifies) exactly as in one piece.
#[cfg(not(target_arch = "wasm32"))]
mod chunking {
    use proptest::prelude::*;
    use waybill_core::digest::{Algorithm, Digest, Hasher, Verified, Verifier};

    fn cut(data: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
        cuts.iter_mut().for_each(|c| *c %= data.len() + 1);
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for end in cuts.into_iter().chain([data.len()]) {
            pieces.push(&data[start..end]);
            start = end;
        }
        pieces
    }

    proptest! {
        #[test]
        fn chunking_does_not_change_the_digest(
            data in proptest::collection::vec(any::<u8>(), 0..20_000),
            cuts in proptest::collection::vec(any::<usize>(), 0..40),
            sha512 in any::<bool>(),
        ) {
            let algorithm = if sha512 { Algorithm::Sha512 } else { Algorithm::Sha256 };
            let one_shot = Digest::of(algorithm, &data);
            let pieces = cut(&data, cuts);
            prop_assert_eq!(pieces.concat(), data.clone());

            let mut hasher = Hasher::new(algorithm);
            let mut verifier = Verifier::new(one_shot.clone(), Some(data.len() as u64));
            for piece in &pieces {
                hasher.update(piece);
                prop_assert!(verifier.update(piece).is_ok());
            }
            prop_assert_eq!(hasher.finalize(), one_shot.clone());
            prop_assert_eq!(verifier.finish(), Ok(Verified { digest: one_shot, size: data.len() as u64 }));
        }
    }
}
