//! Hashing one blob file: every digest verifying it takes, in one pass over its bytes.

use super::FileFacts;
use crate::archive::archive_error::ArchiveError;
use crate::archive::model::Stored;
use crate::archive::open::Archive;
use crate::archive::random_access::{MAX_READ, RandomAccess};
use crate::diffid::DiffIdHasher;
use crate::digest::{Algorithm, Hasher};
use crate::media::Compression;

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
