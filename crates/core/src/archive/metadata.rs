//! An archive's metadata, read once and shared: each config and manifest is read and parsed the
//! first time an entry names it, and every later entry naming it shares that copy (an `Arc`).
//! Without this, 2,000 `manifest.json` entries naming one 1 MiB config held 2,000 parsed copies
//! (2 GB), and an index of 300 entries each naming one index of 300 held 90,000 manifests.
//!
//! Sharing the documents is not enough: each entry still costs what is made for it (its platform,
//! its layer list, its lines in a report), in proportion to the documents it names. So fan-out
//! is capped three ways, each far above real archives: the entries listed in all, the layers
//! listed in all, and the bytes of configs and manifests named again ([`Metadata::reuse`]). An
//! entry reached through several indexes counts each time it is reached: that is what it costs.

use std::collections::HashMap;
use std::sync::Arc;

use super::archive_error::ArchiveError;
use super::files::{MAX_CONFIG_SIZE, MAX_METADATA_SIZE, read_whole};
use super::index::TarIndex;
use super::model::Stored;
use super::random_access::RandomAccess;
use super::tar_reader::Reader;
use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, ManifestDocument};
use crate::media::MediaType;

/// The most images and index entries an archive may list: `manifest.json` entries, and the
/// entries of `index.json` and of every index under it. `docker save` and buildx write one entry
/// per image and one per platform (plus one attestation per platform); the largest archives in
/// use, air-gap bundles of a few hundred multi-platform images, list a few thousand.
pub const MAX_ENTRIES: usize = 10_000;

/// The most layers the image manifests of an archive may list in all. Docker refuses images of
/// more than 127 layers, and real ones have tens: this is 10 for each of [`MAX_ENTRIES`].
pub const MAX_LAYERS: usize = 100_000;

/// Configs and manifests named again, beyond the first time, may add up to the size of all of
/// them plus this much. Real archives name each once, or twice (Docker 25+ names each config from
/// `manifest.json` and from its OCI layout; a layout may tag one image several times); a 1 MiB
/// config named by 2,000 entries, or a fat index entry reached 300 times, is fan-out.
pub const MAX_REUSED_EXTRA: u64 = 4 * 1024 * 1024;

/// A parsed image config and what the file is (the docker-save image ID is its digest).
#[derive(Clone, Debug)]
pub struct SharedConfig {
    /// The parsed config.
    pub config: Arc<ImageConfig>,
    /// sha256 of the file.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
}

/// A parsed manifest or index and, when its bytes do not hash to the digest the naming
/// descriptor gives, that digest (reported, and refused by verify and push).
pub type SharedDocument = (Arc<ManifestDocument>, Option<Digest>);

/// What the readers of one archive have parsed so far, and counted.
#[derive(Debug, Default)]
pub struct Metadata {
    /// By the file's path (links followed).
    configs: HashMap<String, SharedConfig>,
    /// By the digest that names it (which the mismatch is judged against) and the media type
    /// it was read as (which decides how it parses).
    documents: HashMap<(Digest, MediaType), SharedDocument>,
    entries: usize,
    layers: usize,
    /// Bytes of the configs and documents parsed, and of those named again.
    distinct: u64,
    reused: u64,
}

impl Metadata {
    /// Counts `n` more images or index entries, refusing the archive past [`MAX_ENTRIES`].
    pub fn count_entries(&mut self, n: usize) -> Result<(), ArchiveError> {
        self.entries = self.entries.saturating_add(n);
        match self.entries > MAX_ENTRIES {
            true => Err(ArchiveError::FanOut { what: "images and index entries", limit: MAX_ENTRIES }),
            false => Ok(()),
        }
    }

    /// Counts `n` more layers, refusing the archive past [`MAX_LAYERS`].
    pub fn count_layers(&mut self, n: usize) -> Result<(), ArchiveError> {
        self.layers = self.layers.saturating_add(n);
        match self.layers > MAX_LAYERS {
            true => Err(ArchiveError::FanOut { what: "layers", limit: MAX_LAYERS }),
            false => Ok(()),
        }
    }

    /// Counts a config or manifest of `size` bytes named again, refusing the archive once those
    /// add up to more than all of them once plus [`MAX_REUSED_EXTRA`].
    fn reuse(&mut self, size: u64) -> Result<(), ArchiveError> {
        self.reused = self.reused.saturating_add(size);
        let limit = self.distinct.saturating_add(MAX_REUSED_EXTRA);
        match self.reused > limit {
            true => Err(ArchiveError::Reused { reused: self.reused, limit }),
            false => Ok(()),
        }
    }

    /// The image config in `stored`; `named` is the path the metadata gave, for errors.
    pub async fn config<R: RandomAccess>(
        &mut self,
        reader: &Reader<R>,
        index: &TarIndex,
        stored: &Stored,
        named: &str,
    ) -> Result<SharedConfig, ArchiveError> {
        if let Some(shared) = self.configs.get(&stored.path).cloned() {
            self.reuse(shared.size)?;
            return Ok(shared);
        }
        let bytes = read_whole(reader, index, stored, MAX_CONFIG_SIZE, "image config").await?;
        let config = ImageConfig::parse(&bytes)
            .map_err(|e| ArchiveError::Config { path: named.to_owned(), message: e.to_string() })?;
        let shared = SharedConfig {
            config: Arc::new(config),
            digest: Digest::sha256_of(&bytes),
            size: bytes.len() as u64,
        };
        self.distinct += shared.size;
        self.configs.insert(stored.path.clone(), shared.clone());
        Ok(shared)
    }

    /// The manifest or index in `stored`, read as `descriptor` (which names it, at `named`) says.
    pub async fn document<R: RandomAccess>(
        &mut self,
        reader: &Reader<R>,
        index: &TarIndex,
        stored: &Stored,
        descriptor: &Descriptor,
        named: &str,
    ) -> Result<SharedDocument, ArchiveError> {
        let key = (descriptor.digest.clone(), descriptor.media_type.clone());
        if let Some(shared) = self.documents.get(&key).cloned() {
            self.reuse(shared.0.bytes().len() as u64)?;
            return Ok(shared);
        }
        let bytes = read_whole(reader, index, stored, MAX_METADATA_SIZE, "manifest").await?;
        let document = ManifestDocument::parse(bytes, Some(&descriptor.media_type))
            .map_err(|e| ArchiveError::Manifest { path: named.to_owned(), message: e.to_string() })?;
        let actual = Digest::of(descriptor.digest.algorithm(), document.bytes());
        let mismatch = (actual != descriptor.digest).then(|| descriptor.digest.clone());
        self.distinct += document.bytes().len() as u64;
        let shared = (Arc::new(document), mismatch);
        self.documents.insert(key, shared.clone());
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caps_are_counted_across_calls_and_named_in_the_error() {
        let mut metadata = Metadata::default();
        metadata.count_entries(MAX_ENTRIES - 1).unwrap();
        metadata.count_entries(1).unwrap();
        let error = metadata.count_entries(1).unwrap_err();
        assert!(error.to_string().contains("more than 10000 images and index entries"), "{error}");
        metadata.count_layers(MAX_LAYERS).unwrap();
        let error = metadata.count_layers(1).unwrap_err();
        assert!(error.to_string().contains("more than 100000 layers"), "{error}");
        assert!(Metadata::default().count_entries(usize::MAX).is_err(), "no overflow");
    }

    #[test]
    fn what_is_named_again_may_add_up_to_all_of_it_plus_four_mib() {
        let mut metadata = Metadata { distinct: 1000, ..Metadata::default() };
        metadata.reuse(1000 + MAX_REUSED_EXTRA).unwrap();
        let error = metadata.reuse(1).unwrap_err();
        let expected = format!("{} bytes of them named again", 1001 + MAX_REUSED_EXTRA);
        assert!(error.to_string().contains(&expected), "{error}");
        assert!(error.to_string().contains(&format!("{}-byte limit", 1000 + MAX_REUSED_EXTRA)), "{error}");
    }
}
