//! How the push worker's pushes reach the dropped file ([`ArchiveAccess`]).
//!
//! A plain archive: the files are hashed by the push worker's own hashing workers, in parallel,
//! over `Blob` slices of the file ([`super::hashing`]), and each
//! stored blob is uploaded as slices of that same file ([`SliceSource`]) carrying the proof the
//! hashing gave. No layer byte enters the push worker's wasm memory.
//!
//! A compressed archive: its blobs exist only once decompressed, which needs wasm. The index pass
//! of opening already hashed every file, so verifying reads nothing more; the upload reads
//! through the core's decompressing reader and hashes again on the way (the CLI's way,
//! `waybill_core::archive::access::ThroughArchive`).

use std::cell::RefCell;
use std::rc::Rc;

use waybill_core::archive::Archive;
use waybill_core::archive::access::{ArchiveAccess, StoredBlob};
use waybill_core::archive::archive_source::{ArchiveSource, StoredBytes};
use waybill_core::archive::verify::{self, Facts, FileToHash};
use waybill_core::digest::Verified;
use waybill_core::media::Compression;
use waybill_core::registry::{BlobSource, Error, SourceChunk};
use web_sys::Blob;

use super::compressors::Compressors;
use super::hashing::hash_slices;
use super::protocol::{ArchiveFile, FromPusher};
use crate::browser::chunk::BlobChunk;
use crate::browser::file_source::FileSource;
use crate::browser::pool::WorkerPool;
use crate::browser::slice_source::SliceSource;

/// The push worker's access to the dropped file.
pub struct BrowserAccess {
    /// The file.
    pub file: Blob,
    /// Sends a message to the page.
    pub post: Rc<dyn Fn(&FromPusher)>,
    /// This push worker's hashing workers (they start on the first job), or why there are none.
    pub pool: Result<WorkerPool, String>,
    /// The facts the hashing gave, kept to explain a failed verification.
    pub facts: RefCell<Option<Facts>>,
    /// What compresses layers on the way.
    pub compressors: Rc<Compressors>,
}

/// A stored blob's upload source: slices of the file, or bytes decompressed by the core.
pub enum AccessSource<'s> {
    /// Slices of a plain archive.
    Slices(SliceSource),
    /// Through the core's reader (compressed archives).
    Through(Box<ArchiveSource<StoredBytes<'s, FileSource>, BlobChunk>>),
}

impl BlobSource for AccessSource<'_> {
    type Chunk = BlobChunk;

    fn digest(&self) -> &waybill_core::digest::Digest {
        match self {
            AccessSource::Slices(s) => s.digest(),
            AccessSource::Through(s) => s.digest(),
        }
    }

    fn size(&self) -> Option<u64> {
        match self {
            AccessSource::Slices(s) => s.size(),
            AccessSource::Through(s) => s.size(),
        }
    }

    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<BlobChunk>, Error> {
        match self {
            AccessSource::Slices(s) => s.read(offset, len).await,
            AccessSource::Through(s) => s.read(offset, len).await,
        }
    }

    fn rewind_floor(&self) -> u64 {
        match self {
            AccessSource::Slices(s) => s.rewind_floor(),
            AccessSource::Through(s) => s.rewind_floor(),
        }
    }

    async fn finish(&mut self) -> Result<Verified, Error> {
        match self {
            AccessSource::Slices(s) => s.finish().await,
            AccessSource::Through(s) => s.finish().await,
        }
    }
}

impl ArchiveAccess<FileSource> for BrowserAccess {
    type Chunk = BlobChunk;
    type Compressor = Compressors;
    type Source<'s>
        = AccessSource<'s>
    where
        Self: 's;

    async fn hash(
        &self,
        archive: &Archive<FileSource>,
        files: &[FileToHash],
        progress: &dyn Fn(u64, u64),
    ) -> Result<Facts, String> {
        let facts = if archive.compression() == Compression::None {
            let requests = files
                .iter()
                .map(|f| ArchiveFile {
                    path: f.stored.path.clone(),
                    offset: f.stored.offset,
                    size: f.stored.size,
                })
                .collect();
            (self.post)(&FromPusher::Hashing { files: requests });
            let pool = self.pool.as_ref().map_err(Clone::clone)?;
            hash_slices(pool, &self.file, files, &self.post).await?
        } else {
            verify::hash_files(archive, files, progress).await
        };
        *self.facts.borrow_mut() = Some(facts.clone());
        Ok(facts)
    }

    fn compressor(&self) -> &Compressors {
        &self.compressors
    }

    fn stored<'s>(&'s self, archive: &'s Archive<FileSource>, blob: StoredBlob<'_>) -> AccessSource<'s> {
        if archive.compression() != Compression::None {
            // As ThroughArchive does: hashed again while uploading.
            return AccessSource::Through(Box::new(blob.read_through(archive)));
        }
        let StoredBlob { stored, descriptor, facts } = blob;
        let proof = facts.and_then(|f| verify::proof(stored, f, &descriptor.digest, descriptor.size));
        AccessSource::Slices(SliceSource::new(
            self.file.clone(),
            stored.offset,
            descriptor.digest.clone(),
            descriptor.size,
            proof,
        ))
    }
}
