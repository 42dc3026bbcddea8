//! The manifests to push for an archive image, built once and pushed byte for byte
//! (invariant 1).
//!
//! An OCI-layout image is pushed as stored: its manifests' bytes are already what the image is.
//! A docker-save image has no manifest, so one is built from what the archive holds: each layer
//! as stored — an uncompressed tar becomes `application/vnd.docker.image.rootfs.diff.tar` with its
//! diff ID as digest, a gzip'd one `…diff.tar.gzip` — and each foreign layer with the media type,
//! digest, size and `urls` of its `LayerSources` descriptor. With compression asked for (gzip by
//! default, as `docker push` and skopeo do), uncompressed layers are compressed while they are
//! uploaded ([`super::compress`]), which gives them new digests, learned only then: such a
//! manifest is [`Top::Pending`] until the uploads say what the layers became. A zstd layer (no
//! Docker media type exists for it) makes the manifest an OCI one.

use super::archive_error::ArchiveError;
use super::compress::{Codec, LayerCompression};
use super::model::{ArchiveImage, ArchiveLayer, ArchiveManifest, ImageFormat, Presence, Stored};
use super::verify::ImageVerification;
use crate::digest::{Digest, Verified};
use crate::manifest::{Descriptor, ImageManifest, Manifest, ManifestDocument};
use crate::media::{self, Compression};
use crate::policy::{self, BlobRole, Rejection};

/// Where a blob to push comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobOrigin {
    /// The stored file, byte for byte.
    Stored(Stored),
    /// The stored uncompressed tar, compressed while it is uploaded. Its descriptor names the
    /// layer's diff ID and uncompressed size until then.
    Compressed(Stored, Codec),
    /// Not in the archive: a foreign layer, downloaded from its `urls` while it is uploaded.
    Urls(Vec<String>),
}

/// One distinct blob to push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushBlob {
    /// Its descriptor in the pushed manifest.
    pub descriptor: Descriptor,
    /// Config or layer.
    pub role: BlobRole,
    /// Where its bytes come from.
    pub origin: BlobOrigin,
}

/// Everything a push sends.
#[derive(Clone, Debug)]
pub struct PushImage {
    /// Image manifests to push by digest before `top` (the entries of an index).
    pub children: Vec<ManifestDocument>,
    /// The manifest pushed under the destination tag.
    pub top: Top,
    /// Every distinct blob, configs first, then layers in order.
    pub blobs: Vec<PushBlob>,
    /// What the user should know about how the image was built.
    pub notes: Vec<String>,
}

/// The manifest pushed under the destination tag.
#[derive(Clone, Debug)]
pub enum Top {
    /// Known before anything is sent.
    Ready(ManifestDocument),
    /// Written once the layers compressed on the way are uploaded: its descriptors for them
    /// name the diff ID and uncompressed size until [`PushImage::top_with`] puts in what the
    /// uploads proved.
    Pending {
        /// The manifest, with those stand-ins.
        manifest: ImageManifest,
        /// What is written for it.
        image: String,
    },
}

impl Top {
    /// The manifest's bytes and digest, when known before anything is sent.
    pub fn ready(&self) -> Option<&ManifestDocument> {
        match self {
            Top::Ready(document) => Some(document),
            Top::Pending { .. } => None,
        }
    }
}

impl PushImage {
    /// The manifest to push under the destination tag, given what each layer compressed on the
    /// way became (keyed by the diff ID it was made from).
    pub fn top_with(&self, made: &[(Digest, Verified)]) -> Result<ManifestDocument, BuildError> {
        let (manifest, image) = match &self.top {
            Top::Ready(document) => return Ok(document.clone()),
            Top::Pending { manifest, image } => (manifest, image),
        };
        let mut manifest = manifest.clone();
        for blob in &self.blobs {
            let BlobOrigin::Compressed(..) = blob.origin else { continue };
            let from = &blob.descriptor.digest;
            let (_, became) = made.iter().find(|(f, _)| f == from).ok_or_else(|| BuildError::Invalid {
                image: image.clone(),
                message: format!("the layer made from {from} was not uploaded"),
            })?;
            for layer in manifest.layers.iter_mut().filter(|l| l.digest == *from) {
                layer.digest = became.digest.clone();
                layer.size = became.size;
            }
        }
        document(image, &manifest)
    }
}

/// What the user is told of layers compressed on the way: their new digests.
pub fn compressed_note(codec: Codec, made: &[(Digest, Verified)]) -> Option<String> {
    let pairs: Vec<String> = made.iter().map(|(from, to)| format!("{from} → {}", to.digest)).collect();
    (!pairs.is_empty()).then(|| {
        format!(
            "{} compression: {} layer(s) compressed, which changes their digests (the diff IDs in the config \
             stay): {}",
            codec.as_str(),
            pairs.len(),
            pairs.join(", ")
        )
    })
}

/// Why a push image could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Reading the archive failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The verification does not cover this image (a caller bug, said plainly).
    #[error("the image was not verified before the build: {0}")]
    NotVerified(String),
    /// The built manifest did not parse (a bug, said plainly rather than pushed).
    #[error("the manifest built for {image} is not valid: {message}")]
    Invalid {
        /// Which image.
        image: String,
        /// What the parser said.
        message: String,
    },
}

/// The policy for every image manifest of `image`, from its metadata alone.
pub fn check_policy(image: &ArchiveImage, allow_foreign_layers: bool) -> Result<Vec<String>, Vec<Rejection>> {
    let views: Vec<_> = image.manifests.iter().map(policy_view).collect();
    policy::plan_all(&views, allow_foreign_layers).map(|plan| plan.warnings)
}

/// The image manifest as far as it is known without reading any layer: enough for the
/// foreign-layer policy, which looks only at media types and `urls`, to be decided first.
/// Non-foreign docker-save layers carry their diff ID where the digest will be.
pub fn policy_view(manifest: &ArchiveManifest) -> ImageManifest {
    if let Some(Manifest::Image(image)) = manifest.document.as_deref().map(ManifestDocument::manifest) {
        return image.clone();
    }
    let layers = manifest
        .layers
        .iter()
        .map(|layer| match &layer.declared {
            Some(d) => d.clone(),
            None => Descriptor::new(
                layer.stored_media_type().unwrap_or(media::DOCKER_LAYER_TAR),
                layer.diff_id.clone().unwrap_or_else(|| manifest.config.descriptor.digest.clone()),
                layer.stored.as_ref().map_or(0, |s| s.size),
            ),
        })
        .collect();
    image_manifest(media::DOCKER_MANIFEST_V2, manifest.config.descriptor.clone(), layers)
}

fn image_manifest(media_type: &str, config: Descriptor, layers: Vec<Descriptor>) -> ImageManifest {
    ImageManifest {
        schema_version: 2,
        media_type: Some(media_type.into()),
        artifact_type: None,
        config,
        layers,
        subject: None,
        annotations: Default::default(),
    }
}

/// Builds what to push for `image`, which `verification` (from [`super::verify::verify`]) must
/// cover and pass. Reads nothing: what a compressed layer becomes is learned while it is sent.
pub fn build(
    image: &ArchiveImage,
    verification: &ImageVerification,
    compress: LayerCompression,
) -> Result<PushImage, BuildError> {
    let mut blobs: Vec<PushBlob> = Vec::new();
    let mut notes = Vec::new();
    let mut add = |blob: PushBlob| {
        if blobs.iter().all(|b| b.descriptor.digest != blob.descriptor.digest) {
            blobs.push(blob);
        }
    };
    if image.format == ImageFormat::OciLayout {
        let top = image
            .top
            .as_deref()
            .cloned()
            .ok_or_else(|| BuildError::NotVerified("an OCI image without its manifest".into()))?;
        for m in &image.manifests {
            add(PushBlob {
                descriptor: m.config.descriptor.clone(),
                role: BlobRole::Config,
                origin: BlobOrigin::Stored(m.config.stored.clone()),
            });
            for layer in &m.layers {
                let descriptor =
                    layer.declared.clone().ok_or_else(|| BuildError::NotVerified(layer.path.clone()))?;
                add(PushBlob { descriptor, role: BlobRole::Layer, origin: origin_as_stored(layer) });
            }
        }
        if let Some(codec) = compress.codec()
            && image
                .manifests
                .iter()
                .flat_map(|m| &m.layers)
                .any(|l| stored_compression(l) == Some(Compression::None))
        {
            notes.push(format!(
                "{} compression applies to docker-save images only: this OCI image is pushed as stored, byte for \
                 byte",
                codec.as_str()
            ));
        }
        let children = match top.manifest() {
            Manifest::Index(_) => {
                image.manifests.iter().filter_map(|m| m.document.as_deref().cloned()).collect()
            }
            _ => Vec::new(),
        };
        return Ok(PushImage { children, top: Top::Ready(top), blobs, notes });
    }

    let [manifest] = image.manifests.as_slice() else {
        return Err(BuildError::NotVerified("a docker-save image has exactly one manifest".into()));
    };
    let [checked] = verification.manifests.as_slice() else {
        return Err(BuildError::NotVerified(format!("no verification for {}", image.label())));
    };
    add(PushBlob {
        descriptor: manifest.config.descriptor.clone(),
        role: BlobRole::Config,
        origin: BlobOrigin::Stored(manifest.config.stored.clone()),
    });
    let made = |l: &ArchiveLayer| match stored_compression(l) {
        Some(Compression::None) if l.declared.is_none() => compress.codec(),
        _ => None,
    };
    let zstd = manifest.layers.iter().any(|l| {
        l.declared.is_none() && stored_compression(l) == Some(Compression::Zstd)
            || made(l) == Some(Codec::Zstd)
    });
    let mut layers = Vec::with_capacity(manifest.layers.len());
    let mut pending = false;
    for (i, layer) in manifest.layers.iter().enumerate() {
        if let Some(declared) = &layer.declared {
            let mut descriptor = declared.clone();
            descriptor.platform = None;
            layers.push(descriptor.clone());
            add(PushBlob { descriptor, role: BlobRole::Layer, origin: origin_as_stored(layer) });
            continue;
        }
        let stored = layer.stored.clone().ok_or_else(|| ArchiveError::MissingEntry {
            path: layer.path.clone(),
            wanted_by: Some(image.label()),
        })?;
        let digest = checked
            .blobs
            .get(i + 1)
            .and_then(|b| b.digest.clone())
            .ok_or_else(|| BuildError::NotVerified(layer.path.clone()))?;
        let (descriptor, origin) = match made(layer) {
            Some(codec) => {
                // Stands in for the compressed blob until its upload says what it is.
                pending = true;
                let compression = match codec {
                    Codec::Gzip => Compression::Gzip,
                    Codec::Zstd => Compression::Zstd,
                };
                (
                    Descriptor::new(layer_type(compression, zstd), digest, stored.size),
                    BlobOrigin::Compressed(stored, codec),
                )
            }
            None => (
                Descriptor::new(layer_type(stored.compression, zstd), digest, stored.size),
                BlobOrigin::Stored(stored),
            ),
        };
        layers.push(descriptor.clone());
        add(PushBlob { descriptor, role: BlobRole::Layer, origin });
    }
    let (manifest_type, config) = if zstd {
        notes.push(
            "a zstd layer has no Docker media type: the image is pushed with an OCI manifest".to_owned(),
        );
        let mut config = manifest.config.descriptor.clone();
        config.media_type = media::MediaType::OciConfig;
        (media::OCI_MANIFEST, config)
    } else {
        (media::DOCKER_MANIFEST_V2, manifest.config.descriptor.clone())
    };
    if let Some(blob) = blobs.first_mut() {
        blob.descriptor = config.clone();
    }
    let built = image_manifest(manifest_type, config, layers);
    let top = if pending {
        Top::Pending { manifest: built, image: image.label() }
    } else {
        Top::Ready(document(&image.label(), &built)?)
    };
    Ok(PushImage { children: Vec::new(), top, blobs, notes })
}

/// The exact bytes of a built manifest, read back as the parser reads any manifest.
fn document(image: &str, built: &ImageManifest) -> Result<ManifestDocument, BuildError> {
    let invalid = |message: String| BuildError::Invalid { image: image.to_owned(), message };
    let bytes = serde_json::to_vec_pretty(built).map_err(|e| invalid(e.to_string()))?;
    let media_type = built.media_type.as_deref();
    ManifestDocument::parse(bytes, media_type).map_err(|e| invalid(e.to_string()))
}

fn stored_compression(layer: &ArchiveLayer) -> Option<Compression> {
    layer.stored.as_ref().map(|s| s.compression)
}

/// The layer media type for a compression, in the manifest's family.
fn layer_type(compression: Compression, oci: bool) -> &'static str {
    match (compression, oci) {
        (Compression::None, false) => media::DOCKER_LAYER_TAR,
        (Compression::Gzip, false) => media::DOCKER_LAYER_GZIP,
        (Compression::None, true) => media::OCI_LAYER_TAR,
        (Compression::Gzip, true) => media::OCI_LAYER_GZIP,
        (Compression::Zstd, _) => media::OCI_LAYER_ZSTD,
    }
}

fn origin_as_stored(layer: &ArchiveLayer) -> BlobOrigin {
    match (&layer.stored, layer.presence()) {
        (Some(stored), Presence::Present) => BlobOrigin::Stored(stored.clone()),
        _ => BlobOrigin::Urls(layer.declared.as_ref().map(|d| d.urls.clone()).unwrap_or_default()),
    }
}
