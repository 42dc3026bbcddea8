//! Verifying an archive: every blob file an image uses is read once — in archive order, so a
//! compressed archive costs no extra pass — hashed, and checked against what the metadata says:
//! the descriptor's digest and size (OCI layouts, `LayerSources`), the digest its file name
//! promises (`blobs/sha256/<hex>`, `<hex>.tar`), and for layers the config's `rootfs.diff_ids`
//! (decompressing gzip and zstd layers as they stream by).

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::ArchiveError;
use super::files::digest_in_name;
use super::model::{ArchiveImage, ArchiveLayer, ArchiveManifest, Presence, Stored};
use super::open::Archive;
use super::source::{MAX_READ, RandomAccess};
use crate::diffid::DiffIdHasher;
use crate::digest::{Algorithm, Digest, Hasher};
use crate::media::Compression;
use crate::policy::BlobRole;

/// What reading a blob file gave.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

/// Verifies the given images. `progress` is told bytes read so far and the total to read.
pub async fn verify<'a, R: RandomAccess>(
    archive: &Archive<R>,
    images: &[&'a ArchiveImage],
    progress: &dyn Fn(u64, u64),
) -> Result<Vec<ImageVerification>, ArchiveError> {
    // Each file once, with sha512 as well when some descriptor names it so.
    let mut files: BTreeMap<u64, (&Stored, bool)> = BTreeMap::new();
    let mut add = |stored: &'a Stored, declared: Option<&Digest>| {
        let sha512 = declared.is_some_and(|d| d.algorithm() == Algorithm::Sha512);
        files.entry(stored.offset).or_insert((stored, false)).1 |= sha512;
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
    let rereads = |(stored, sha512): &(&Stored, bool)| stored.facts.is_none() || *sha512;
    let total = files.values().filter(|f| rereads(f)).map(|(s, _)| s.size).sum();
    let mut done = 0;
    let mut facts: BTreeMap<u64, Result<FileFacts, String>> = BTreeMap::new();
    // In offset order: on a compressed archive, one forward pass (or none, when the index pass
    // already hashed every body).
    for (offset, file) in files {
        let (stored, sha512) = file;
        let result = match file_facts(archive, stored, sha512, &mut |n| progress(done + n, total)).await {
            Ok(f) => Ok(f),
            Err(ArchiveError::Read { offset, source }) => {
                Err(format!("reading at tar byte {offset}: {source}"))
            }
            Err(other) => Err(other.to_string()),
        };
        if rereads(&file) {
            done += stored.size;
        }
        facts.insert(offset, result);
    }
    Ok(images
        .iter()
        .map(|image| ImageVerification {
            image: image.label(),
            manifests: image.manifests.iter().map(|m| check_manifest(m, &facts)).collect(),
        })
        .collect())
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
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut hasher512 = with_sha512.then(|| Hasher::new(Algorithm::Sha512));
    let mut inner = (stored.compression != Compression::None).then(|| Ok(DiffIdHasher::new()));
    let mut offset = 0u64;
    while offset < stored.size {
        let chunk = archive.read_stored(stored, offset, MAX_READ).await?;
        hasher.update(&chunk);
        if let Some(h) = &mut hasher512 {
            h.update(&chunk);
        }
        if let Some(Ok(h)) = &mut inner
            && let Err(e) = h.update(&chunk)
        {
            inner = Some(Err(e));
        }
        offset += chunk.len() as u64;
        progress(offset);
    }
    let sha256 = hasher.finalize();
    let content = match inner {
        None => Ok(sha256.clone()),
        Some(h) => h.and_then(DiffIdHasher::finish).map(|d| d.digest).map_err(|e| e.to_string()),
    };
    Ok(FileFacts {
        sha256,
        sha512: hasher512.map(Hasher::finalize),
        compression: stored.compression,
        content,
    })
}

fn check_manifest(m: &ArchiveManifest, facts: &BTreeMap<u64, Result<FileFacts, String>>) -> ManifestCheck {
    let mut problems = Vec::new();
    if let (Some(document), Some(named)) = (&m.document, &m.digest_mismatch) {
        problems.push(format!(
            "the index names this manifest {named}, but its bytes hash to {}: the layout is corrupt or was \
             edited (fix index.json, or export the image again)",
            document.digest()
        ));
    }
    let mut blobs = vec![check_config(m, facts)];
    blobs.extend(m.layers.iter().map(|layer| check_layer(layer, facts)));
    ManifestCheck {
        digest: m.document.as_ref().map(|d| d.digest().clone()),
        platform: m.platform.to_string(),
        problems,
        blobs,
    }
}

fn check_config(m: &ArchiveManifest, facts: &BTreeMap<u64, Result<FileFacts, String>>) -> BlobCheck {
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

fn check_layer(layer: &ArchiveLayer, facts: &BTreeMap<u64, Result<FileFacts, String>>) -> BlobCheck {
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
                 needs --fetch-foreign"
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
