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
use crate::registry::{BlobSource, ChunkBytes};

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

    /// The source of a stored blob that verification passed, given what hashing its file gave.
    fn stored<'s>(
        &'s self,
        archive: &'s Archive<R>,
        stored: &Stored,
        descriptor: &Descriptor,
        facts: Option<&FileFacts>,
    ) -> Self::Source<'s>;
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

    fn stored<'s>(
        &'s self,
        archive: &'s Archive<R>,
        stored: &Stored,
        descriptor: &Descriptor,
        _facts: Option<&FileFacts>,
    ) -> Self::Source<'s> {
        ArchiveSource::new(
            StoredBytes::new(archive, stored.clone()),
            descriptor.digest.clone(),
            descriptor.size,
        )
    }
}

/// Another access whose hashing was already done: the files of several images verified in one
/// pass before any is pushed (`transfer::load_archive`), each push then judged on those facts instead
/// of reading its files again.
#[derive(Debug)]
pub struct Prehashed<'a, A> {
    /// The access that reads and uploads.
    pub inner: &'a A,
    /// What hashing every file gave.
    pub facts: Facts,
}

impl<R: RandomAccess, A: ArchiveAccess<R>> ArchiveAccess<R> for Prehashed<'_, A> {
    type Chunk = A::Chunk;
    type Compressor = A::Compressor;
    type Source<'s>
        = A::Source<'s>
    where
        Self: 's,
        R: 's;

    async fn hash(
        &self,
        _archive: &Archive<R>,
        files: &[FileToHash],
        _progress: &dyn Fn(u64, u64),
    ) -> Result<Facts, String> {
        let facts = files
            .iter()
            .map(|f| {
                let fact = self.facts.get(&f.stored.offset).cloned();
                (f.stored.offset, fact.unwrap_or_else(|| Err(format!("{} was not hashed", f.stored.path))))
            })
            .collect();
        Ok(facts)
    }

    fn compressor(&self) -> &A::Compressor {
        self.inner.compressor()
    }

    fn stored<'s>(
        &'s self,
        archive: &'s Archive<R>,
        stored: &Stored,
        descriptor: &Descriptor,
        facts: Option<&FileFacts>,
    ) -> A::Source<'s> {
        self.inner.stored(archive, stored, descriptor, facts)
    }
}
