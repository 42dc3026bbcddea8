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
//! keeps the last two chunks it handed out — the one on the wire and the one read ahead while
//! it is sent — in a [`RewindWindow`], so that a failed chunk can be resent from the registry's
//! `Range` without reading the blob again. Memory stays at two chunks per blob, whatever the
//! blob's size. That window, and the checks around it, are [`Windowed`]'s, written once for
//! every source read front to back (the archive's `ArchiveSource` too): each such source only
//! says, as a [`Fill`], where its fresh bytes come from and how they are proven.

use super::chunk::SourceChunk;
use super::errors::Error;
use super::pull::BlobStream;
use super::rewind::{Next, RewindWindow};
use crate::digest::{Digest, Verified};
use crate::transport::ChunkBytes;
use crate::transport::ResponseBody;

/// A blob's bytes, served by range for an upload.
#[allow(async_fn_in_trait)] // not Send on purpose, like the transport
pub trait BlobSource {
    /// The transport's upload handle.
    type Chunk;

    /// The blob's digest; for a blob made while it is read (a layer compressed on the way),
    /// the digest of what it is made from, which errors name. The upload is finalised with the
    /// digest [`BlobSource::finish`] proves.
    fn digest(&self) -> &Digest;

    /// The blob's size in bytes; `None` for a blob made while it is read, which ends when a
    /// read at its end returns no bytes.
    fn size(&self) -> Option<u64>;

    /// Up to `len` bytes at `offset`. Reads move forward through the blob; after a failed chunk
    /// the uploader may go back, but never before [`BlobSource::rewind_floor`]. A read at the
    /// current end returns `len` bytes (fewer only at the end of the blob); a read going back
    /// into a buffered chunk may return fewer.
    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<Self::Chunk>, Error>;

    /// The earliest offset [`BlobSource::read`] can still serve.
    fn rewind_floor(&self) -> u64;

    /// Once every byte has been read: proof that they match the digest and size (for a made
    /// blob: what they are). An error here means the upload must not be finalised.
    async fn finish(&mut self) -> Result<Verified, Error>;
}

/// How many chunks a [`Windowed`] source keeps for resending: the one on the wire and the one
/// the upload reads ahead while it is sent. With one, a chunk whose connection broke was already
/// gone when the upload resumed from the registry's `Range`. A registry that lost more than that
/// makes the transfer fail, saying to run it again (docs/archives.md).
const KEPT_CHUNKS: usize = 2;

/// Where a [`Windowed`] source's fresh bytes come from, and how it words what goes wrong: the
/// part that differs between a download ([`StreamSource`]) and an archive's file
/// (the archive module's `ArchiveSource`, above this one).
#[allow(async_fn_in_trait)] // not Send, like every future in the core
pub trait Fill {
    /// Exactly the next `want` bytes of `blob`, which start at `offset`; an error when fewer
    /// came. Of a blob of unknown size, fewer means its end.
    async fn fill(&mut self, blob: Declared<'_>, offset: u64, want: usize) -> Result<Vec<u8>, Error>;

    /// What to say when the upload asks for `offset`, but only `floor..position` are held.
    fn cannot_seek(&self, offset: u64, floor: u64, position: u64) -> String;

    /// Once every byte was handed out: the proof that they are `blob` (anything still coming is
    /// past the declared size, which the proof refuses).
    async fn prove(&mut self, blob: Declared<'_>) -> Result<Verified, Error>;
}

/// The blob a [`Fill`] serves, as the upload must find it: its digest (of a blob made on the way,
/// what it is made from) and its size (unknown for a made blob).
#[derive(Clone, Copy, Debug)]
pub struct Declared<'a> {
    /// The digest the bytes must have.
    pub digest: &'a Digest,
    /// How many bytes there must be, when known.
    pub size: Option<u64>,
}

/// A [`BlobSource`] read once, front to back, through a rewind window: what every streaming
/// source shares (the chunks kept for a resume, the checks on the offsets asked for), around the
/// [`Fill`] that differs.
pub struct Windowed<F, C> {
    fill: F,
    digest: Digest,
    size: Option<u64>,
    /// The last chunks handed out: what a resume can resend.
    window: RewindWindow<C>,
}

impl<F, C> Windowed<F, C> {
    /// A source of `size` bytes (unknown: made on the way) that must be the blob `digest`, its
    /// fresh bytes from `fill`.
    pub(crate) fn with_fill(fill: F, digest: Digest, size: Option<u64>) -> Windowed<F, C> {
        Windowed { fill, digest, size, window: RewindWindow::new(KEPT_CHUNKS) }
    }

    /// The blob, and the offset of the next byte not yet handed out: what a source's own `Debug`
    /// shows.
    pub(crate) fn progress(&self) -> (&Digest, u64) {
        (&self.digest, self.window.position())
    }
}

impl<F: Fill, C: ChunkBytes> BlobSource for Windowed<F, C> {
    type Chunk = C;

    fn digest(&self) -> &Digest {
        &self.digest
    }

    fn size(&self) -> Option<u64> {
        self.size
    }

    async fn read(&mut self, offset: u64, len: u64) -> Result<SourceChunk<C>, Error> {
        let want = match self.window.next(offset, len, self.size) {
            Some(Next::Held(chunk)) => return Ok(chunk),
            Some(Next::Fresh(want)) => want,
            None => {
                let message = self.fill.cannot_seek(offset, self.rewind_floor(), self.window.position());
                return Err(Error::Source { digest: self.digest.clone(), message });
            }
        };
        let blob = Declared { digest: &self.digest, size: self.size };
        let bytes = self.fill.fill(blob, offset, want).await?;
        Ok(self.window.keep(bytes))
    }

    fn rewind_floor(&self) -> u64 {
        self.window.floor()
    }

    async fn finish(&mut self) -> Result<Verified, Error> {
        let position = self.window.position();
        if let Some(size) = self.size.filter(|size| position < *size) {
            return Err(Error::Source {
                digest: self.digest.clone(),
                message: format!("finished after {position} of {size} bytes were read"),
            });
        }
        let proof = self.fill.prove(Declared { digest: &self.digest, size: self.size }).await;
        self.window.clear();
        proof
    }
}

/// A blob download feeding an upload (registry to registry), a chunk at a time.
pub type StreamSource<B, C> = Windowed<Download<B>, C>;

/// The fresh bytes of a [`StreamSource`]: a blob download, verified by the stream as it arrives.
pub struct Download<B> {
    stream: BlobStream<B>,
    /// Bytes received past the end of the last chunk handed out (a network read rarely ends
    /// on a chunk boundary).
    carry: Vec<u8>,
    /// Where each chunk's buffer comes from: the transport chunk type's [`ChunkBytes::buffer`].
    buffer: fn(usize) -> Vec<u8>,
}

impl<B: ResponseBody, C: ChunkBytes> Windowed<Download<B>, C> {
    /// A source over a blob download of `size` bytes.
    pub fn new(stream: BlobStream<B>, digest: Digest, size: u64) -> StreamSource<B, C> {
        Windowed::with_fill(Download { stream, carry: Vec::new(), buffer: C::buffer }, digest, Some(size))
    }
}

impl<B: ResponseBody> Fill for Download<B> {
    async fn fill(&mut self, blob: Declared<'_>, offset: u64, want: usize) -> Result<Vec<u8>, Error> {
        let mut bytes = (self.buffer)(want.max(self.carry.len()));
        bytes.append(&mut self.carry);
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
                digest: blob.digest.clone(),
                message: format!(
                    "the download ended after {} of {} bytes",
                    offset + bytes.len() as u64,
                    blob.size.unwrap_or_default()
                ),
            });
        }
        Ok(bytes)
    }

    fn cannot_seek(&self, offset: u64, floor: u64, position: u64) -> String {
        format!(
            "a streamed copy cannot go back to byte {offset} (it holds bytes {floor}..{position} only); run the \
             copy again"
        )
    }

    async fn prove(&mut self, blob: Declared<'_>) -> Result<Verified, Error> {
        // Anything still arriving is past the declared size: the verifier reports the overrun.
        while self.stream.next().await?.is_some() {}
        self.stream.verified().cloned().ok_or_else(|| Error::Source {
            digest: blob.digest.clone(),
            message: "the download ended without being verified".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use url::Url;

    use super::*;
    use crate::transport::TransportError;

    /// Bytes in memory, handed out in fixed pieces: always ready, so one poll finishes.
    struct Pieces(Vec<Vec<u8>>);

    impl ResponseBody for Pieces {
        async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
            Ok((!self.0.is_empty()).then(|| self.0.remove(0)))
        }
    }

    fn ready<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("an in-memory source never waits"),
        }
    }

    fn source(data: &[u8], piece: usize, declared: u64) -> StreamSource<Pieces, Vec<u8>> {
        let digest = Digest::sha256_of(data);
        let url = Url::parse("http://r/v2/a/blobs/x").unwrap();
        let stream = BlobStream::new(
            Pieces(data.chunks(piece).map(<[u8]>::to_vec).collect()),
            url,
            digest.clone(),
            Some(declared),
        );
        StreamSource::new(stream, digest, declared)
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn serves_chunks_in_order_and_verifies() {
        let bytes = data(100);
        let mut s = source(&bytes, 7, 100);
        let mut got = Vec::new();
        for offset in (0..100).step_by(30) {
            let chunk = ready(s.read(offset, 30)).unwrap();
            assert_eq!(chunk.len, chunk.data.len() as u64);
            got.extend(chunk.data);
        }
        assert_eq!(got, bytes);
        let verified = ready(s.finish()).unwrap();
        assert_eq!((verified.digest, verified.size), (Digest::sha256_of(&bytes), 100));
    }

    #[test]
    fn rewinds_within_the_two_kept_chunks_only() {
        let bytes = data(100);
        let mut s = source(&bytes, 13, 100);
        ready(s.read(0, 25)).unwrap();
        ready(s.read(25, 25)).unwrap();
        assert_eq!(s.rewind_floor(), 0);
        // Back into the first chunk, then the second again: both kept.
        let again = ready(s.read(10, 25)).unwrap();
        assert_eq!((again.data.as_slice(), again.len), (&bytes[10..25], 15));
        assert_eq!(ready(s.read(25, 25)).unwrap().data, &bytes[25..50]);
        // A third chunk drops the first.
        ready(s.read(50, 25)).unwrap();
        assert_eq!(s.rewind_floor(), 25);
        assert!(matches!(ready(s.read(10, 25)), Err(Error::Source { .. })));
        // Skipping ahead is refused as well.
        assert!(matches!(ready(s.read(90, 10)), Err(Error::Source { .. })));
        ready(s.read(75, 25)).unwrap();
        assert!(ready(s.finish()).is_ok());
    }

    #[test]
    fn wrong_bytes_fail_at_finish_and_short_or_long_streams_fail_early() {
        let bytes = data(64);
        let digest = Digest::sha256_of(b"something else");
        let url = Url::parse("http://r/v2/a/blobs/x").unwrap();
        let stream = BlobStream::new(Pieces(vec![bytes.clone()]), url.clone(), digest.clone(), Some(64));
        let mut s: StreamSource<Pieces, Vec<u8>> = StreamSource::new(stream, digest, 64);
        assert_eq!(ready(s.read(0, 64)).unwrap().data, bytes);
        assert!(matches!(ready(s.finish()), Err(Error::Verify(crate::digest::VerifyError::Mismatch { .. }))));

        // Declared 80, the download has 64: the verifier reports the truncation.
        let mut s = source(&bytes, 64, 80);
        assert!(matches!(
            ready(s.read(0, 80)),
            Err(Error::Verify(crate::digest::VerifyError::Underrun { .. }))
        ));
        // Declared 32, the download has 64: the verifier stops it as soon as it overruns.
        let mut s = source(&bytes, 64, 32);
        assert!(matches!(
            ready(s.read(0, 32)),
            Err(Error::Verify(crate::digest::VerifyError::Overrun { .. }))
        ));
        // Finishing before everything was read is refused.
        let mut s = source(&bytes, 8, 64);
        ready(s.read(0, 16)).unwrap();
        assert!(matches!(ready(s.finish()), Err(Error::Source { .. })));
    }
}
