//! How a push reaches an archive's bytes: how the files are hashed before anything is sent, and
//! what the upload engine reads each stored blob from.
//!
//! The CLI reads both through the archive ([`ThroughArchive`]): positioned reads, hashed in
//! process, and hashed again while uploading. The browser hashes a plain archive's files in its
//! Web Workers, over `Blob` slices of the dropped file, and uploads slices of the same file,
//! so no layer byte is copied into wasm memory; its sources carry the proof that the workers'
//! hashing gave ([`super::verify::proof`]). Everything else — the order of the steps, the
//! policy, the judging of the hashes, the manifest — stays in the push itself
//! (`transfer::push_archive::push_with`, above this module).

use std::marker::PhantomData;

use super::archive_source::{ArchiveSource, StoredBytes};
use super::compress::BlockCompressor;
use super::model::Stored;
use super::open::Archive;
use super::random_access::RandomAccess;
use super::verify::{self, Facts, FileFacts, FileToHash};
use crate::manifest::Descriptor;
use crate::registry::BlobSource;
use crate::transport::ChunkBytes;

/// The hashing and reading a push delegates to its shell.
#[allow(async_fn_in_trait)] // not Send, like every future in the core
pub trait ArchiveAccess<R: RandomAccess> {
    /// The transport's upload handle.
    type Chunk: ChunkBytes;
    /// What compresses layers on the way (the shell's cores or workers).
    type Compressor: BlockCompressor;
    /// What a stored blob is uploaded from.
    type Source<'s>: BlobSource<Chunk = Self::Chunk>
    where
        Self: 's,
        R: 's;

    /// Hashes `files` (every file the image uses). `progress` is told bytes hashed and the
    /// total. An `Err` means the hashing stopped as a whole (cancelled, no worker could run):
    /// nothing is uploaded.
    ///
    /// By default through the archive's own reads, in process ([`verify::hash_files`]); a shell
    /// that hashes elsewhere (the browser's workers) overrides it.
    async fn hash(
        &self,
        archive: &Archive<R>,
        files: &[FileToHash],
        progress: &dyn Fn(u64, u64),
    ) -> Result<Facts, String> {
        Ok(verify::hash_files(archive, files, progress).await)
    }

    /// What compresses layers on the way.
    fn compressor(&self) -> &Self::Compressor;

    /// The source of a stored blob that verification passed.
    fn stored<'s>(&'s self, archive: &'s Archive<R>, blob: StoredBlob<'_>) -> Self::Source<'s>;
}

/// A stored blob that verification passed, as the push uploads it: where its file is, the
/// descriptor it goes up under, and what hashing its file gave.
#[derive(Clone, Copy, Debug)]
pub struct StoredBlob<'a> {
    /// Its file in the archive.
    pub stored: &'a Stored,
    /// What it is uploaded as.
    pub descriptor: &'a Descriptor,
    /// What hashing its file gave, if it was hashed.
    pub facts: Option<&'a FileFacts>,
}

impl StoredBlob<'_> {
    /// The blob read through the archive's own reads, hashed again on its way out.
    pub fn read_through<'s, R: RandomAccess, C: ChunkBytes>(
        &self,
        archive: &'s Archive<R>,
    ) -> ArchiveSource<StoredBytes<'s, R>, C> {
        let bytes = StoredBytes::new(archive, self.stored.clone());
        ArchiveSource::new(bytes, self.descriptor.digest.clone(), self.descriptor.size)
    }
}

/// Hashes and uploads through the archive's own reads: every chunk uploaded is hashed again on
/// its way out, and the upload is finalised only if those bytes match. Layers are compressed by
/// `K`.
#[derive(Debug)]
pub struct ThroughArchive<C, K> {
    compressor: K,
    chunk: PhantomData<C>,
}

impl<C, K> ThroughArchive<C, K> {
    /// The access for chunks of type `C`, compressing with `compressor`.
    pub fn new(compressor: K) -> ThroughArchive<C, K> {
        ThroughArchive { compressor, chunk: PhantomData }
    }
}

impl<R: RandomAccess, C: ChunkBytes, K: BlockCompressor> ArchiveAccess<R> for ThroughArchive<C, K> {
    type Chunk = C;
    type Compressor = K;
    type Source<'s>
        = ArchiveSource<StoredBytes<'s, R>, C>
    where
        Self: 's,
        R: 's;

    fn compressor(&self) -> &K {
        &self.compressor
    }

    fn stored<'s>(&'s self, archive: &'s Archive<R>, blob: StoredBlob<'_>) -> Self::Source<'s> {
        blob.read_through(archive)
    }
}
