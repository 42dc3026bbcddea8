//! Archive blobs as [`BlobSource`]s for the registry module's upload engine: a stored file as is,
//! or an uncompressed layer gzip'd on the fly (`--compress gzip`). Like the engine's own
//! [`StreamSource`](crate::registry::StreamSource), each keeps chunks in a rewind window — here
//! exactly one, the one being uploaded — so that a failed chunk can be resent from the registry's
//! `Range`, and hashes what it serves, so the upload is finalised only if the bytes sent match the
//! digest in the manifest.

use super::gzip::{DeterministicGzip, PIECE};
use super::model::Stored;
use super::open::Archive;
use super::source::{MAX_READ, RandomAccess};
use crate::digest::{Digest, Verified, Verifier};
use crate::registry::rewind::{Next, RewindWindow};
use crate::registry::{BlobSource, ChunkBytes, Error, SourceChunk};

/// Chunks an [`ArchiveSource`] keeps for resending: the one on the wire and the one the upload
/// reads ahead while it is sent (as `StreamSource` does). With one, a chunk whose connection
/// broke was already gone when the upload resumed from the registry's `Range`. A registry that
/// lost more than that makes the push fail, saying to run it again (docs/archives.md).
const KEPT_CHUNKS: usize = 2;

/// Where a blob's bytes come from, in order.
#[allow(async_fn_in_trait)] // not Send, like every future in the core
pub trait Producer {
    /// The next `want` bytes (fewer only at the end of the blob).
    async fn produce(&mut self, want: usize) -> Result<Vec<u8>, String>;
}

/// A stored file's bytes.
#[derive(Debug)]
pub struct StoredBytes<'a, R> {
    archive: &'a Archive<R>,
    stored: Stored,
    position: u64,
}

impl<'a, R> StoredBytes<'a, R> {
    /// The bytes of `stored`, from the start.
    pub fn new(archive: &'a Archive<R>, stored: Stored) -> StoredBytes<'a, R> {
        StoredBytes { archive, stored, position: 0 }
    }
}

impl<R: RandomAccess> Producer for StoredBytes<'_, R> {
    async fn produce(&mut self, want: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        while out.len() < want && self.position < self.stored.size {
            let take = (want - out.len()).min(MAX_READ);
            let chunk = self
                .archive
                .read_stored(&self.stored, self.position, take)
                .await
                .map_err(|e| e.to_string())?;
            if chunk.is_empty() {
                break;
            }
            self.position += chunk.len() as u64;
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

/// A stored uncompressed file, gzip'd deterministically as it is read.
#[derive(Debug)]
pub struct GzippedBytes<'a, R> {
    file: StoredBytes<'a, R>,
    encoder: Option<DeterministicGzip>,
    carry: Vec<u8>,
}

impl<'a, R> GzippedBytes<'a, R> {
    /// The gzip of `stored`, from the start.
    pub fn new(archive: &'a Archive<R>, stored: Stored) -> GzippedBytes<'a, R> {
        GzippedBytes {
            file: StoredBytes::new(archive, stored),
            encoder: Some(DeterministicGzip::new()),
            carry: Vec::new(),
        }
    }
}

impl<R: RandomAccess> Producer for GzippedBytes<'_, R> {
    async fn produce(&mut self, want: usize) -> Result<Vec<u8>, String> {
        while self.carry.len() < want {
            let Some(encoder) = self.encoder.as_mut() else { break };
            let input = self.file.produce(PIECE).await?;
            if input.is_empty() {
                if let Some(encoder) = self.encoder.take() {
                    self.carry.extend(encoder.finish());
                }
            } else {
                self.carry.extend(encoder.update(&input));
            }
        }
        let rest = self.carry.split_off(want.min(self.carry.len()));
        Ok(std::mem::replace(&mut self.carry, rest))
    }
}

/// A [`BlobSource`] over a [`Producer`]: one buffered chunk, hashed as served.
pub struct ArchiveSource<P, C> {
    producer: P,
    digest: Digest,
    size: u64,
    verifier: Option<Verifier>,
    window: RewindWindow<C>,
}

impl<P, C> std::fmt::Debug for ArchiveSource<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveSource")
            .field("digest", &self.digest)
            .field("position", &self.window.position())
            .finish()
    }
}

impl<P: Producer, C: ChunkBytes> ArchiveSource<P, C> {
    /// A source of `size` bytes that must hash to `digest`.
    pub fn new(producer: P, digest: Digest, size: u64) -> ArchiveSource<P, C> {
        let verifier = Some(Verifier::new(digest.clone(), Some(size)));
        ArchiveSource { producer, digest, size, verifier, window: RewindWindow::new(KEPT_CHUNKS) }
    }

    fn fail(&self, message: String) -> Error {
        Error::Source { digest: self.digest.clone(), message }
    }

    fn cannot_seek(&self, offset: u64) -> Error {
        self.fail(format!(
            "the upload asked for byte {offset}, but only bytes {}..{} are held; run the push again",
            self.rewind_floor(),
            self.window.position()
        ))
    }
}

impl<P: Producer, C: ChunkBytes> BlobSource for ArchiveSource<P, C> {
    type Chunk = C;

    fn digest(&self) -> &Digest {
        &self.digest
    }

    fn size(&self) -> u64 {
        self.size
    }

    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<C>, Error> {
        let want = match self.window.next(offset, len, self.size) {
            Some(Next::Held(chunk)) => return Ok(chunk),
            Some(Next::Fresh(want)) => want,
            None => return Err(self.cannot_seek(offset)),
        };
        let bytes = self.producer.produce(want).await.map_err(|m| self.fail(m))?;
        if bytes.len() < want {
            return Err(self.fail(format!(
                "the archive gave {} bytes where {} were expected (byte {offset} of {}): did the file change \
                 since it was verified?",
                bytes.len(),
                want,
                self.size
            )));
        }
        if let Some(verifier) = self.verifier.as_mut() {
            verifier.update(&bytes)?;
        }
        Ok(self.window.keep(bytes))
    }

    fn rewind_floor(&self) -> u64 {
        self.window.floor()
    }

    async fn finish(&mut self) -> Result<Verified, Error> {
        let position = self.window.position();
        if position < self.size {
            return Err(self.fail(format!("finished after {position} of {} bytes were read", self.size)));
        }
        // Anything more from the producer is past the declared size.
        let extra = self.producer.produce(1).await.map_err(|m| self.fail(m))?;
        let verifier = self.verifier.take().ok_or_else(|| self.fail("finished twice".into()))?;
        if !extra.is_empty() {
            return Err(self.fail(format!(
                "the blob is longer than the {} bytes the manifest declares: did the archive change since it \
                 was verified?",
                self.size
            )));
        }
        self.window.clear();
        Ok(verifier.finish()?)
    }
}
