//! The diff ID of a layer: the sha256 of its *uncompressed* tar, which the image config lists in
//! `rootfs.diff_ids`. Checking it means inflating the blob as it streams by.
//!
//! [`DiffIdHasher`] is fed the compressed chunks (the same ones the blob's digest is checked
//! on), detects the compression from the magic bytes — media types lie often enough (a Docker
//! foreign layer is `.tar.gzip` by name whatever it holds) — and hashes what comes out. Both
//! decompressors are pure Rust (flate2 on zlib-rs, ruzstd) so this runs in wasm too; memory is
//! bounded by one input chunk plus the decompressor's window.

use std::io::{Read as _, Write};

use ruzstd::decoding::FrameDecoder;

use crate::digest::{Algorithm, Digest, Hasher};
use crate::media::Compression;

/// The uncompressed content's digest and size, and the compression that was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffId {
    /// sha256 of the uncompressed bytes.
    pub digest: Digest,
    /// Uncompressed size.
    pub uncompressed_size: u64,
    /// What the magic bytes said.
    pub compression: Compression,
}

/// A layer that could not be decompressed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiffIdError {
    /// The gzip stream is corrupt or truncated.
    #[error("the layer is not valid gzip after {consumed} compressed bytes: {reason}")]
    Gzip {
        /// Compressed bytes fed before the error surfaced.
        consumed: u64,
        /// The decoder's complaint.
        reason: String,
    },
    /// The zstd stream is corrupt or truncated.
    #[error("the layer is not valid zstd after {consumed} compressed bytes: {reason}")]
    Zstd {
        /// Compressed bytes fed before the error surfaced.
        consumed: u64,
        /// The decoder's complaint.
        reason: String,
    },
}

/// Hashes the output of the decompressor.
struct HashSink {
    hasher: Hasher,
    bytes: u64,
}

impl HashSink {
    fn new() -> HashSink {
        HashSink { hasher: Hasher::new(Algorithm::Sha256), bytes: 0 }
    }

    fn take(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
    }
}

impl Write for HashSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.take(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Feeds zstd frames to ruzstd, which decodes whole blocks (≤ 128 KiB) only: input is buffered
/// until a block is complete.
struct ZstdPush {
    decoder: FrameDecoder,
    /// The current frame has started (its header was consumed) and not yet finished.
    in_frame: bool,
    /// Buffered compressed input; `start` is the first unconsumed byte.
    input: Vec<u8>,
    start: usize,
    /// Bytes of a skippable frame still to drop.
    skip: u64,
    out: Vec<u8>,
}

/// A zstd block is at most 128 KiB, plus a 3-byte block header; a frame header at most 18 bytes.
/// With this much buffered, ruzstd can always make progress.
const ZSTD_STEP: usize = 128 * 1024 + 3 + 18;
const ZSTD_MAGIC: u32 = 0xFD2F_B528;

impl ZstdPush {
    fn new() -> ZstdPush {
        ZstdPush {
            decoder: FrameDecoder::new(),
            in_frame: false,
            input: Vec::new(),
            start: 0,
            skip: 0,
            out: vec![0; 64 * 1024],
        }
    }

    fn available(&self) -> &[u8] {
        &self.input[self.start..]
    }

    fn push(&mut self, chunk: &[u8], sink: &mut HashSink, at_end: bool) -> Result<(), String> {
        if self.start > 0 && self.start >= self.input.len() / 2 {
            self.input.drain(..self.start);
            self.start = 0;
        }
        self.input.extend_from_slice(chunk);
        loop {
            if self.skip > 0 {
                let drop = self.skip.min(self.available().len() as u64);
                self.start += drop as usize;
                self.skip -= drop;
                if self.skip > 0 {
                    return Ok(());
                }
            }
            self.drain(sink)?;
            if self.in_frame && self.decoder.is_finished() {
                self.drain(sink)?;
                self.in_frame = false;
            }
            let available = self.available().len();
            if available == 0 || (available < ZSTD_STEP && !at_end) {
                return Ok(());
            }
            if !self.in_frame {
                if available < 4 {
                    return Err(format!("{available} stray bytes after the last frame"));
                }
                let magic = u32::from_le_bytes([
                    self.input[self.start],
                    self.input[self.start + 1],
                    self.input[self.start + 2],
                    self.input[self.start + 3],
                ]);
                if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                    // A skippable frame: 4 magic bytes, a 4-byte length, then that much data.
                    if available < 8 {
                        return Err("truncated skippable frame".into());
                    }
                    let a = self.available();
                    self.skip = 8 + u64::from(u32::from_le_bytes([a[4], a[5], a[6], a[7]]));
                    continue;
                }
                if magic != ZSTD_MAGIC {
                    return Err(format!("bad frame magic {magic:#010x}"));
                }
                self.decoder = FrameDecoder::new();
                self.in_frame = true;
            }
            let (read, written) = {
                let start = self.start;
                let (input, out) = (&self.input[start..], &mut self.out);
                self.decoder.decode_from_to(input, out).map_err(|e| e.to_string())?
            };
            if read > self.available().len() {
                return Err("the stream ends before the frame's checksum".into());
            }
            sink.take(&self.out[..written]);
            self.start += read;
            if read == 0 && written == 0 {
                if at_end {
                    return Err("the stream ends inside a frame".into());
                }
                return Ok(());
            }
        }
    }

    /// Moves everything the decoder can release into the sink.
    fn drain(&mut self, sink: &mut HashSink) -> Result<(), String> {
        if !self.in_frame {
            return Ok(());
        }
        loop {
            let n = self.decoder.read(&mut self.out).map_err(|e| e.to_string())?;
            if n == 0 {
                return Ok(());
            }
            sink.take(&self.out[..n]);
        }
    }

    fn finish(&mut self, sink: &mut HashSink) -> Result<(), String> {
        self.push(&[], sink, true)?;
        if self.in_frame && !self.decoder.is_finished() {
            return Err("the stream ends inside a frame".into());
        }
        if self.skip > 0 {
            return Err("the stream ends inside a skippable frame".into());
        }
        self.drain(sink)
    }
}

enum State {
    /// Fewer than four bytes seen: the compression is not known yet.
    Sniffing(Vec<u8>),
    Plain(HashSink),
    Gzip(Box<flate2::write::MultiGzDecoder<HashSink>>),
    Zstd(Box<ZstdPush>, HashSink),
}

/// Computes a layer's diff ID from its compressed chunks.
pub struct DiffIdHasher {
    state: State,
    consumed: u64,
}

impl Default for DiffIdHasher {
    fn default() -> DiffIdHasher {
        DiffIdHasher::new()
    }
}

impl std::fmt::Debug for DiffIdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffIdHasher").field("consumed", &self.consumed).finish()
    }
}

impl DiffIdHasher {
    /// A hasher that has seen nothing yet.
    pub fn new() -> DiffIdHasher {
        DiffIdHasher { state: State::Sniffing(Vec::new()), consumed: 0 }
    }

    /// Feeds the next compressed chunk.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), DiffIdError> {
        if let State::Sniffing(head) = &mut self.state {
            head.extend_from_slice(chunk);
            if head.len() < 4 {
                self.consumed += chunk.len() as u64;
                return Ok(());
            }
            let head = std::mem::take(head);
            self.state = start_for(&head);
            return self.feed(&head);
        }
        self.feed(chunk)
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), DiffIdError> {
        let consumed = self.consumed;
        let result = match &mut self.state {
            State::Sniffing(_) => Ok(()),
            State::Plain(sink) => {
                sink.take(chunk);
                Ok(())
            }
            State::Gzip(decoder) => {
                decoder.write_all(chunk).map_err(|e| DiffIdError::Gzip { consumed, reason: e.to_string() })
            }
            State::Zstd(zstd, sink) => {
                zstd.push(chunk, sink, false).map_err(|reason| DiffIdError::Zstd { consumed, reason })
            }
        };
        self.consumed += chunk.len() as u64;
        result
    }

    /// Ends the stream and returns the diff ID.
    pub fn finish(self) -> Result<DiffId, DiffIdError> {
        let consumed = self.consumed;
        let (sink, compression) = match self.state {
            State::Sniffing(head) => {
                // Under four bytes: too short for any magic, so it is what it is.
                let mut sink = HashSink::new();
                sink.take(&head);
                (sink, Compression::None)
            }
            State::Plain(sink) => (sink, Compression::None),
            State::Gzip(decoder) => {
                let sink =
                    decoder.finish().map_err(|e| DiffIdError::Gzip { consumed, reason: e.to_string() })?;
                (sink, Compression::Gzip)
            }
            State::Zstd(mut zstd, mut sink) => {
                zstd.finish(&mut sink).map_err(|reason| DiffIdError::Zstd { consumed, reason })?;
                (sink, Compression::Zstd)
            }
        };
        Ok(DiffId { uncompressed_size: sink.bytes, digest: sink.hasher.finalize(), compression })
    }
}

fn start_for(head: &[u8]) -> State {
    match head {
        [0x1f, 0x8b, ..] => State::Gzip(Box::new(flate2::write::MultiGzDecoder::new(HashSink::new()))),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => State::Zstd(Box::new(ZstdPush::new()), HashSink::new()),
        _ => State::Plain(HashSink::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff_id(data: &[u8], chunk: usize) -> Result<DiffId, DiffIdError> {
        let mut h = DiffIdHasher::new();
        for piece in data.chunks(chunk.max(1)) {
            h.update(piece)?;
        }
        h.finish()
    }

    /// Deterministic, compressible-but-not-trivial test data.
    fn sample(len: usize) -> Vec<u8> {
        let mut x: u32 = 12345;
        (0..len)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if i % 7 == 0 { (x >> 16) as u8 } else { b"layer-data"[i % 10] }
            })
            .collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    #[test]
    fn plain_tar_is_its_own_diff_id() {
        let data = sample(300_000);
        let id = diff_id(&data, 4096).unwrap();
        assert_eq!(id.digest, Digest::sha256_of(&data));
        assert_eq!((id.uncompressed_size, id.compression), (300_000, Compression::None));
        // Empty and tiny inputs.
        assert_eq!(diff_id(b"", 1).unwrap().digest, Digest::sha256_of(b""));
        assert_eq!(diff_id(b"ab", 1).unwrap().digest, Digest::sha256_of(b"ab"));
    }

    #[test]
    fn gzip_in_any_chunking() {
        let data = sample(1_000_000);
        let compressed = gzip(&data);
        for chunk in [1, 3, 4096, 65_536, compressed.len()] {
            let id = diff_id(&compressed, chunk).unwrap();
            assert_eq!(id.digest, Digest::sha256_of(&data), "chunk {chunk}");
            assert_eq!((id.uncompressed_size, id.compression), (1_000_000, Compression::Gzip));
        }
    }

    #[test]
    fn multi_member_gzip() {
        let (a, b) = (sample(5000), sample(7000));
        let mut both = gzip(&a);
        both.extend(gzip(&b));
        let id = diff_id(&both, 1000).unwrap();
        assert_eq!(id.digest, Digest::sha256_of(&[a, b].concat()));
    }

    #[test]
    fn zstd_in_any_chunking() {
        let data = sample(1_500_000);
        let compressed = zstd(&data);
        for chunk in [1, 7, 4096, 200_000, compressed.len()] {
            let id = diff_id(&compressed, chunk).unwrap();
            assert_eq!(id.digest, Digest::sha256_of(&data), "chunk {chunk}");
            assert_eq!((id.uncompressed_size, id.compression), (1_500_000, Compression::Zstd));
        }
    }

    #[test]
    fn zstd_several_frames_and_skippable_frames() {
        let (a, b) = (sample(300_000), sample(10));
        let mut stream = zstd(&a);
        stream.extend([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        stream.extend(zstd(&b));
        for chunk in [5, 65_536] {
            let id = diff_id(&stream, chunk).unwrap();
            assert_eq!(id.digest, Digest::sha256_of(&[a.clone(), b.clone()].concat()), "chunk {chunk}");
        }
    }

    #[test]
    fn truncated_and_corrupt_streams_fail() {
        let data = sample(400_000);
        let gz = gzip(&data);
        assert!(matches!(diff_id(&gz[..gz.len() - 4], 4096), Err(DiffIdError::Gzip { .. })));
        assert!(matches!(diff_id(&gz[..gz.len() / 2], 4096), Err(DiffIdError::Gzip { .. })));
        let mut bad = gz.clone();
        bad[gz.len() / 2] ^= 0xff;
        assert!(
            diff_id(&bad, 4096).is_err() || diff_id(&bad, 4096).unwrap().digest != Digest::sha256_of(&data)
        );
        let zs = zstd(&data);
        assert!(matches!(diff_id(&zs[..zs.len() / 2], 4096), Err(DiffIdError::Zstd { .. })));
        let mut garbage = zs.clone();
        garbage.extend([1, 2, 3, 4, 5]);
        assert!(matches!(diff_id(&garbage, 4096), Err(DiffIdError::Zstd { .. })));
        // Just the magic: a frame that never starts.
        assert!(matches!(diff_id(&[0x28, 0xb5, 0x2f, 0xfd], 1), Err(DiffIdError::Zstd { .. })));
        assert!(matches!(diff_id(&[0x1f, 0x8b, 8, 0], 1), Err(DiffIdError::Gzip { .. })));
    }
}
