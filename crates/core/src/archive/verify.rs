//! Verifying an archive: every blob file an image uses is read once — in archive order, so a
//! compressed archive costs no extra pass — hashed, and checked against what the metadata says:
//! the descriptor's digest and size (OCI layouts, `LayerSources`), the digest its file name
//! promises (`blobs/sha256/<hex>`, `<hex>.tar`), and for layers the config's `rootfs.diff_ids`
//! (decompressing gzip and zstd layers as they stream by).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::ArchiveError;
use super::files::digest_in_name;
use super::model::{ArchiveImage, ArchiveLayer, ArchiveManifest, Presence, Stored};
use super::open::Archive;
use super::source::{MAX_READ, RandomAccess};
use crate::diffid::DiffIdHasher;
use crate::digest::{Algorithm, Digest, Hasher, Verified};
use crate::manifest;
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

/// One blob file an image uses, and which digests verifying it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileToHash {
    /// The file.
    pub stored: Stored,
    /// Also compute its sha512 (a descriptor names it by a sha512 digest).
    pub sha512: bool,
}

impl FileToHash {
    /// Whether the file must be read to be verified: always on a plain archive; on a compressed
    /// one only for a sha512 digest, since the index pass computed everything else.
    pub fn needs_read(&self) -> bool {
        self.stored.facts.is_none() || self.sha512
    }
}

/// What hashing each file gave (or why it could not be read), by the file's offset in the tar.
pub type Facts = BTreeMap<u64, Result<FileFacts, String>>;

/// Every distinct blob file `images` use, in archive order: what verifying them reads.
pub fn files_to_hash(images: &[&ArchiveImage]) -> Vec<FileToHash> {
    let mut files: BTreeMap<u64, FileToHash> = BTreeMap::new();
    let mut add = |stored: &Stored, declared: Option<&Digest>| {
        let sha512 = declared.is_some_and(|d| d.algorithm() == Algorithm::Sha512);
        files.entry(stored.offset).or_insert_with(|| FileToHash { stored: stored.clone(), sha512 }).sha512 |=
            sha512;
    };
    for image in images {
        for m in &image.manifests {
            add(&m.config.stored, Some(&m.config.descriptor.digest));
            for layer in &m.layers {
                if let Some(stored) = &layer.stored {
                    add(stored, layer.declared.as_ref().map(|d| &d.digest));
                }
            }
        }
    }
    files.into_values().collect()
}

/// Hashes `files` by reading them through the archive, in archive order (on a compressed
/// archive, one forward pass or none). `progress` is told bytes read so far and the total.
pub async fn hash_files<R: RandomAccess>(
    archive: &Archive<R>,
    files: &[FileToHash],
    progress: &dyn Fn(u64, u64),
) -> Facts {
    let total = files.iter().filter(|f| f.needs_read()).map(|f| f.stored.size).sum();
    let mut done = 0;
    let mut facts = Facts::new();
    for file in files {
        let result =
            match file_facts(archive, &file.stored, file.sha512, &mut |n| progress(done + n, total)).await {
                Ok(f) => Ok(f),
                Err(ArchiveError::Read { offset, source }) => {
                    Err(format!("reading at tar byte {offset}: {source}"))
                }
                Err(other) => Err(other.to_string()),
            };
        if file.needs_read() {
            done += file.stored.size;
        }
        facts.insert(file.stored.offset, result);
    }
    facts
}

/// Verifies the given images: every file they use read once, in archive order, and judged.
/// `progress` is told bytes read so far and the total to read.
pub async fn verify<R: RandomAccess>(
    archive: &Archive<R>,
    images: &[&ArchiveImage],
    progress: &dyn Fn(u64, u64),
) -> Result<Vec<ImageVerification>, ArchiveError> {
    let facts = hash_files(archive, &files_to_hash(images), progress).await;
    Ok(judge(images, &facts))
}

/// Checks every blob of `images` against what hashing its file gave, however the hashing was
/// done (here, or by the browser's workers over slices of the same file).
pub fn judge(images: &[&ArchiveImage], facts: &Facts) -> Vec<ImageVerification> {
    images
        .iter()
        .map(|image| ImageVerification {
            image: image.label(),
            manifests: image.manifests.iter().map(|m| check_manifest(m, facts)).collect(),
        })
        .collect()
}

/// Computes a file's [`FileFacts`] from its bytes, fed in order in pieces of any size.
pub struct FileHasher {
    compression: Compression,
    sha256: Hasher,
    sha512: Option<Hasher>,
    content: Option<Result<DiffIdHasher, String>>,
}

impl std::fmt::Debug for FileHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileHasher").field("compression", &self.compression).finish_non_exhaustive()
    }
}

impl FileHasher {
    /// A hasher for a file whose first bytes showed `compression`; `with_sha512` adds sha512.
    pub fn new(compression: Compression, with_sha512: bool) -> FileHasher {
        FileHasher {
            compression,
            sha256: Hasher::new(Algorithm::Sha256),
            sha512: with_sha512.then(|| Hasher::new(Algorithm::Sha512)),
            content: (compression != Compression::None).then(|| Ok(DiffIdHasher::new())),
        }
    }

    /// Feeds the next bytes. A decompression failure is kept for [`FileHasher::finish`]: the
    /// digests still say whether the file is the blob the metadata names.
    pub fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        if let Some(h) = &mut self.sha512 {
            h.update(chunk);
        }
        if let Some(Ok(h)) = &mut self.content
            && let Err(e) = h.update(chunk)
        {
            self.content = Some(Err(e.to_string()));
        }
    }

    /// The facts.
    pub fn finish(self) -> FileFacts {
        let sha256 = self.sha256.finalize();
        let content = match self.content {
            None => Ok(sha256.clone()),
            Some(h) => h.and_then(|h| h.finish().map(|d| d.digest).map_err(|e| e.to_string())),
        };
        FileFacts {
            sha256,
            sha512: self.sha512.map(Hasher::finalize),
            compression: self.compression,
            content,
        }
    }
}

/// Hashes a stored file (or takes what the index pass computed, when sha256 is enough).
pub async fn file_facts<R: RandomAccess>(
    archive: &Archive<R>,
    stored: &Stored,
    with_sha512: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<FileFacts, ArchiveError> {
    if let (Some(f), false) = (&stored.facts, with_sha512) {
        let content = match (&f.diff_id, f.compression) {
            (_, Compression::None) => Ok(f.sha256.clone()),
            (Some(Ok(d)), _) => Ok(d.digest.clone()),
            (Some(Err(e)), _) => Err(e.to_string()),
            (None, c) => Err(format!("{c} content was not decompressed")),
        };
        return Ok(FileFacts { sha256: f.sha256.clone(), sha512: None, compression: f.compression, content });
    }
    let mut hasher = FileHasher::new(stored.compression, with_sha512);
    let mut offset = 0u64;
    while offset < stored.size {
        let chunk = archive.read_stored(stored, offset, MAX_READ).await?;
        hasher.update(&chunk);
        offset += chunk.len() as u64;
        progress(offset);
    }
    Ok(hasher.finish())
}

/// Whether `facts` prove that `stored` is the blob `expected` names (digest with its
/// algorithm, and size): the proof a source that serves the file's bytes without hashing them
/// again (the browser's `Blob` slices) hands the upload engine.
pub fn proof(stored: &Stored, facts: &FileFacts, expected: &Digest, size: u64) -> Option<Verified> {
    (stored.size == size && facts.digest(expected.algorithm()) == Some(expected))
        .then(|| Verified { digest: expected.clone(), size })
}

fn check_manifest(m: &ArchiveManifest, facts: &Facts) -> ManifestCheck {
    let problems = m
        .misnamed
        .iter()
        .map(|wrong| {
            format!(
                "{}: the layout is corrupt or was edited (fix index.json, or export the image again)",
                wrong.describe()
            )
        })
        .collect();
    let mut blobs = vec![check_config(m, facts)];
    blobs.extend(m.layers.iter().map(|layer| check_layer(layer, facts)));
    ManifestCheck {
        digest: m.document.as_ref().map(|d| d.digest().clone()),
        platform: manifest::title(&m.platform, m.attests.as_ref()),
        problems,
        blobs,
    }
}

fn check_config(m: &ArchiveManifest, facts: &Facts) -> BlobCheck {
    let c = &m.config;
    let mut check = BlobCheck {
        role: BlobRole::Config,
        path: c.path.clone(),
        foreign: false,
        expected_digest: Some(c.descriptor.digest.clone()),
        digest: None,
        size: Some(c.stored.size),
        compression: None,
        expected_diff_id: None,
        diff_id: None,
        status: BlobStatus::Verified,
    };
    check.status = match facts.get(&c.stored.offset) {
        Some(Ok(f)) => {
            check.digest = Some(f.sha256.clone());
            check.compression = Some(f.compression);
            problems([
                digest_problem(&c.descriptor.digest, f),
                size_problem(c.descriptor.size, c.stored.size),
                name_problem(&c.stored.path, &f.sha256),
            ])
        }
        Some(Err(e)) => BlobStatus::Failed(e.clone()),
        None => BlobStatus::Failed("not read".into()),
    };
    check
}

fn check_layer(layer: &ArchiveLayer, facts: &Facts) -> BlobCheck {
    let presence = layer.presence();
    let mut check = BlobCheck {
        role: BlobRole::Layer,
        path: layer.path.clone(),
        foreign: layer.foreign(),
        expected_digest: layer.declared.as_ref().map(|d| d.digest.clone()),
        digest: None,
        size: layer.stored.as_ref().map(|s| s.size),
        compression: layer.stored.as_ref().map(|s| s.compression),
        expected_diff_id: layer.diff_id.clone(),
        diff_id: None,
        status: BlobStatus::Verified,
    };
    let Some(stored) = &layer.stored else {
        check.status = if check.foreign {
            BlobStatus::Absent(
                "not in the archive: a foreign layer, which its publisher serves from its urls; pushing it \
                 needs its blob fetched from them"
                    .into(),
            )
        } else {
            BlobStatus::Failed("the layer file is not in the archive".into())
        };
        return check;
    };
    let f = match facts.get(&stored.offset) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            check.status = BlobStatus::Failed(e.clone());
            return check;
        }
        None => {
            check.status = BlobStatus::Failed("not read".into());
            return check;
        }
    };
    check.digest = Some(f.sha256.clone());
    check.diff_id = f.content.as_ref().ok().cloned();
    let diff_id = match (&f.content, &layer.diff_id) {
        (Err(e), _) => Some(format!("its {} content cannot be decompressed: {e}", f.compression)),
        (Ok(actual), Some(expected)) if actual != expected => Some(format!(
            "its content hashes to {actual}, but the config's diff_id for this layer is {expected}"
        )),
        _ => None,
    };
    let declared = match (&layer.declared, presence) {
        (Some(d), Presence::Present) => {
            digest_problem(&d.digest, f).or_else(|| size_problem(d.size, stored.size))
        }
        _ => None,
    };
    check.status = problems([diff_id, declared, name_problem(&stored.path, &f.sha256)]);
    if check.status == BlobStatus::Verified && presence == Presence::UncompressedOnly {
        let named = layer.declared.as_ref().map(|d| d.digest.to_string()).unwrap_or_default();
        check.status = BlobStatus::Absent(format!(
            "the archive holds this foreign layer's uncompressed tar (it matches the diff_id), not the \
             compressed blob {named} its descriptor names; pushing it needs --fetch-foreign"
        ));
    }
    check
}

/// Every problem found, in one message: a blob that fails two checks says both.
fn problems<const N: usize>(found: [Option<String>; N]) -> BlobStatus {
    let found: Vec<String> = found.into_iter().flatten().collect();
    if found.is_empty() { BlobStatus::Verified } else { BlobStatus::Failed(found.join("; ")) }
}

fn digest_problem(expected: &Digest, facts: &FileFacts) -> Option<String> {
    match facts.digest(expected.algorithm()) {
        Some(actual) if actual == expected => None,
        Some(actual) => Some(format!("its content hashes to {actual}, but the descriptor says {expected}")),
        None => Some(format!("its {} digest was not computed", expected.algorithm())),
    }
}

fn size_problem(expected: u64, actual: u64) -> Option<String> {
    (expected != actual).then(|| format!("it is {actual} bytes, but the descriptor says {expected}"))
}

fn name_problem(path: &str, actual: &Digest) -> Option<String> {
    let named = digest_in_name(path)?;
    (named != *actual).then(|| format!("its file name promises {named}, but its content hashes to {actual}"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

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
}
