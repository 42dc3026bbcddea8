//! Verifying an archive: every blob file an image uses is read once — in archive order, so a
//! compressed archive costs no extra pass — hashed, and checked against what the metadata says:
//! the descriptor's digest and size (OCI layouts, `LayerSources`), the digest its file name
//! promises (`blobs/sha256/<hex>`, `<hex>.tar`), and for layers the config's `rootfs.diff_ids`
//! (decompressing gzip and zstd layers as they stream by).

mod archive_verdict;
mod checks;
mod file_hasher;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use archive_verdict::{BlobCheck, BlobStatus, FileFacts, ImageVerification, ManifestCheck};
use checks::check_manifest;
pub use checks::proof;
pub use file_hasher::{FileHasher, file_facts};

use super::archive_error::ArchiveError;
use super::model::{ArchiveImage, Stored};
use super::open::Archive;
use super::random_access::RandomAccess;
use crate::digest::{Algorithm, Digest};

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
