//! The diff ID of a layer: the sha256 of its *uncompressed* tar, which the image config lists in
//! `rootfs.diff_ids`. Checking it means inflating the blob as it streams by.
//!
//! [`DiffIdHasher`] is fed the compressed chunks (the same ones the blob's digest is checked
//! on), detects the compression from the magic bytes — media types lie often enough (a Docker
//! foreign layer is `.tar.gzip` by name whatever it holds) — and hashes what comes out. It
//! decompresses with the archive reader's [`Inflater`] (pure Rust, so this runs in wasm too),
//! which emits at most [`STEP`](crate::inflate::STEP) bytes per step however hard the
//! input is squeezed: memory is bounded by one input chunk, one step and the decoder's window
//! (zstd windows over 32 MiB are refused). A decoder that may emit all it can decode from a
//! chunk is not bounded: 8 MiB of zstd RLE blocks decode to 256 GiB.
//!
//! The layer explorer reads the tar inside a layer from the same decompression: `update_tapped`
//! hands each step's output to a [`Tap`] as it is hashed, so a layer is inflated once for both.
//! A hasher made by [`DiffIdHasher::unhashed`] only inflates and counts, and leaves the hashing
//! to whoever taps its output (the layer explorer's `LayerReader`, with a hasher of the shell's).

use std::ops::ControlFlow;

use crate::digest::{Algorithm, Digest, Hasher};
use crate::inflate::{Inflater, sniff};
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

/// The uncompressed content's size and the compression found, from a hasher that left the
/// hashing to its tap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inflated {
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

/// Sees every decompressed piece (at most one step) right after it is hashed. `Break` pauses:
/// the rest of the chunk is kept, and decompression goes on from there at the next update.
pub type Tap<'a> = dyn FnMut(&[u8]) -> ControlFlow<()> + 'a;

/// Counts the output of the decompressor, and hashes it unless that is left to the tap.
struct HashSink {
    hasher: Option<Hasher>,
    bytes: u64,
}

impl HashSink {
    fn new(hashed: bool) -> HashSink {
        HashSink { hasher: hashed.then(|| Hasher::new(Algorithm::Sha256)), bytes: 0 }
    }

    fn take(&mut self, data: &[u8]) {
        if let Some(hasher) = &mut self.hasher {
            hasher.update(data);
        }
        self.bytes += data.len() as u64;
    }
}

/// An [`Inflater`] fed pushed chunks: each chunk is stepped through until the decoder needs more
/// input, and what a step emits is hashed before the next step.
struct Inflating {
    inflater: Inflater,
    /// Input the decoder could not use yet (the start of a zstd block, a header): at most one
    /// block, kept for the next chunk.
    pending: Vec<u8>,
    /// One step's output.
    out: Vec<u8>,
}

impl Inflating {
    fn push(&mut self, chunk: &[u8], sink: &mut HashSink, tap: &mut Tap, at_end: bool) -> Result<(), String> {
        if self.pending.is_empty() {
            // The usual case, a chunk that starts where the last one was used up: no copy.
            let used = self.run(chunk, sink, tap, at_end)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            let mut input = std::mem::take(&mut self.pending);
            input.extend_from_slice(chunk);
            let used = self.run(&input, sink, tap, at_end)?;
            input.drain(..used);
            self.pending = input;
        }
        Ok(())
    }

    /// Steps through `input` until the decoder is done or needs more, or the tap pauses it;
    /// returns the bytes used.
    fn run(
        &mut self,
        input: &[u8],
        sink: &mut HashSink,
        tap: &mut Tap,
        at_end: bool,
    ) -> Result<usize, String> {
        let mut used = 0;
        loop {
            self.out.clear();
            let progress = self.inflater.step(&input[used..], at_end, &mut self.out).map_err(|e| e.reason)?;
            sink.take(&self.out);
            used += progress.consumed;
            let paused = !self.out.is_empty() && tap(&self.out).is_break();
            if paused || progress.done || (progress.consumed == 0 && progress.produced == 0) {
                return Ok(used);
            }
        }
    }

    fn error(&self, consumed: u64, reason: String) -> DiffIdError {
        match self.inflater.compression() {
            Compression::Zstd => DiffIdError::Zstd { consumed, reason },
            _ => DiffIdError::Gzip { consumed, reason },
        }
    }
}

enum State {
    /// Fewer than four bytes seen: the compression is not known yet.
    Sniffing(Vec<u8>),
    Plain,
    Inflating(Box<Inflating>),
}

/// Computes a layer's diff ID from its compressed chunks.
pub struct DiffIdHasher {
    state: State,
    sink: HashSink,
    consumed: u64,
    /// Check gzip's CRC-32 ([`Inflater::without_crc`]).
    crc: bool,
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
        DiffIdHasher::with_sink(HashSink::new(true))
    }

    /// One that inflates and counts but does not hash: the tap sees every uncompressed byte
    /// exactly once, in order, and hashes it where it likes; [`DiffIdHasher::finish_unhashed`]
    /// ends it.
    pub fn unhashed() -> DiffIdHasher {
        DiffIdHasher::with_sink(HashSink::new(false))
    }

    fn with_sink(sink: HashSink) -> DiffIdHasher {
        DiffIdHasher { state: State::Sniffing(Vec::new()), sink, consumed: 0, crc: true }
    }

    /// This hasher, not checking gzip's CRC-32: for a caller that compares the diff ID with the
    /// config's, which a corrupt stream fails as surely (see [`Inflater::without_crc`]).
    pub fn without_crc(mut self) -> DiffIdHasher {
        self.crc = false;
        self
    }

    /// Feeds the next compressed chunk.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), DiffIdError> {
        self.update_tapped(chunk, &mut |_| ControlFlow::Continue(()))
    }

    /// Feeds the next compressed chunk, handing what it decompresses to `tap` as well.
    pub fn update_tapped(&mut self, chunk: &[u8], tap: &mut Tap) -> Result<(), DiffIdError> {
        if let State::Sniffing(head) = &mut self.state {
            head.extend_from_slice(chunk);
            if head.len() < 4 {
                self.consumed += chunk.len() as u64;
                return Ok(());
            }
            let head = std::mem::take(head);
            let inflater = Inflater::new(sniff(&head)).map(|i| if self.crc { i } else { i.without_crc() });
            self.state = match inflater {
                Some(inflater) => {
                    State::Inflating(Box::new(Inflating { inflater, pending: Vec::new(), out: Vec::new() }))
                }
                None => State::Plain,
            };
            return self.feed(&head, tap, false);
        }
        self.feed(chunk, tap, false)
    }

    fn feed(&mut self, chunk: &[u8], tap: &mut Tap, at_end: bool) -> Result<(), DiffIdError> {
        let consumed = self.consumed;
        self.consumed += chunk.len() as u64;
        match &mut self.state {
            State::Sniffing(_) => Ok(()),
            State::Plain => {
                self.sink.take(chunk);
                if !chunk.is_empty() {
                    let _ = tap(chunk);
                }
                Ok(())
            }
            State::Inflating(inflating) => inflating
                .push(chunk, &mut self.sink, tap, at_end)
                .map_err(|reason| inflating.error(consumed, reason)),
        }
    }

    /// Ends the stream and returns the diff ID.
    pub fn finish(self) -> Result<DiffId, DiffIdError> {
        self.finish_tapped(&mut |_| ControlFlow::Continue(()))
    }

    /// Ends the stream, handing what is left to decompress to `tap`, and returns the diff ID.
    /// Everything left is handed over: a pause here ends nothing early.
    pub fn finish_tapped(self, tap: &mut Tap) -> Result<DiffId, DiffIdError> {
        let (inflated, hasher) = self.finish_inflating(tap)?;
        debug_assert!(hasher.is_some(), "an unhashed DiffIdHasher is ended by finish_unhashed");
        let hasher = hasher.unwrap_or_else(|| Hasher::new(Algorithm::Sha256));
        Ok(DiffId {
            digest: hasher.finalize(),
            uncompressed_size: inflated.uncompressed_size,
            compression: inflated.compression,
        })
    }

    /// Ends an [`unhashed`](DiffIdHasher::unhashed) stream as `finish_tapped` does, without a
    /// digest: the tap has seen every byte to hash.
    pub fn finish_unhashed(self, tap: &mut Tap) -> Result<Inflated, DiffIdError> {
        self.finish_inflating(tap).map(|(inflated, _)| inflated)
    }

    fn finish_inflating(mut self, tap: &mut Tap) -> Result<(Inflated, Option<Hasher>), DiffIdError> {
        let compression = match &self.state {
            State::Sniffing(head) => {
                // Under four bytes: too short for any magic, so it is what it is.
                self.sink.take(head);
                if !head.is_empty() {
                    let _ = tap(head);
                }
                Compression::None
            }
            State::Plain => Compression::None,
            State::Inflating(inflating) => inflating.inflater.compression(),
        };
        // A tap that pauses would leave input unread: at the end, it is fed to the last byte.
        let mut tap_all = |data: &[u8]| {
            let _ = tap(data);
            ControlFlow::Continue(())
        };
        self.feed(&[], &mut tap_all, true)?;
        Ok((Inflated { uncompressed_size: self.sink.bytes, compression }, self.sink.hasher))
    }
}

#[cfg(test)]
mod tests;
