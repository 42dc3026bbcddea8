//! A compressed archive (`.tar.gz`, `.tgz`, `.tar.zst`) read as if it were the tar inside it.
//!
//! Compressed data cannot be read at random: byte N of the tar is only known after
//! decompressing everything before it. So [`Decompressed`] keeps one decoder and its position;
//! a read ahead of the position decompresses forward (discarding what lies between), a read
//! behind it starts over from the first byte — correct, and costly, which is why the archive
//! readers arrange their reads in archive order (see docs/archives.md for what each command
//! costs). Memory stays bounded: the decoder's window, a compressed input buffer of
//! [`INPUT_READ`] bytes, and the bytes of the read being served.
//!
//! A gzip bomb is stopped by `limit`: no more than that many bytes are ever decompressed in one
//! pass, whatever the archive claims.

use futures_util::lock::Mutex;

use super::random_access::{MAX_READ, RandomAccess, SourceError};
use crate::inflate::{InflateError, Inflater, STEP};
use crate::media::Compression;

/// Compressed bytes read from the source at a time.
pub const INPUT_READ: usize = 512 * 1024;

/// Refill the input buffer below this: more than the largest zstd block needs, so the decoder
/// can always make progress from what is buffered.
const REFILL_BELOW: usize = INPUT_READ / 2;

/// The default cap on decompressed bytes: 100 times the compressed size, and at least 1 GiB.
/// Real image tars compress 2–4×; anything expanding 100× is a bomb, or an image whose owner can
/// raise the limit knowingly.
pub fn default_limit(compressed_len: u64) -> u64 {
    compressed_len.saturating_mul(100).max(1 << 30)
}

/// Why a read of the decompressed stream failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The source itself failed.
    #[error("reading the archive failed: {0}")]
    Source(#[from] SourceError),
    /// The compressed stream is corrupt or truncated.
    #[error("the archive's {0}")]
    Inflate(#[from] InflateError),
    /// More than the limit came out of the decompressor.
    #[error(
        "the archive decompresses to more than {limit} bytes (from {compressed} compressed): \
         refusing a likely decompression bomb; if the archive is genuine, raise the limit"
    )]
    TooLarge {
        /// The limit in force.
        limit: u64,
        /// The compressed size.
        compressed: u64,
    },
}

struct Cursor {
    inflater: Inflater,
    /// Compressed bytes read but not yet consumed, from `input_start`.
    input: Vec<u8>,
    input_start: usize,
    /// Offset in the source of the next compressed byte to read.
    compressed_pos: u64,
    /// Decompressed bytes not yet discarded; `out[0]` is stream offset `out_pos`.
    out: Vec<u8>,
    out_pos: u64,
    /// Decompressed bytes produced in this pass.
    produced: u64,
    done: bool,
}

impl Cursor {
    fn new(inflater: Inflater) -> Cursor {
        Cursor {
            inflater,
            input: Vec::new(),
            input_start: 0,
            compressed_pos: 0,
            out: Vec::new(),
            out_pos: 0,
            produced: 0,
            done: false,
        }
    }
}

/// The decompressed view of a gzip or zstd source.
pub struct Decompressed<R> {
    inner: R,
    compression: Compression,
    limit: u64,
    cursor: Mutex<(Cursor, u32)>,
}

impl<R> std::fmt::Debug for Decompressed<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressed")
            .field("compression", &self.compression)
            .field("limit", &self.limit)
            .finish()
    }
}

impl<R: RandomAccess> Decompressed<R> {
    /// A view of `inner`, decoded by `inflater` (which says the compression), that may expand
    /// to `limit` bytes at most.
    pub fn new(inner: R, inflater: Inflater, limit: u64) -> Decompressed<R> {
        let compression = inflater.compression();
        Decompressed { inner, compression, limit, cursor: Mutex::new((Cursor::new(inflater), 1)) }
    }

    /// The compression being undone.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The compressed source.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// How many times decompression has started from the first byte (1 after a single
    /// sequential pass): what a command cost, in passes over the archive.
    pub async fn passes(&self) -> u32 {
        self.cursor.lock().await.1
    }

    /// Up to `len` (at most [`MAX_READ`]) decompressed bytes at `offset`: exactly `len` unless
    /// the stream ends first.
    pub async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, ReadError> {
        let len = len.min(MAX_READ);
        let mut guard = self.cursor.lock().await;
        let (cursor, passes) = &mut *guard;
        if offset < cursor.out_pos {
            *cursor = Cursor::new(cursor.inflater.fresh());
            *passes += 1;
        }
        loop {
            let skip = usize::try_from(offset - cursor.out_pos).unwrap_or(usize::MAX).min(cursor.out.len());
            cursor.out.drain(..skip);
            cursor.out_pos += skip as u64;
            if (cursor.out_pos == offset && cursor.out.len() >= len) || cursor.done {
                break;
            }
            self.advance(cursor).await?;
        }
        let start = usize::try_from(offset - cursor.out_pos).unwrap_or(usize::MAX).min(cursor.out.len());
        let end = start.saturating_add(len).min(cursor.out.len());
        Ok(cursor.out[start..end].to_vec())
    }

    /// One decoder step, reading compressed input first when the buffer runs low.
    async fn advance(&self, cursor: &mut Cursor) -> Result<(), ReadError> {
        let total = self.inner.len();
        let buffered = cursor.input.len() - cursor.input_start;
        if buffered < REFILL_BELOW && cursor.compressed_pos < total {
            cursor.input.drain(..cursor.input_start);
            cursor.input_start = 0;
            let want = usize::try_from(total - cursor.compressed_pos).unwrap_or(usize::MAX).min(INPUT_READ);
            let bytes = self.inner.read_at(cursor.compressed_pos, want).await?;
            if bytes.is_empty() {
                return Err(SourceError::new(format!(
                    "the source ended at byte {} of {total} it claims to have",
                    cursor.compressed_pos
                ))
                .into());
            }
            cursor.compressed_pos += bytes.len() as u64;
            cursor.input.extend_from_slice(&bytes);
        }
        let at_end = cursor.compressed_pos >= total;
        let before = cursor.out.len();
        let progress = cursor.inflater.step(&cursor.input[cursor.input_start..], at_end, &mut cursor.out)?;
        debug_assert!(cursor.out.len() - before <= STEP);
        cursor.input_start += progress.consumed;
        cursor.produced += progress.produced as u64;
        if cursor.produced > self.limit {
            return Err(ReadError::TooLarge { limit: self.limit, compressed: total });
        }
        if progress.done {
            cursor.done = true;
        } else if progress.consumed == 0 && progress.produced == 0 && !at_end {
            // With REFILL_BELOW bytes buffered a decoder can always move; not moving is a bug,
            // and must not become an endless loop.
            return Err(SourceError::new(format!(
                "the {} decoder stalled at compressed byte {}",
                self.compression,
                cursor.compressed_pos - (cursor.input.len() - cursor.input_start) as u64
            ))
            .into());
        }
        Ok(())
    }
}
