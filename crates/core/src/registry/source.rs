//! Where an upload's bytes come from.
//!
//! The uploader asks a [`BlobSource`] for byte ranges and gets back the transport's own upload
//! handle (`Transport::Chunk`): natively `bytes::Bytes`; in the browser a `Blob` slice that fetch
//! sends without the bytes ever entering wasm memory (that source was hashed beforehand, in a
//! Web Worker, and carries its proof). A source also *proves* what it served: the uploader asks
//! it for the verification result before it finalises the upload (Pulp stores whatever it is
//! sent under whatever digest it is told, so this check is the only guard).
//!
//! [`StreamSource`] is the source for copies: it reads a blob download, hashing as it goes, and
//! buffers exactly one chunk — the one being uploaded — so that a failed chunk can be resent
//! from the registry's `Range` without reading the blob again.

use super::errors::Error;
use super::pull::BlobStream;
use crate::digest::{Digest, Verified};
use crate::transport::ResponseBody;

/// A transport chunk type the core can build from bytes it holds and cut again on a resume.
pub trait ChunkBytes: Clone {
    /// Wraps bytes (natively without copying them).
    fn from_vec(bytes: Vec<u8>) -> Self;
    /// The part from `start` to the end (cheap: a view, not a copy, where the type allows).
    fn tail(&self, start: usize) -> Self;
}

/// One piece of a blob, ready to send.
#[derive(Clone, Debug)]
pub struct SourceChunk<C> {
    /// The transport's handle for the bytes.
    pub data: C,
    /// How many bytes it holds.
    pub len: u64,
}

/// A blob's bytes, served by range for an upload.
#[allow(async_fn_in_trait)] // not Send on purpose, like the transport
pub trait BlobSource {
    /// The transport's upload handle.
    type Chunk;

    /// The blob's digest (what the upload is finalised with).
    fn digest(&self) -> &Digest;

    /// The blob's size in bytes.
    fn size(&self) -> u64;

    /// Up to `len` bytes at `offset`. Reads move forward through the blob; after a failed chunk
    /// the uploader may go back, but never before [`BlobSource::rewind_floor`]. A read at the
    /// current end returns `len` bytes (fewer only at the end of the blob); a read going back
    /// into a buffered chunk may return fewer.
    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<Self::Chunk>, Error>;

    /// The earliest offset [`BlobSource::read`] can still serve.
    fn rewind_floor(&self) -> u64;

    /// Once every byte has been read: proof that they match the digest and size. An error here
    /// means the upload must not be finalised.
    async fn finish(&mut self) -> Result<Verified, Error>;
}

/// A blob download feeding an upload (registry to registry), one buffered chunk at a time.
pub struct StreamSource<B, C> {
    stream: BlobStream<B>,
    digest: Digest,
    size: u64,
    /// Bytes received past the end of the last chunk handed out (a network read rarely ends
    /// on a chunk boundary).
    carry: Vec<u8>,
    /// The last chunk handed out and its offset: what a resume can resend.
    buffered: Option<(u64, SourceChunk<C>)>,
    /// Offset of the next byte not yet handed out.
    position: u64,
}

impl<B: ResponseBody, C: ChunkBytes> StreamSource<B, C> {
    /// A source over a blob download of `size` bytes.
    pub fn new(stream: BlobStream<B>, digest: Digest, size: u64) -> StreamSource<B, C> {
        StreamSource { stream, digest, size, carry: Vec::new(), buffered: None, position: 0 }
    }

    fn cannot_seek(&self, offset: u64) -> Error {
        Error::Source {
            digest: self.digest.clone(),
            message: format!(
                "a streamed copy cannot go back to byte {offset} (it holds bytes {}..{} only); run the copy again",
                self.rewind_floor(),
                self.position
            ),
        }
    }
}

impl<B: ResponseBody, C: ChunkBytes> BlobSource for StreamSource<B, C> {
    type Chunk = C;

    fn digest(&self) -> &Digest {
        &self.digest
    }

    fn size(&self) -> u64 {
        self.size
    }

    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<C>, Error> {
        if offset < self.position {
            let Some((start, chunk)) = &self.buffered else { return Err(self.cannot_seek(offset)) };
            if offset < *start {
                return Err(self.cannot_seek(offset));
            }
            let skip = usize::try_from(offset - start).map_err(|_| self.cannot_seek(offset))?;
            return Ok(SourceChunk { data: chunk.data.tail(skip), len: chunk.len - (offset - start) });
        }
        if offset > self.position {
            return Err(self.cannot_seek(offset));
        }
        let want = usize::try_from(len.min(self.size - offset)).map_err(|_| self.cannot_seek(offset))?;
        // Drop the previous chunk before filling the next, so only one is ever held.
        self.buffered = None;
        let mut bytes = std::mem::take(&mut self.carry);
        while bytes.len() < want {
            match self.stream.next().await? {
                Some(chunk) => bytes.extend_from_slice(&chunk),
                None => break,
            }
        }
        if bytes.len() > want {
            self.carry = bytes.split_off(want);
        }
        if bytes.len() < want {
            return Err(Error::Source {
                digest: self.digest.clone(),
                message: format!(
                    "the download ended after {} of {} bytes",
                    offset + bytes.len() as u64,
                    self.size
                ),
            });
        }
        let chunk = SourceChunk { len: bytes.len() as u64, data: C::from_vec(bytes) };
        self.buffered = Some((offset, chunk.clone()));
        self.position = offset + chunk.len;
        Ok(chunk)
    }

    fn rewind_floor(&self) -> u64 {
        self.buffered.as_ref().map_or(self.position, |(start, _)| *start)
    }

    async fn finish(&mut self) -> Result<Verified, Error> {
        if self.position < self.size {
            return Err(Error::Source {
                digest: self.digest.clone(),
                message: format!("finished after {} of {} bytes were read", self.position, self.size),
            });
        }
        // Anything still arriving is past the declared size: the verifier reports the overrun.
        while self.stream.next().await?.is_some() {}
        self.buffered = None;
        self.stream.verified().cloned().ok_or_else(|| Error::Source {
            digest: self.digest.clone(),
            message: "the download ended without being verified".into(),
        })
    }
}
