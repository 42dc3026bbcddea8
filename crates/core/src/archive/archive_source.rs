//! Archive blobs as sources for the registry module's upload engine
//! ([`BlobSource`](crate::registry::BlobSource)): a stored file as is, or an uncompressed layer
//! compressed on the fly (when compression is asked for). Like the engine's own
//! [`StreamSource`](crate::registry::StreamSource), each is a [`Windowed`] source — it keeps the
//! last chunks in a rewind window, so that a failed chunk can be resent from the registry's
//! `Range` — and it hashes what it serves: a stored file's upload is finalised only if the bytes
//! sent match the digest in the manifest; a compressed layer's digest is what was sent, and the
//! manifest is written with it afterwards.

use super::compress::{BLOCK, BlockCompressor, Codec, Framing};
use super::model::Stored;
use super::open::Archive;
use super::random_access::{MAX_READ, RandomAccess};
use crate::digest::{Algorithm, Digest, Hasher, Verified, Verifier};
use crate::registry::Error;
use crate::registry::blob_source::{Declared, Fill, Windowed};
use crate::transport::ChunkBytes;

/// Where a blob's bytes come from, in order.
#[allow(async_fn_in_trait)] // not Send, like every future in the core
pub trait Producer {
    /// Appends the next `want` bytes to `out` (fewer only at the end of the blob). `out` is the
    /// chunk buffer the shell handed out ([`ChunkBytes::buffer`]): filled in place, it goes
    /// back to the shell once sent, instead of a fresh allocation per chunk.
    async fn produce(&mut self, want: usize, out: &mut Vec<u8>) -> Result<(), String>;
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
    async fn produce(&mut self, want: usize, out: &mut Vec<u8>) -> Result<(), String> {
        let goal = out.len() + want;
        while out.len() < goal && self.position < self.stored.size {
            let take = (goal - out.len()).min(MAX_READ);
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
        Ok(())
    }
}

/// A stored uncompressed file, compressed block by block ([`super::compress`]) as it is read:
/// the blob is made while it is uploaded, and its digest learned at the end.
pub struct CompressedBytes<'a, R, K> {
    file: StoredBytes<'a, R>,
    compressor: &'a K,
    codec: Codec,
    /// `None` once the stream's last bytes are out.
    framing: Option<Framing>,
    /// Compressed bytes not handed out yet.
    carry: Vec<u8>,
    /// Told how many bytes of the file were read, as they are: a made blob's progress.
    read: &'a dyn Fn(u64),
}

impl<R, K> std::fmt::Debug for CompressedBytes<'_, R, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompressedBytes")
            .field("codec", &self.codec)
            .field("read", &self.file.position)
            .finish()
    }
}

impl<'a, R, K> CompressedBytes<'a, R, K> {
    /// `stored` in `codec`, from the start, its blocks compressed by `compressor`.
    pub fn new(
        archive: &'a Archive<R>,
        stored: Stored,
        codec: Codec,
        compressor: &'a K,
        read: &'a dyn Fn(u64),
    ) -> CompressedBytes<'a, R, K> {
        let (framing, header) = Framing::start(codec);
        CompressedBytes {
            file: StoredBytes::new(archive, stored),
            compressor,
            codec,
            framing: Some(framing),
            carry: header,
            read,
        }
    }
}

impl<R: RandomAccess, K: BlockCompressor> Producer for CompressedBytes<'_, R, K> {
    async fn produce(&mut self, want: usize, out: &mut Vec<u8>) -> Result<(), String> {
        // Straight into `out`; only what overflows it waits in `carry` (a batch at most).
        let goal = out.len() + want;
        let from_carry = want.min(self.carry.len());
        out.extend(self.carry.drain(..from_carry));
        while out.len() < goal && self.framing.is_some() {
            let mut blocks = Vec::with_capacity(self.compressor.batch());
            while blocks.len() < self.compressor.batch().max(1) {
                let mut block = Vec::with_capacity(BLOCK);
                self.file.produce(BLOCK, &mut block).await?;
                if block.is_empty() {
                    break;
                }
                blocks.push(block);
            }
            (self.read)(self.file.position);
            let mut compressed = Vec::new();
            if blocks.is_empty() {
                compressed.extend(self.framing.take().map(Framing::end));
            } else {
                let done = self.compressor.compress(self.codec, blocks).await?;
                if let Some(framing) = self.framing.as_mut() {
                    for block in &done {
                        framing.append(block);
                    }
                }
                compressed.extend(done.into_iter().map(|b| b.bytes));
            }
            for bytes in compressed {
                let fits = (goal - out.len().min(goal)).min(bytes.len());
                out.extend_from_slice(&bytes[..fits]);
                self.carry.extend_from_slice(&bytes[fits..]);
            }
        }
        Ok(())
    }
}

/// A [`BlobSource`](crate::registry::BlobSource) over a [`Producer`]: the chunks kept for a
/// resume, hashed as served.
pub type ArchiveSource<P, C> = Windowed<Produced<P>, C>;

/// The fresh bytes of an [`ArchiveSource`]: a [`Producer`]'s, hashed as they are handed out.
#[derive(Debug)]
pub struct Produced<P> {
    producer: P,
    /// `None` once proven.
    proof: Option<Proof>,
    /// Where each chunk's buffer comes from: the transport chunk type's [`ChunkBytes::buffer`].
    buffer: fn(usize) -> Vec<u8>,
}

/// How an [`ArchiveSource`] proves its bytes.
#[derive(Debug)]
enum Proof {
    /// A stored blob: the bytes must hash to the manifest's digest and size.
    Expected(Verifier),
    /// A blob made on the way (a compressed layer): its digest is what the bytes hash to.
    Learned(Hasher, u64),
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
        let proof = Some(Proof::Expected(Verifier::new(digest.clone(), Some(size))));
        Windowed::with_fill(Produced { producer, proof, buffer: C::buffer }, digest, Some(size))
    }

    /// A blob made while it is read (a layer compressed on the way): its size and digest are
    /// learned at the end. `made_from` names it in errors until then.
    pub fn made(producer: P, made_from: Digest) -> ArchiveSource<P, C> {
        let proof = Some(Proof::Learned(Hasher::new(Algorithm::Sha256), 0));
        Windowed::with_fill(Produced { producer, proof, buffer: C::buffer }, made_from, None)
    }
}

fn fail(digest: &Digest, message: String) -> Error {
    Error::Source { digest: digest.clone(), message }
}

impl<P: Producer> Fill for Produced<P> {
    async fn fill(&mut self, blob: Declared<'_>, offset: u64, want: usize) -> Result<Vec<u8>, Error> {
        let (digest, size) = (blob.digest, blob.size);
        let mut bytes = (self.buffer)(want);
        self.producer.produce(want, &mut bytes).await.map_err(|m| fail(digest, m))?;
        match self.proof.as_mut() {
            Some(Proof::Expected(verifier)) => {
                if bytes.len() < want {
                    return Err(fail(
                        digest,
                        format!(
                            "the archive gave {} bytes where {want} were expected (byte {offset} of {}): did \
                             the file change since it was verified?",
                            bytes.len(),
                            size.unwrap_or_default(),
                        ),
                    ));
                }
                verifier.update(&bytes)?;
            }
            // Fewer bytes than asked for: the made blob's end.
            Some(Proof::Learned(hasher, len)) => {
                hasher.update(&bytes);
                *len += bytes.len() as u64;
            }
            None => return Err(fail(digest, "read after it was finished".into())),
        }
        Ok(bytes)
    }

    fn cannot_seek(&self, offset: u64, floor: u64, position: u64) -> String {
        format!(
            "the upload asked for byte {offset}, but only bytes {floor}..{position} are held; run the push again"
        )
    }

    async fn prove(&mut self, blob: Declared<'_>) -> Result<Verified, Error> {
        let (digest, size) = (blob.digest, blob.size);
        // Anything more from the producer is past the end.
        let mut extra = Vec::new();
        self.producer.produce(1, &mut extra).await.map_err(|m| fail(digest, m))?;
        if !extra.is_empty() {
            return Err(fail(
                digest,
                format!(
                    "the blob is longer than the {} bytes the manifest declares: did the archive change since \
                     it was verified?",
                    size.unwrap_or_default()
                ),
            ));
        }
        match self.proof.take() {
            Some(Proof::Expected(verifier)) => Ok(verifier.finish()?),
            Some(Proof::Learned(hasher, size)) => Ok(Verified { digest: hasher.finalize(), size }),
            None => Err(fail(digest, "finished twice".into())),
        }
    }
}
