//! Content digests (`sha256:…`, `sha512:…`) and the streaming [`Verifier`] that every blob
//! passes through before Waybill trusts it.
//!
//! Registries do not all check what they are sent (Pulp stores a monolithic upload under whatever
//! digest the client names), so the client-side check here is the only guard: it hashes chunks as
//! they stream by and checks the size too, reporting overrun, underrun and mismatch distinctly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;

/// A digest algorithm Waybill can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256, the algorithm of nearly every registry digest.
    Sha256,
    /// SHA-512, registered by the OCI image spec.
    Sha512,
}

impl Algorithm {
    /// The name used in digest strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Length of the hex-encoded digest.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }

    fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated content digest: algorithm plus lower-case hex of the right length.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// Why a string is not a usable digest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// No `:` between algorithm and hex.
    #[error("digest {0:?} has no ':' between algorithm and hex (expected e.g. sha256:<64 hex>)")]
    MissingColon(String),
    /// The algorithm is well-formed but not one Waybill can compute.
    #[error("digest algorithm {0:?} is not supported (use sha256 or sha512)")]
    UnsupportedAlgorithm(String),
    /// Wrong number of hex characters for the algorithm.
    #[error("{algorithm} digest must have {expected} hex characters, found {found}")]
    WrongLength {
        /// The algorithm named in the digest.
        algorithm: Algorithm,
        /// Hex characters the algorithm needs.
        expected: usize,
        /// Hex characters present.
        found: usize,
    },
    /// A character that is not lower-case hex, with its position in the hex part.
    #[error("{algorithm} digest has {ch:?} at hex position {position}: only 0-9 and a-f are allowed")]
    InvalidHex {
        /// The algorithm named in the digest.
        algorithm: Algorithm,
        /// The offending character.
        ch: char,
        /// Its index within the hex part.
        position: usize,
    },
}

impl Digest {
    /// Builds a digest from parts, validating the hex.
    pub fn new(algorithm: Algorithm, hex: &str) -> Result<Digest, DigestError> {
        // Count characters, not bytes: a multi-byte character must not make a 64-character
        // string look too long (and the message must report the length a person sees).
        let found = hex.chars().count();
        if found != algorithm.hex_len() {
            return Err(DigestError::WrongLength { algorithm, expected: algorithm.hex_len(), found });
        }
        if let Some((position, ch)) =
            hex.chars().enumerate().find(|(_, c)| !matches!(c, '0'..='9' | 'a'..='f'))
        {
            return Err(DigestError::InvalidHex { algorithm, ch, position });
        }
        Ok(Digest { algorithm, hex: hex.to_owned() })
    }

    /// The sha256 digest of `bytes` (how a manifest's digest is defined).
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        Digest::of(Algorithm::Sha256, bytes)
    }

    /// The digest of `bytes` with the given algorithm.
    pub fn of(algorithm: Algorithm, bytes: &[u8]) -> Digest {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(bytes);
        hasher.finalize()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The hex part, lower case.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The first 12 hex characters, as tools show digests in tables.
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Digest, DigestError> {
        let (algorithm, hex) = s.split_once(':').ok_or_else(|| DigestError::MissingColon(s.into()))?;
        let algorithm = Algorithm::from_name(algorithm)
            .ok_or_else(|| DigestError::UnsupportedAlgorithm(algorithm.into()))?;
        Digest::new(algorithm, hex)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Digest, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Incremental hashing with a chosen algorithm.
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// SHA-512 state.
    Sha512(sha2::Sha512),
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hasher::Sha256(_) => "Hasher(sha256)",
            Hasher::Sha512(_) => "Hasher(sha512)",
        })
    }
}

impl Hasher {
    /// A fresh hasher.
    pub fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Digest {
        let (algorithm, bytes) = match self {
            Hasher::Sha256(h) => (Algorithm::Sha256, h.finalize().to_vec()),
            Hasher::Sha512(h) => (Algorithm::Sha512, h.finalize().to_vec()),
        };
        Digest { algorithm, hex: to_hex(&bytes) }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Why a blob failed verification. Each case says what to suspect.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// More bytes arrived than the descriptor declares (reported as soon as it happens).
    #[error("blob {expected} is larger than declared: {seen} bytes seen, {expected_size} expected")]
    Overrun {
        /// The digest being verified.
        expected: Digest,
        /// The declared size.
        expected_size: u64,
        /// Bytes seen so far.
        seen: u64,
    },
    /// The stream ended before the declared size (truncated download or file).
    #[error("blob {expected} is truncated: {seen} bytes of {expected_size} declared")]
    Underrun {
        /// The digest being verified.
        expected: Digest,
        /// The declared size.
        expected_size: u64,
        /// Bytes seen in all.
        seen: u64,
    },
    /// The size matched (or was not declared) but the content hashes differently.
    #[error("blob content does not match its digest: expected {expected}, got {actual} ({size} bytes)")]
    Mismatch {
        /// The digest the descriptor names.
        expected: Digest,
        /// The digest of the bytes actually seen.
        actual: Digest,
        /// Bytes seen.
        size: u64,
    },
}

/// A blob that passed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Its digest (equal to the expected one).
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
}

/// Streaming check of a blob against its expected digest and (optionally) size.
///
/// Feed chunks of any size with [`Verifier::update`]; the result does not depend on how the
/// stream was cut. An overrun is reported by the `update` that crosses the declared size, so a
/// caller can stop a download early instead of reading an oversized body to the end.
#[derive(Clone, Debug)]
pub struct Verifier {
    expected: Digest,
    expected_size: Option<u64>,
    hasher: Hasher,
    seen: u64,
}

impl Verifier {
    /// A verifier for a blob with this digest and, when known, this size.
    pub fn new(expected: Digest, expected_size: Option<u64>) -> Verifier {
        let hasher = Hasher::new(expected.algorithm());
        Verifier { expected, expected_size, hasher, seen: 0 }
    }

    /// Feeds the next chunk. Fails with [`VerifyError::Overrun`] once the declared size is exceeded.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), VerifyError> {
        self.seen = self.seen.saturating_add(chunk.len() as u64);
        if let Some(expected_size) = self.expected_size
            && self.seen > expected_size
        {
            return Err(VerifyError::Overrun {
                expected: self.expected.clone(),
                expected_size,
                seen: self.seen,
            });
        }
        self.hasher.update(chunk);
        Ok(())
    }

    /// Bytes fed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.seen
    }

    /// The digest being checked against.
    pub fn expected(&self) -> &Digest {
        &self.expected
    }

    /// Ends the stream: checks the size, then the digest.
    ///
    /// An overrun is reported here too: a caller that ignored the failing `update` must not get
    /// a [`Verified`] for a blob larger than declared (the bytes past the size are not hashed, so
    /// the digest alone could still match a crafted prefix).
    pub fn finish(self) -> Result<Verified, VerifyError> {
        if let Some(expected_size) = self.expected_size {
            if self.seen > expected_size {
                return Err(VerifyError::Overrun { expected: self.expected, expected_size, seen: self.seen });
            }
            if self.seen < expected_size {
                return Err(VerifyError::Underrun {
                    expected: self.expected,
                    expected_size,
                    seen: self.seen,
                });
            }
        }
        let actual = self.hasher.finalize();
        if actual != self.expected {
            return Err(VerifyError::Mismatch { expected: self.expected, actual, size: self.seen });
        }
        Ok(Verified { digest: actual, size: self.seen })
    }
}
