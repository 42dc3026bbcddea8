//! Archive blobs as sources for the registry module's upload engine
//! ([`BlobSource`](crate::registry::BlobSource)): a stored file as is, or an uncompressed layer
//! gzip'd on the fly (when compression is asked for). Like the engine's own
//! [`StreamSource`](crate::registry::StreamSource), each is a [`Windowed`] source — it keeps the
//! last chunks in a rewind window, so that a failed chunk can be resent from the registry's
//! `Range` — and it hashes what it serves, so the upload is finalised only if the bytes sent match
//! the digest in the manifest.

use super::gzip::{DeterministicGzip, PIECE};
use super::model::Stored;
use super::open::Archive;
use super::source::{MAX_READ, RandomAccess};
use crate::digest::{Digest, Verified, Verifier};
use crate::registry::source::{Fill, Windowed};
use crate::registry::{ChunkBytes, Error};

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

/// A [`BlobSource`](crate::registry::BlobSource) over a [`Producer`]: the chunks kept for a
/// resume, hashed as served.
pub type ArchiveSource<P, C> = Windowed<Produced<P>, C>;

/// The fresh bytes of an [`ArchiveSource`]: a [`Producer`]'s, hashed as they are handed out.
#[derive(Debug)]
pub struct Produced<P> {
    producer: P,
    verifier: Option<Verifier>,
}

impl<P, C> std::fmt::Debug for Windowed<Produced<P>, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (digest, position) = self.progress();
        f.debug_struct("ArchiveSource").field("digest", digest).field("position", &position).finish()
    }
}

impl<P: Producer, C: ChunkBytes> Windowed<Produced<P>, C> {
    /// A source of `size` bytes that must hash to `digest`.
    pub fn new(producer: P, digest: Digest, size: u64) -> ArchiveSource<P, C> {
        let verifier = Some(Verifier::new(digest.clone(), Some(size)));
        Windowed::with_fill(Produced { producer, verifier }, digest, size)
    }
}

fn fail(digest: &Digest, message: String) -> Error {
    Error::Source { digest: digest.clone(), message }
}

impl<P: Producer> Fill for Produced<P> {
    async fn fill(&mut self, digest: &Digest, offset: u64, want: usize, size: u64) -> Result<Vec<u8>, Error> {
        let bytes = self.producer.produce(want).await.map_err(|m| fail(digest, m))?;
        if bytes.len() < want {
            return Err(fail(
                digest,
                format!(
                    "the archive gave {} bytes where {want} were expected (byte {offset} of {size}): did the \
                     file change since it was verified?",
                    bytes.len(),
                ),
            ));
        }
        if let Some(verifier) = self.verifier.as_mut() {
            verifier.update(&bytes)?;
        }
        Ok(bytes)
    }

    fn cannot_seek(&self, offset: u64, floor: u64, position: u64) -> String {
        format!(
            "the upload asked for byte {offset}, but only bytes {floor}..{position} are held; run the push again"
        )
    }

    async fn prove(&mut self, digest: &Digest, size: u64) -> Result<Verified, Error> {
        // Anything more from the producer is past the declared size.
        let extra = self.producer.produce(1).await.map_err(|m| fail(digest, m))?;
        let verifier = self.verifier.take().ok_or_else(|| fail(digest, "finished twice".into()))?;
        if !extra.is_empty() {
            return Err(fail(
                digest,
                format!(
                    "the blob is longer than the {size} bytes the manifest declares: did the archive change \
                     since it was verified?"
                ),
            ));
        }
        Ok(verifier.finish()?)
    }
}
