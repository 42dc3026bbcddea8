//! Where a layer's bytes come from — a registry (each chunk through the blob verifier) or an
//! archive (read in archive order) — and reading one layer through a [`LayerReader`].
//!
//! Chunks are at most [`CHUNK`] bytes from an archive and what the transport delivers from a
//! registry; nothing holds more than one of them, so memory does not grow with the layer.

use std::ops::ControlFlow;

use super::explore_error::ExploreError;
use super::explored_image::{ExploredImage, LayerInfo};
use super::reader::{ContentHasher, InlineHasher, LayerError, LayerReader, LayerSummary, judge};
use super::tar_stream::{ReadOptions, Visit};
use crate::archive::{Archive, RandomAccess};
use crate::digest::Algorithm;
use crate::registry::Client;
use crate::transport::Transport;

/// Bytes read from an archive at a time.
pub const CHUNK: usize = 1024 * 1024;

/// What a source hands each chunk to; `Break` stops the reading.
pub type Feed<'a> = dyn FnMut(&[u8]) -> Result<ControlFlow<()>, ExploreError> + 'a;

/// A place layer blobs are read from.
#[allow(async_fn_in_trait)] // like Transport's: browser futures are not Send
pub trait LayerSource {
    /// Hands layer `n`'s (1-based) blob to `feed` chunk by chunk, in order, until its end or
    /// until `feed` breaks.
    async fn stream(&self, n: usize, layer: &LayerInfo, feed: &mut Feed<'_>) -> Result<(), ExploreError>;
}

/// Layers in a registry repository, downloaded and verified (digest and size) as they stream.
pub struct RegistryLayers<'a, T: Transport> {
    /// The registry's client.
    pub client: &'a Client<T>,
    /// The repository.
    pub repository: &'a str,
}

impl<T: Transport> LayerSource for RegistryLayers<'_, T> {
    async fn stream(&self, _: usize, layer: &LayerInfo, feed: &mut Feed<'_>) -> Result<(), ExploreError> {
        let mut blob = self.client.get_blob(self.repository, &layer.digest, Some(layer.size)).await?;
        while let Some(chunk) = blob.next().await? {
            if feed(&chunk)?.is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// Layers in an opened archive file.
pub struct ArchiveLayers<'a, R>(pub &'a Archive<R>);

impl<R: RandomAccess> LayerSource for ArchiveLayers<'_, R> {
    async fn stream(&self, n: usize, layer: &LayerInfo, feed: &mut Feed<'_>) -> Result<(), ExploreError> {
        let missing = || ExploreError::LayerMissing { layer: n, digest: layer.digest.clone() };
        let stored = layer.stored.as_ref().ok_or_else(missing)?;
        let mut offset = 0;
        while offset < stored.size {
            let chunk = self.0.read_stored(stored, offset, CHUNK).await?;
            offset += chunk.len() as u64;
            if feed(&chunk)?.is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// A registry's or an archive's layers as one source type, for shells that open either (the
/// core's views are generic over one source).
pub enum Layers<'a, T: Transport, R> {
    /// In a registry.
    Registry(RegistryLayers<'a, T>),
    /// In an archive file.
    Archive(ArchiveLayers<'a, R>),
}

impl<T: Transport, R: RandomAccess> LayerSource for Layers<'_, T, R> {
    async fn stream(&self, n: usize, layer: &LayerInfo, feed: &mut Feed<'_>) -> Result<(), ExploreError> {
        match self {
            Layers::Registry(layers) => layers.stream(n, layer, feed).await,
            Layers::Archive(layers) => layers.stream(n, layer, feed).await,
        }
    }
}

/// Reads layer `n` (1-based) of `image` to its end, handing entries (and the captured body) to
/// `visit`; the layer's diff ID is checked against the config's. `None` when `visit` asked to
/// stop before the end.
pub async fn read_layer<S: LayerSource>(
    source: &S,
    image: &ExploredImage,
    n: usize,
    options: ReadOptions,
    visit: &mut Visit<'_>,
) -> Result<Option<LayerSummary>, ExploreError> {
    read_layer_hashed_by(source, image, n, options, visit, InlineHasher::default()).await
}

/// [`read_layer`], the uncompressed bytes hashed by `hasher` (for the diff ID check).
pub async fn read_layer_hashed_by<S: LayerSource, H: ContentHasher>(
    source: &S,
    image: &ExploredImage,
    n: usize,
    options: ReadOptions,
    visit: &mut Visit<'_>,
    hasher: H,
) -> Result<Option<LayerSummary>, ExploreError> {
    let layer = layer(image, n)?;
    let failed = |source: LayerError| ExploreError::Layer { layer: n, digest: layer.digest.clone(), source };
    let mut reader = LayerReader::with_hasher(options, hasher);
    // The diff ID check at the end covers the content; gzip's CRC-32 would only say again that a
    // corrupt layer is corrupt, at the cost of a sixth of the inflating in wasm.
    if layer.diff_id.as_ref().is_some_and(|d| d.algorithm() == Algorithm::Sha256) {
        reader = reader.without_crc();
    }
    let mut stopped = false;
    let mut feed = |chunk: &[u8]| {
        let flow = reader.push(chunk, visit).map_err(failed)?;
        stopped = flow.is_break();
        Ok(flow)
    };
    source.stream(n, layer, &mut feed).await?;
    if stopped {
        return Ok(None);
    }
    let (inflated, hasher, entries) = reader.finish_reading(visit).map_err(failed)?;
    let digest = hasher.digest().await.map_err(|why| ExploreError::Hashing { layer: n, why })?;
    judge(inflated, digest, entries, layer.diff_id.as_ref()).map(Some).map_err(failed)
}

/// Layer `n` (1-based) of `image`.
pub fn layer(image: &ExploredImage, n: usize) -> Result<&LayerInfo, ExploreError> {
    let count = image.layers.len();
    n.checked_sub(1).and_then(|i| image.layers.get(i)).ok_or(ExploreError::NoSuchLayer { asked: n, count })
}
