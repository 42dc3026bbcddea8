//! The image to look inside: its digest, config and layers, whether it lives in a registry or in
//! an archive file — the same description either way, so that listing, merging and diffing do
//! not care where the bytes come from.

use std::sync::Arc;

use super::diff::LayerId;
use super::explore_error::ExploreError;
use super::history::History;
use crate::archive::files::digest_in_name;
use crate::archive::{ArchiveImage, ArchiveLayer, Stored};
use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, Manifest};
use crate::media;
use crate::platform::PlatformSpec;
use crate::registry::inspect::{ConfigUnread, read_config};
use crate::registry::resolve::{PlatformChoice, resolve_images};
use crate::registry::{Client, ImageError, fetch_document};
use crate::transport::Transport;

/// One layer of the image.
#[derive(Clone, Debug)]
pub struct LayerInfo {
    /// The blob's digest: the manifest's, or for a `docker save` layer the stored file's (its
    /// name's promise, or its diff ID when it is stored uncompressed).
    pub digest: Digest,
    /// The blob's size.
    pub size: u64,
    /// Its media type (a `docker save` layer: by what is stored).
    pub media_type: String,
    /// The config's `rootfs.diff_ids` entry for it.
    pub diff_id: Option<Digest>,
    /// Foreign (non-distributable) by media type.
    pub foreign: bool,
    /// For an archive: the file holding it (`None`: not in the archive).
    pub stored: Option<Stored>,
}

/// An image, described for the explorer.
#[derive(Clone, Debug)]
pub struct ExploredImage {
    /// What the user named.
    pub reference: String,
    /// The image manifest's digest; for a `docker save` image, which has no manifest, the
    /// config's (its image ID).
    pub digest: Digest,
    /// The image config, when the config blob is one.
    pub config: Option<Arc<ImageConfig>>,
    /// The layers, base first.
    pub layers: Vec<LayerInfo>,
}

impl ExploredImage {
    /// The layers as the diff compares them.
    pub fn layer_ids(&self) -> Vec<LayerId> {
        self.layers.iter().map(|l| LayerId { digest: l.digest.clone(), diff_id: l.diff_id.clone() }).collect()
    }

    /// The history lined up with the layers.
    pub fn history(&self) -> History {
        History::align(self.config.as_deref(), self.layers.len())
    }

    /// Resolves `reference` in its registry: an image manifest, or one platform's of an index,
    /// and its config (digest-checked).
    pub async fn from_registry<T: Transport>(
        client: &Client<T>,
        repository: &str,
        reference: &str,
        shown: &str,
        platform: Option<&PlatformSpec>,
    ) -> Result<ExploredImage, ExploreError> {
        let top = fetch_document(client, repository, reference).await?;
        if let (Manifest::Image(_), Some(spec)) = (top.manifest(), platform) {
            let platform = spec.to_string();
            return Err(ImageError::NotAnIndex { reference: shown.to_owned(), platform }.into());
        }
        let choice = platform.map_or(PlatformChoice::Unspecified, |p| PlatformChoice::Only(p.clone()));
        let resolved = resolve_images(client, repository, shown, &top, &choice).await?;
        let Some(image) = resolved.into_iter().next() else {
            return Err(ExploreError::Platform(format!("{shown}: no image chosen")));
        };
        let config = fetch_config(client, repository, &image.image.config).await?;
        let diff_ids = diff_ids(config.as_deref(), image.image.layers.len());
        let layers = image
            .image
            .layers
            .iter()
            .zip(diff_ids)
            .map(|(d, diff_id)| LayerInfo {
                digest: d.digest.clone(),
                size: d.size,
                media_type: d.media_type.to_string(),
                diff_id,
                foreign: media::classify(d).non_distributable,
                stored: None,
            })
            .collect();
        Ok(ExploredImage {
            reference: shown.to_owned(),
            digest: image.document.digest().clone(),
            config,
            layers,
        })
    }

    /// One image of an archive: its only manifest, or the one for `platform`.
    pub fn from_archive(
        shown: &str,
        image: &ArchiveImage,
        platform: Option<&PlatformSpec>,
    ) -> Result<ExploredImage, ExploreError> {
        let runnable: Vec<_> = image.manifests.iter().filter(|m| m.attests.is_none()).collect();
        let platforms = || runnable.iter().map(|m| m.platform.to_string()).collect::<Vec<_>>().join(", ");
        let manifest = match (platform, runnable.as_slice()) {
            (None, [only]) => *only,
            (None, _) => {
                let available = runnable.iter().map(|m| m.platform.to_string()).collect();
                return Err(ExploreError::NeedPlatform { shown: shown.to_owned(), available });
            }
            (Some(spec), _) => {
                runnable.iter().copied().find(|m| spec.matches(&m.platform)).ok_or_else(|| {
                    ExploreError::Platform(format!("{shown} has no {spec} image (it has {})", platforms()))
                })?
            }
        };
        let config = manifest.config.config.clone();
        let digest = match &manifest.document {
            Some(document) => document.digest().clone(),
            None => manifest.config.descriptor.digest.clone(),
        };
        let layers = manifest
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| archive_layer(i + 1, l))
            .collect::<Result<_, _>>()?;
        Ok(ExploredImage { reference: shown.to_owned(), digest, config, layers })
    }
}

/// The config, when its blob is an image config (an artifact's is often not: no error).
async fn fetch_config<T: Transport>(
    client: &Client<T>,
    repository: &str,
    descriptor: &Descriptor,
) -> Result<Option<Arc<ImageConfig>>, ExploreError> {
    match read_config(client, repository, descriptor).await {
        Ok(config) => Ok(Some(Arc::new(config.parsed))),
        Err(ConfigUnread::Fetch(error)) => Err(error.into()),
        Err(ConfigUnread::TooLarge { .. } | ConfigUnread::NotAnImageConfig(_)) => Ok(None),
    }
}

/// The config's diff IDs, one per layer when it has exactly that many.
fn diff_ids(config: Option<&ImageConfig>, layers: usize) -> Vec<Option<Digest>> {
    match config.map(|c| &c.rootfs.diff_ids) {
        Some(ids) if ids.len() == layers => ids.iter().cloned().map(Some).collect(),
        _ => vec![None; layers],
    }
}

fn archive_layer(n: usize, layer: &ArchiveLayer) -> Result<LayerInfo, ExploreError> {
    let stored = layer.stored.as_ref();
    // What names the blob: the manifest; else the hash the index pass took, the file's name, or
    // the diff ID (the digest of an uncompressed file, which is what `docker save` stores).
    let digest = layer
        .declared
        .as_ref()
        .map(|d| d.digest.clone())
        .or_else(|| stored.and_then(|s| s.facts.as_ref().map(|f| f.sha256.clone())))
        .or_else(|| digest_in_name(&layer.path))
        .or_else(|| layer.diff_id.clone())
        .ok_or_else(|| {
            ExploreError::Platform(format!(
                "layer {n} ({}) has no digest: the archive names it by path only and the config gives \
                 it no diff_id",
                layer.path
            ))
        })?;
    let size = layer.declared.as_ref().map_or_else(|| stored.map_or(0, |s| s.size), |d| d.size);
    let media_type = match &layer.declared {
        Some(d) => d.media_type.to_string(),
        None => layer.stored_media_type().unwrap_or(media::DOCKER_LAYER_TAR).to_owned(),
    };
    Ok(LayerInfo {
        digest,
        size,
        media_type,
        diff_id: layer.diff_id.clone(),
        foreign: layer.foreign(),
        stored: layer.stored.clone(),
    })
}
