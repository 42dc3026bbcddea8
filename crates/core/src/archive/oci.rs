//! The OCI image layout (`skopeo copy … oci-archive:`, `buildah push … oci-archive:`, and inside
//! Docker 25+ saves): an `oci-layout` marker with the layout version, `index.json` (an image
//! index whose entries name images with `org.opencontainers.image.ref.name`), and every blob
//! under `blobs/<algorithm>/<hex>`. Entries may be image manifests or further indexes
//! (multi-platform images), read down to [`MAX_DEPTH`].

use std::sync::Arc;

use serde::Deserialize;

use super::archive_error::ArchiveError;
use super::files::{MAX_METADATA_SIZE, locate, read_whole};
use super::index::TarIndex;
use super::metadata::Metadata;
use super::model::{
    ArchiveConfig, ArchiveImage, ArchiveLayer, ArchiveManifest, ImageFormat, Misnamed, Stored,
};
use super::random_access::RandomAccess;
use super::tar_reader::Reader;
use crate::digest::Digest;
use crate::json;
use crate::manifest::{Descriptor, Manifest, ManifestDocument};
use crate::media;

/// The layout marker file.
pub const OCI_LAYOUT: &str = "oci-layout";
/// The layout's entry point.
pub const INDEX_JSON: &str = "index.json";
/// The annotation naming an image in a layout (a tag, or a whole reference).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation containerd and Docker 25+ use for the full image name.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";
/// Indexes nested deeper than this under `index.json` are refused: buildx and Docker 25+ nest
/// one (`index.json` → the image's index → its manifests), and no tool writes more than two.
pub const MAX_DEPTH: usize = 4;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LayoutMarker {
    image_layout_version: String,
}

/// Where a blob lives in a layout.
pub fn blob_path(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm(), digest.hex())
}

/// Checks `oci-layout`: it must exist and declare version 1.x.
pub async fn check_marker<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
) -> Result<String, ArchiveError> {
    let stored = locate(reader, index, OCI_LAYOUT).await?.ok_or_else(|| ArchiveError::MissingEntry {
        path: OCI_LAYOUT.to_owned(),
        wanted_by: Some(INDEX_JSON.into()),
    })?;
    let bytes = read_whole(reader, index, &stored, MAX_METADATA_SIZE, OCI_LAYOUT).await?;
    let bad = |source| ArchiveError::Json { path: OCI_LAYOUT.to_owned(), source };
    json::check_strict(&bytes).map_err(bad)?;
    let marker: LayoutMarker = json::from_slice(&bytes).map_err(bad)?;
    let version = marker.image_layout_version;
    if version.split('.').next() != Some("1") {
        return Err(ArchiveError::LayoutVersion { version });
    }
    Ok(version)
}

/// Reads every image `index.json` lists.
pub async fn read_images<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    metadata: &mut Metadata,
) -> Result<Vec<ArchiveImage>, ArchiveError> {
    check_marker(reader, index).await?;
    let stored = locate(reader, index, INDEX_JSON).await?.ok_or_else(|| ArchiveError::MissingEntry {
        path: INDEX_JSON.to_owned(),
        wanted_by: Some(OCI_LAYOUT.into()),
    })?;
    let bytes = read_whole(reader, index, &stored, MAX_METADATA_SIZE, INDEX_JSON).await?;
    let document = ManifestDocument::parse(bytes, Some(media::OCI_INDEX))
        .map_err(|e| ArchiveError::Manifest { path: INDEX_JSON.to_owned(), message: e.to_string() })?;
    let Manifest::Index(top) = document.manifest() else {
        return Err(ArchiveError::Manifest {
            path: INDEX_JSON.to_owned(),
            message: "index.json is not an image index".to_owned(),
        });
    };
    if top.manifests.is_empty() {
        return Err(ArchiveError::NoImages { what: "index.json lists no images".to_owned() });
    }
    metadata.count_entries(top.manifests.len())?;
    let mut walk = Walk { reader, index, metadata };
    let mut images = Vec::new();
    for descriptor in &top.manifests {
        let (document, misnamed) = walk.document(descriptor, INDEX_JSON).await?;
        let mut manifests = Vec::new();
        walk.collect(descriptor, &document, misnamed.into_iter().collect(), 0, &mut manifests).await?;
        let names = [CONTAINERD_NAME, REF_NAME]
            .iter()
            .filter_map(|key| descriptor.annotations.get(*key))
            .fold(Vec::new(), |mut names: Vec<String>, name| {
                if !names.contains(name) {
                    names.push(name.clone());
                }
                names
            });
        images.push(ArchiveImage {
            names,
            format: ImageFormat::OciLayout,
            top: Some(document),
            manifests,
            unused_layer_sources: Vec::new(),
        });
    }
    Ok(images)
}

/// Reading an index down to its image manifests, each document read once (see [`Metadata`]).
struct Walk<'a, R> {
    reader: &'a Reader<R>,
    index: &'a TarIndex,
    metadata: &'a mut Metadata,
}

impl<R: RandomAccess> Walk<'_, R> {
    /// Reads the manifest or index a descriptor names. A document whose bytes do not have the
    /// descriptor's digest or size is returned with what the descriptor says: reported, and
    /// refused by verify and push.
    async fn document(
        &mut self,
        descriptor: &Descriptor,
        wanted_by: &str,
    ) -> Result<(Arc<ManifestDocument>, Option<Misnamed>), ArchiveError> {
        let path = blob_path(&descriptor.digest);
        let stored = self.locate(&path, || format!("{wanted_by} ({})", descriptor.media_type)).await?;
        let (document, hashes_to) =
            self.metadata.document(self.reader, self.index, &stored, descriptor, &path).await?;
        let size = document.bytes().len() as u64;
        let misnamed = (hashes_to.is_some() || size != descriptor.size).then(|| Misnamed {
            index: matches!(document.manifest(), Manifest::Index(_)),
            named: descriptor.digest.clone(),
            named_size: descriptor.size,
            hashes_to: hashes_to.map(|_| document.digest().clone()),
            size,
        });
        Ok((document, misnamed))
    }

    async fn locate(&self, path: &str, wanted_by: impl FnOnce() -> String) -> Result<Stored, ArchiveError> {
        let found = locate(self.reader, self.index, path).await?;
        found
            .ok_or_else(|| ArchiveError::MissingEntry { path: path.to_owned(), wanted_by: Some(wanted_by()) })
    }

    /// Adds the image manifests under `document` (itself, or an index's entries, recursively).
    async fn collect(
        &mut self,
        descriptor: &Descriptor,
        document: &Arc<ManifestDocument>,
        misnamed: Vec<Misnamed>,
        depth: usize,
        out: &mut Vec<ArchiveManifest>,
    ) -> Result<(), ArchiveError> {
        let path = blob_path(&descriptor.digest);
        match document.manifest() {
            Manifest::Image(image) => {
                self.metadata.count_layers(image.layers.len())?;
                let config = self.config(&image.config, &path).await?;
                let diff_ids =
                    config.config.as_ref().map(|c| c.rootfs.diff_ids.as_slice()).unwrap_or_default();
                if let Some(c) = &config.config {
                    c.check_layer_count(image.layers.len()).map_err(|e| ArchiveError::Alignment {
                        image: path.clone(),
                        message: e.to_string(),
                    })?;
                }
                let mut layers = Vec::with_capacity(image.layers.len());
                for (i, layer) in image.layers.iter().enumerate() {
                    let layer_path = blob_path(&layer.digest);
                    let stored = locate(self.reader, self.index, &layer_path).await?;
                    layers.push(ArchiveLayer {
                        declared: Some(layer.clone()),
                        path: layer_path,
                        stored,
                        diff_id: diff_ids.get(i).cloned(),
                    });
                }
                let platform = match (&descriptor.platform, &config.config) {
                    (Some(p), _) => p.clone(),
                    (None, Some(c)) => c.platform(),
                    (None, None) => Default::default(),
                };
                out.push(ArchiveManifest {
                    document: Some(Arc::clone(document)),
                    misnamed,
                    platform,
                    attests: descriptor.attests(),
                    config,
                    layers,
                });
                Ok(())
            }
            Manifest::Index(child_index) => {
                if depth >= MAX_DEPTH {
                    return Err(ArchiveError::Manifest {
                        path,
                        message: format!("indexes nest more than {MAX_DEPTH} levels deep"),
                    });
                }
                self.metadata.count_entries(child_index.manifests.len())?;
                for child in &child_index.manifests {
                    let (child_document, child_misnamed) = self.document(child, &path).await?;
                    let below = misnamed.iter().cloned().chain(child_misnamed).collect();
                    Box::pin(self.collect(child, &child_document, below, depth + 1, out)).await?;
                }
                Ok(())
            }
            Manifest::Schema1(_) => Err(ArchiveError::Manifest {
                path,
                message:
                    "a Docker schema 1 manifest: no registry accepts it any more; convert the image first"
                        .into(),
            }),
        }
    }

    /// The config a manifest names, parsed when its media type is an image config's.
    async fn config(
        &mut self,
        descriptor: &Descriptor,
        manifest_path: &str,
    ) -> Result<ArchiveConfig, ArchiveError> {
        let path = blob_path(&descriptor.digest);
        let stored = self.locate(&path, || format!("the config of {manifest_path}")).await?;
        let config = match media::is_image_config(&descriptor.media_type) {
            true => Some(self.metadata.config(self.reader, self.index, &stored, &path).await?.config),
            false => None,
        };
        Ok(ArchiveConfig { descriptor: descriptor.clone(), path, stored, config })
    }
}
