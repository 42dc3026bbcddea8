//! Decompression a step at a time, with output bounded per step: the reader of a compressed
//! archive asks for at most [`STEP`] bytes and gets them, however hard the input is squeezed.
//!
//! The reader keeps what a step emits and the diff ID hasher (`diffid`) hashes it; neither can let
//! a decoder emit all it can decode from its input (a few KiB of zstd RLE blocks are GiBs). So gzip
//! goes through flate2's low-level `Decompress` (zlib-rs) with a fixed output slice — it checks
//! each member's CRC and length itself, or, [`Inflater::without_crc`], inflates raw deflate and
//! `gzip_frame` reads each member's header and checks its length — and zstd through ruzstd one
//! block at a time (a block never expands past 128 KiB), never `decode_from_to`, which decodes
//! every complete block it is handed before returning.

use flate2::{Decompress, FlushDecompress, Status};
use ruzstd::decoding::errors::FrameDecoderError;
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use crate::media::Compression;

mod gzip_frame;

/// The most one [`Inflater::step`] emits.
pub const STEP: usize = 64 * 1024;

/// The largest zstd window accepted (32 MiB, `--long=25`): the decoder keeps one window of
/// output, so this bounds its memory. `zstd -19` uses 8 MiB; only `--ultra`/`--long` go past.
pub const MAX_ZSTD_WINDOW: u64 = 32 * 1024 * 1024;

/// A zstd block body is at most 128 KiB; with its 3-byte header and a 4-byte frame checksum
/// after the last block, this is the most input one block can need.
const ZSTD_MAX_BLOCK_INPUT: usize = 128 * 1024 + 3 + 4;
/// A zstd frame header is at most 18 bytes (magic included).
const ZSTD_MAX_FRAME_HEADER: usize = 18;
const ZSTD_MAGIC: u32 = 0xFD2F_B528;

/// Which compression magic bytes announce, if any (`1f 8b` gzip, `28 b5 2f fd` zstd).
pub fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// What went wrong inside the compressed stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{compression} data is invalid: {reason}")]
pub struct InflateError {
    /// gzip or zstd.
    pub compression: Compression,
    /// What the decoder (or the framing check) said.
    pub reason: String,
}

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Input bytes consumed.
    pub consumed: usize,
    /// Output bytes appended.
    pub produced: usize,
    /// The stream is complete: every member or frame ended cleanly, and the input is used up.
    pub done: bool,
}

enum State {
    GzipBetween,
    Gzip(Box<Decompress>),
    /// A member's deflate data, its framing read here ([`Inflater::without_crc`]).
    Deflate(Box<Decompress>),
    /// A member's 8-byte trailer is next; its deflate data inflated to this many bytes.
    GzipTrailer(u64),
    ZstdBetween,
    /// Bytes of a skippable frame still to drop.
    ZstdSkip(u64),
    Zstd(Box<FrameDecoder>),
}

/// A gzip (multi-member) or zstd (multi-frame) decoder fed and drained a step at a time.
pub struct Inflater {
    compression: Compression,
    state: State,
    scratch: Vec<u8>,
    /// Check each gzip member's CRC-32.
    crc: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater").field("compression", &self.compression).finish()
    }
}

impl Inflater {
    /// A decoder for gzip or zstd; `None` for [`Compression::None`].
    pub fn new(compression: Compression) -> Option<Inflater> {
        let state = match compression {
            Compression::Gzip => State::GzipBetween,
            Compression::Zstd => State::ZstdBetween,
            Compression::None => return None,
        };
        Some(Inflater { compression, state, scratch: vec![0; STEP], crc: true })
    }

    /// This decoder, not computing gzip's CRC-32 of what it emits (each member's length is still
    /// checked): for a caller that compares a digest of every byte emitted with a known one (a
    /// layer's diff ID), which a corrupt stream fails as surely. The CRC costs about a sixth of
    /// inflating in wasm, where it has no SIMD path. Call it before the first step.
    pub fn without_crc(mut self) -> Inflater {
        self.crc = false;
        self
    }

    /// The compression this decoder undoes.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// A decoder for the same compression, at the start of a stream.
    pub fn fresh(&self) -> Inflater {
        let state = match self.compression {
            Compression::Zstd => State::ZstdBetween,
            _ => State::GzipBetween,
        };
        Inflater { compression: self.compression, state, scratch: vec![0; STEP], crc: self.crc }
    }

    fn fail(&self, reason: impl Into<String>) -> InflateError {
        InflateError { compression: self.compression, reason: reason.into() }
    }

    /// Consumes some of `input` and appends at most [`STEP`] bytes to `out`. `at_end` says that
    /// `input` holds everything left of the stream. A step that consumes and produces nothing
    /// without `done` needs more input; with `at_end` set that is an error instead.
    pub fn step(&mut self, input: &[u8], at_end: bool, out: &mut Vec<u8>) -> Result<Progress, InflateError> {
        let progress = match self.compression {
            Compression::Zstd => self.zstd_step(input, at_end, out)?,
            _ => self.gzip_step(input, at_end, out)?,
        };
        if at_end && progress.consumed == 0 && progress.produced == 0 && !progress.done {
            return Err(self.fail("the data ends in the middle of the stream (truncated)"));
        }
        Ok(progress)
    }

    fn gzip_step(&mut self, input: &[u8], at_end: bool, out: &mut Vec<u8>) -> Result<Progress, InflateError> {
        let idle = Progress { consumed: 0, produced: 0, done: false };
        if matches!(self.state, State::GzipBetween) {
            match input {
                [] => return Ok(Progress { done: at_end, ..idle }),
                [0x1f] if !at_end => return Ok(idle),
                [0x1f, 0x8b, ..] if self.crc => self.state = State::Gzip(Box::new(Decompress::new_gzip(15))),
                [0x1f, 0x8b, ..] => {
                    let Some(header) = gzip_frame::header_len(input).map_err(|r| self.fail(r))? else {
                        return Ok(idle);
                    };
                    self.state = State::Deflate(Box::new(Decompress::new(false)));
                    return Ok(Progress { consumed: header, ..idle });
                }
                _ => {
                    return Err(self.fail(format!(
                        "{} bytes after the last gzip member are not another member",
                        input.len()
                    )));
                }
            }
        }
        if let State::GzipTrailer(produced) = self.state {
            let Some(&trailer) = input.first_chunk::<8>() else { return Ok(idle) };
            gzip_frame::check_trailer(trailer, produced).map_err(|r| self.fail(r))?;
            self.state = State::GzipBetween;
            return Ok(Progress { consumed: trailer.len(), ..idle });
        }
        let (State::Gzip(decoder) | State::Deflate(decoder)) = &mut self.state else { return Ok(idle) };
        let (in_before, out_before) = (decoder.total_in(), decoder.total_out());
        let status = decoder
            .decompress(input, &mut self.scratch, FlushDecompress::None)
            .map_err(|e| InflateError { compression: Compression::Gzip, reason: e.to_string() })?;
        let consumed = (decoder.total_in() - in_before) as usize;
        let produced = (decoder.total_out() - out_before) as usize;
        out.extend_from_slice(&self.scratch[..produced]);
        if status == Status::StreamEnd {
            let member = decoder.total_out();
            self.state = match self.state {
                State::Deflate(_) => State::GzipTrailer(member),
                _ => State::GzipBetween,
            };
        }
        Ok(Progress { consumed, produced, done: false })
    }

    fn zstd_step(&mut self, input: &[u8], at_end: bool, out: &mut Vec<u8>) -> Result<Progress, InflateError> {
        let idle = Progress { consumed: 0, produced: 0, done: false };
        match &mut self.state {
            State::ZstdSkip(left) => {
                let drop = (*left).min(input.len() as u64);
                *left -= drop;
                if *left == 0 {
                    self.state = State::ZstdBetween;
                }
                Ok(Progress { consumed: drop as usize, ..idle })
            }
            State::ZstdBetween => self.zstd_frame_start(input, at_end),
            State::Zstd(decoder) => {
                // Hand out what the decoder holds beyond its window before decoding more.
                if decoder.can_collect() > 0 {
                    let n = std::io::Read::read(decoder.as_mut(), &mut self.scratch).map_err(|e| {
                        InflateError { compression: Compression::Zstd, reason: e.to_string() }
                    })?;
                    out.extend_from_slice(&self.scratch[..n]);
                    return Ok(Progress { produced: n, ..idle });
                }
                if decoder.is_finished() {
                    self.state = State::ZstdBetween;
                    return self.zstd_step(input, at_end, out);
                }
                let Some(need) = zstd_block_input(input) else {
                    return if at_end {
                        Err(self.fail("the data ends inside a block header (truncated)"))
                    } else {
                        Ok(idle)
                    };
                };
                let (block, need) = need.map_err(|reason| self.fail(reason))?;
                if input.len() < need && !at_end {
                    return Ok(idle);
                }
                if input.len() < block {
                    return Err(self.fail(format!(
                        "the data ends inside a block of {block} bytes, {} of them there (truncated)",
                        input.len()
                    )));
                }
                let mut source = &input[..need.min(input.len())];
                let State::Zstd(decoder) = &mut self.state else { return Ok(idle) };
                decoder
                    .decode_blocks(&mut source, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(|e| InflateError { compression: Compression::Zstd, reason: e.to_string() })?;
                let consumed = need.min(input.len()) - source.len();
                Ok(Progress { consumed, ..idle })
            }
            _ => Ok(idle),
        }
    }

    fn zstd_frame_start(&mut self, input: &[u8], at_end: bool) -> Result<Progress, InflateError> {
        let idle = Progress { consumed: 0, produced: 0, done: false };
        if input.is_empty() {
            return Ok(Progress { done: at_end, ..idle });
        }
        if input.len() < 8 && !at_end {
            return Ok(idle);
        }
        let Some(magic) = input.get(..4).map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]])) else {
            return Err(self.fail(format!("{} stray bytes after the last frame", input.len())));
        };
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            // A skippable frame: magic, 4-byte little-endian length, that many bytes.
            let Some(len) = input.get(4..8) else { return Err(self.fail("truncated skippable frame")) };
            let len = u64::from(u32::from_le_bytes([len[0], len[1], len[2], len[3]]));
            self.state = State::ZstdSkip(len);
            return Ok(Progress { consumed: 8, ..idle });
        }
        if magic != ZSTD_MAGIC {
            return Err(self.fail(format!("bad frame magic {magic:#010x} where a frame should start")));
        }
        if input.len() < ZSTD_MAX_FRAME_HEADER && !at_end {
            return Ok(idle);
        }
        if input.len() < zstd_frame_header_len(input) {
            return Err(self.fail("the data ends inside a frame header (truncated)"));
        }
        let mut decoder = FrameDecoder::new();
        decoder.set_max_window_size(MAX_ZSTD_WINDOW);
        let mut source = input;
        decoder.init(&mut source).map_err(|e| match e {
            FrameDecoderError::WindowSizeTooBig { .. } => self.fail(format!(
                "{e} (Waybill accepts zstd windows up to 32 MiB: recompress without zstd's --long or --ultra)"
            )),
            e => self.fail(e.to_string()),
        })?;
        let consumed = input.len() - source.len();
        self.state = State::Zstd(Box::new(decoder));
        Ok(Progress { consumed, ..idle })
    }
}

/// The length of the zstd frame header at the start of `input` (magic included), from its
/// descriptor byte: the window descriptor, dictionary ID and content size it announces.
fn zstd_frame_header_len(input: &[u8]) -> usize {
    let Some(&descriptor) = input.get(4) else { return 5 };
    let single_segment = descriptor & 0x20 != 0;
    let window = usize::from(!single_segment);
    let dictionary = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let content_size = match descriptor >> 6 {
        0 => usize::from(single_segment),
        n => 1 << n,
    };
    5 + window + dictionary + content_size
}

/// How many input bytes the next zstd block is (header and body), and how many it needs (with a
/// checksum in case it is the last block): `None` until its 3-byte header is there.
fn zstd_block_input(input: &[u8]) -> Option<Result<(usize, usize), String>> {
    let header = input.get(..3)?;
    let raw = u32::from(header[0]) | u32::from(header[1]) << 8 | u32::from(header[2]) << 16;
    let last = raw & 1 == 1;
    let size = (raw >> 3) as usize;
    let body = match (raw >> 1) & 3 {
        0 | 2 => size,
        1 => 1, // RLE: one byte repeated `size` times
        _ => return Some(Err("reserved block type".into())),
    };
    if body > 128 * 1024 {
        return Some(Err(format!("a block declares {body} bytes, over the 128 KiB maximum")));
    }
    let need = 3 + body + if last { 4 } else { 0 };
    debug_assert!(need <= ZSTD_MAX_BLOCK_INPUT);
    Some(Ok((3 + body, need)))
}

#[cfg(test)]
mod tests;
