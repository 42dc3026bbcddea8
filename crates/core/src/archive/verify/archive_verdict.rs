//! What verifying an archive says: the facts hashing a file gave, and the verdict on each blob,
//! manifest and image.

use serde::{Deserialize, Serialize};

use crate::digest::{Algorithm, Digest};
use crate::media::Compression;
use crate::policy::BlobRole;

/// What reading a blob file gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    /// sha256 of the file.
    pub sha256: Digest,
    /// sha512 of the file, when a descriptor names it by a sha512 digest.
    pub sha512: Option<Digest>,
    /// Its compression, by magic bytes.
    pub compression: Compression,
    /// The digest of its decompressed content (the file's sha256 when uncompressed), or why it
    /// could not be decompressed.
    pub content: Result<Digest, String>,
}

impl FileFacts {
    /// The file's digest with `algorithm`, if it was computed.
    pub fn digest(&self, algorithm: Algorithm) -> Option<&Digest> {
        match algorithm {
            Algorithm::Sha256 => Some(&self.sha256),
            Algorithm::Sha512 => self.sha512.as_ref(),
        }
    }
}

/// The verdict on one blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum BlobStatus {
    /// Everything the metadata says about it holds.
    Verified,
    /// Something does not match, or the file cannot be read.
    Failed(String),
    /// The blob is not in the archive (a foreign layer, whose publisher serves it).
    Absent(String),
}

/// One blob's check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobCheck {
    /// Config or layer.
    pub role: BlobRole,
    /// The path the metadata names.
    pub path: String,
    /// Foreign by its declared media type.
    pub foreign: bool,
    /// The digest the blob should have, when the metadata says.
    pub expected_digest: Option<Digest>,
    /// The sha256 of the file in the archive.
    pub digest: Option<Digest>,
    /// The file's size.
    pub size: Option<u64>,
    /// The file's compression.
    pub compression: Option<Compression>,
    /// For layers: the config's diff ID.
    pub expected_diff_id: Option<Digest>,
    /// For layers: the digest of the file's decompressed content.
    pub diff_id: Option<Digest>,
    /// The verdict.
    #[serde(flatten)]
    pub status: BlobStatus,
}

/// One image manifest's checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCheck {
    /// The stored manifest's digest (OCI layouts).
    pub digest: Option<Digest>,
    /// `os/arch[/variant]`.
    pub platform: String,
    /// Problems with the manifest document itself.
    pub problems: Vec<String>,
    /// Config first, then layers in order.
    pub blobs: Vec<BlobCheck>,
}

/// One image's checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageVerification {
    /// The image's name (or its config digest, untagged).
    pub image: String,
    /// One per image manifest.
    pub manifests: Vec<ManifestCheck>,
}

impl ImageVerification {
    /// Every failure, one line each.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.manifests {
            out.extend(m.problems.iter().map(|p| format!("{} ({}): {p}", self.image, m.platform)));
            for b in &m.blobs {
                if let BlobStatus::Failed(why) = &b.status {
                    out.push(format!("{} ({}): {}: {why}", self.image, m.platform, b.path));
                }
            }
        }
        out
    }

    /// Whether nothing failed (absent foreign layers are not failures).
    pub fn ok(&self) -> bool {
        self.failures().is_empty()
    }
}
