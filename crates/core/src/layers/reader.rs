//! A layer blob read once for everything: its compressed chunks go through the diff-ID hasher's
//! decompression ([`DiffIdHasher::update_tapped`]), whose output feeds the [`TarStream`]. So the
//! listing, the per-file hashes and the layer's diff ID (checked against the config's
//! `rootfs.diff_ids`) come from one inflation, in bounded memory.
//!
//! The uncompressed bytes are hashed by a [`ContentHasher`]: in the same pass by default
//! ([`InlineHasher`]), or wherever the shell likes. Hashing costs more than inflating in wasm,
//! so the browser's explorer hands the bytes to a second worker and the two run on two cores;
//! the verdict stays here ([`judge`]).

use std::ops::ControlFlow;

use super::tar_error::TarError;
use super::tar_stream::{ReadOptions, TarStream, Visit};
use crate::diffid::{DiffId, DiffIdError, DiffIdHasher, Inflated};
use crate::digest::{Algorithm, Digest, Hasher};

/// Why a layer could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayerError {
    /// The compressed stream is corrupt or truncated.
    #[error(transparent)]
    Decompress(#[from] DiffIdError),
    /// The tar inside is not one Waybill lists.
    #[error(transparent)]
    Tar(#[from] TarError),
    /// The content is not what the image config says the layer holds.
    #[error(
        "its content hashes to {actual}, but the image config's rootfs.diff_ids says {expected}: \
         the layer is not the one the image was built with"
    )]
    DiffId {
        /// The config's diff ID.
        expected: Digest,
        /// What the content hashes to.
        actual: Digest,
    },
}

/// What reading a whole layer found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerSummary {
    /// The uncompressed content's digest, size and compression.
    pub diff_id: DiffId,
    /// Entries listed.
    pub entries: u64,
}

/// Hashes a layer's uncompressed bytes (sha256) for its diff ID: handed every byte once, in
/// order, then asked for the digest.
#[allow(async_fn_in_trait)] // like Transport's: browser futures are not Send
pub trait ContentHasher {
    /// The next bytes.
    fn update(&mut self, data: &[u8]);
    /// The sha256 of every byte handed over, or why it could not be had.
    async fn digest(self) -> Result<Digest, String>;
}

/// Hashing in the reader's own pass.
#[derive(Debug)]
pub struct InlineHasher(Hasher);

impl Default for InlineHasher {
    fn default() -> InlineHasher {
        InlineHasher(Hasher::new(Algorithm::Sha256))
    }
}

impl ContentHasher for InlineHasher {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    async fn digest(self) -> Result<Digest, String> {
        Ok(self.0.finalize())
    }
}

/// Reads one layer blob, fed its compressed (or plain) chunks in order.
#[derive(Debug)]
pub struct LayerReader<H = InlineHasher> {
    inflate: DiffIdHasher,
    hasher: H,
    tar: TarStream,
    failed: Option<TarError>,
}

impl LayerReader {
    /// A reader for a layer blob, before its first byte, hashing in the same pass.
    pub fn new(options: ReadOptions) -> LayerReader {
        LayerReader::with_hasher(options, InlineHasher::default())
    }

    /// The blob ended: the tar must be complete, and its diff ID the config's (when given).
    pub fn finish(self, visit: &mut Visit, expected: Option<&Digest>) -> Result<LayerSummary, LayerError> {
        let (inflated, hasher, entries) = self.finish_reading(visit)?;
        judge(inflated, hasher.0.finalize(), entries, expected)
    }
}

impl<H: ContentHasher> LayerReader<H> {
    /// A reader whose uncompressed bytes go to `hasher`.
    pub fn with_hasher(options: ReadOptions, hasher: H) -> LayerReader<H> {
        LayerReader { inflate: DiffIdHasher::unhashed(), hasher, tar: TarStream::new(options), failed: None }
    }

    /// This reader, not checking gzip's CRC-32, before its first chunk: for a layer whose diff ID
    /// is checked at the end ([`DiffIdHasher::without_crc`]).
    pub fn without_crc(mut self) -> LayerReader<H> {
        self.inflate = self.inflate.without_crc();
        self
    }

    /// Feeds the blob's next chunk. `Break` when `visit` asked to stop: the rest of the layer
    /// need not be fed.
    pub fn push(&mut self, chunk: &[u8], visit: &mut Visit) -> Result<ControlFlow<()>, LayerError> {
        let (tar, failed, hasher) = (&mut self.tar, &mut self.failed, &mut self.hasher);
        let mut tap = |data: &[u8]| {
            hasher.update(data);
            match tar.push(data, visit) {
                Ok(flow) => flow,
                Err(e) => {
                    // Stop inflating at once: nothing after a bad tar is worth the time.
                    *failed = Some(e);
                    ControlFlow::Break(())
                }
            }
        };
        self.inflate.update_tapped(chunk, &mut tap)?;
        if let Some(e) = self.failed.take() {
            return Err(e.into());
        }
        Ok(if self.tar.stopped() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
    }

    /// The blob ended: the tar must be complete. Returns what inflating found, the hasher (to
    /// be asked for its digest, then [`judge`]d), and the entries listed.
    pub fn finish_reading(mut self, visit: &mut Visit) -> Result<(Inflated, H, u64), LayerError> {
        let (tar, failed, hasher) = (&mut self.tar, &mut self.failed, &mut self.hasher);
        let mut tap = |data: &[u8]| {
            hasher.update(data);
            if failed.is_none()
                && let Err(e) = tar.push(data, visit)
            {
                *failed = Some(e);
            }
            ControlFlow::Continue(())
        };
        let inflated = self.inflate.finish_unhashed(&mut tap)?;
        if let Some(e) = self.failed.take() {
            return Err(e.into());
        }
        self.tar.finish()?;
        Ok((inflated, self.hasher, self.tar.entries()))
    }
}

/// The layer's summary, given the digest of its uncompressed bytes: its diff ID must be the
/// config's (when given).
pub fn judge(
    inflated: Inflated,
    digest: Digest,
    entries: u64,
    expected: Option<&Digest>,
) -> Result<LayerSummary, LayerError> {
    let diff_id =
        DiffId { digest, uncompressed_size: inflated.uncompressed_size, compression: inflated.compression };
    // Only a sha256 diff ID can be checked: that is what the reader hashes.
    if let Some(expected) = expected
        && expected.algorithm() == diff_id.digest.algorithm()
        && expected != &diff_id.digest
    {
        return Err(LayerError::DiffId { expected: expected.clone(), actual: diff_id.digest });
    }
    Ok(LayerSummary { diff_id, entries })
}
