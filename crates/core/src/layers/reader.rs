//! A layer blob read once for everything: its compressed chunks go through the diff-ID hasher's
//! decompression ([`DiffIdHasher::update_tapped`]), whose output feeds the [`TarStream`]. So the
//! listing, the per-file hashes and the layer's diff ID (checked against the config's
//! `rootfs.diff_ids`) come from one inflation, in bounded memory.

use std::ops::ControlFlow;

use super::tar_error::TarError;
use super::tar_stream::{ReadOptions, TarStream, Visit};
use crate::diffid::{DiffId, DiffIdError, DiffIdHasher};
use crate::digest::Digest;

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

/// Reads one layer blob, fed its compressed (or plain) chunks in order.
#[derive(Debug)]
pub struct LayerReader {
    inflate: DiffIdHasher,
    tar: TarStream,
    failed: Option<TarError>,
}

impl LayerReader {
    /// A reader for a layer blob, before its first byte.
    pub fn new(options: ReadOptions) -> LayerReader {
        LayerReader { inflate: DiffIdHasher::new(), tar: TarStream::new(options), failed: None }
    }

    /// Feeds the blob's next chunk. `Break` when `visit` asked to stop: the rest of the layer
    /// need not be fed.
    pub fn push(&mut self, chunk: &[u8], visit: &mut Visit) -> Result<ControlFlow<()>, LayerError> {
        let (tar, failed) = (&mut self.tar, &mut self.failed);
        let mut tap = |data: &[u8]| match tar.push(data, visit) {
            Ok(flow) => flow,
            Err(e) => {
                // Stop inflating at once: nothing after a bad tar is worth the time.
                *failed = Some(e);
                ControlFlow::Break(())
            }
        };
        self.inflate.update_tapped(chunk, &mut tap)?;
        if let Some(e) = self.failed.take() {
            return Err(e.into());
        }
        Ok(if self.tar.stopped() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
    }

    /// The blob ended: the tar must be complete, and its diff ID the config's (when given).
    pub fn finish(
        mut self,
        visit: &mut Visit,
        expected: Option<&Digest>,
    ) -> Result<LayerSummary, LayerError> {
        let (tar, failed) = (&mut self.tar, &mut self.failed);
        let mut tap = |data: &[u8]| {
            if failed.is_none()
                && let Err(e) = tar.push(data, visit)
            {
                *failed = Some(e);
            }
            ControlFlow::Continue(())
        };
        let diff_id = self.inflate.finish_tapped(&mut tap)?;
        if let Some(e) = self.failed.take() {
            return Err(e.into());
        }
        self.tar.finish()?;
        // Only a sha256 diff ID can be checked: that is what the inflation hashes.
        if let Some(expected) = expected
            && expected.algorithm() == diff_id.digest.algorithm()
            && expected != &diff_id.digest
        {
            return Err(LayerError::DiffId { expected: expected.clone(), actual: diff_id.digest });
        }
        Ok(LayerSummary { diff_id, entries: self.tar.entries() })
    }
}
