//! What an archive holds, format-independent: images (with the names they were saved under),
//! each one or several image manifests (one per platform), each a config and layers — and for
//! every blob, where its bytes are in the archive, if they are there at all.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::index::BodyFacts;
use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, ManifestDocument, Platform};
use crate::media::{self, Compression};

/// Which layout an image came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageFormat {
    /// `docker save` / `podman save` / `skopeo copy docker-archive:`: `manifest.json`.
    DockerSave,
    /// An OCI image layout: `oci-layout`, `index.json`, `blobs/` (also inside Docker 25+ saves).
    OciLayout,
}

/// A file in the archive holding a blob's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Its path in the archive (links already followed).
    pub path: String,
    /// Where its bytes start in the tar.
    pub offset: u64,
    /// Its size.
    pub size: u64,
    /// What its first bytes say it is compressed with.
    pub compression: Compression,
    /// What the index pass computed, for compressed archives (which it reads in full).
    pub facts: Option<BodyFacts>,
}

/// Whether a layer's blob can be pushed from the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    /// The archive holds the blob.
    Present,
    /// The archive holds the layer's uncompressed tar, but not the blob a foreign layer's
    /// descriptor names (its compressed form): `docker save` keeps only the tar.
    UncompressedOnly,
    /// The archive does not hold it.
    Missing,
}

/// A config blob.
#[derive(Clone, Debug)]
pub struct ArchiveConfig {
    /// What the archive's metadata says about it: an OCI manifest's config descriptor, or for
    /// docker-save the digest and size of the file (the image ID).
    pub descriptor: Descriptor,
    /// The path the metadata names.
    pub path: String,
    /// The file.
    pub stored: Stored,
    /// The parsed config, when the media type is an image config (artifacts have others);
    /// shared by every manifest naming the file.
    pub config: Option<Arc<ImageConfig>>,
}

/// A layer.
#[derive(Clone, Debug)]
pub struct ArchiveLayer {
    /// What a manifest says about it: the OCI manifest's descriptor; for docker-save, the
    /// `LayerSources` descriptor of a foreign layer, or `None` (built from the file at push).
    pub declared: Option<Descriptor>,
    /// The path the metadata names (`Layers[i]`, or `blobs/<alg>/<hex>`).
    pub path: String,
    /// The file, if the archive holds it.
    pub stored: Option<Stored>,
    /// The config's `rootfs.diff_ids` entry at this position.
    pub diff_id: Option<Digest>,
}

impl ArchiveLayer {
    /// Foreign (non-distributable) by the declared media type.
    pub fn foreign(&self) -> bool {
        self.declared.as_ref().is_some_and(|d| media::classify(d).non_distributable)
    }

    /// Whether the blob to push is in the archive.
    pub fn presence(&self) -> Presence {
        let Some(stored) = &self.stored else { return Presence::Missing };
        match &self.declared {
            // A docker-save foreign layer names its compressed blob; `docker save` wrote the
            // uncompressed tar. Only a file of the declared size and compression is that blob.
            Some(d) if self.foreign() && !self.is_declared_blob(d, stored) => Presence::UncompressedOnly,
            _ => Presence::Present,
        }
    }

    fn is_declared_blob(&self, declared: &Descriptor, stored: &Stored) -> bool {
        let compression = media::classify(declared).compression;
        stored.size == declared.size
            && (stored.compression == compression || compression == Compression::None)
    }

    /// The media type a manifest built for this layer, as stored, gives it (docker-save):
    /// the declared one for foreign layers, else by the file's compression.
    pub fn stored_media_type(&self) -> Option<&'static str> {
        Some(match self.stored.as_ref()?.compression {
            Compression::None => media::DOCKER_LAYER_TAR,
            Compression::Gzip => media::DOCKER_LAYER_GZIP,
            Compression::Zstd => media::OCI_LAYER_ZSTD,
        })
    }
}

/// A manifest or index that its parent (index.json, or an index) names by a digest or a size
/// its stored bytes do not have. Pushed as stored, an index naming a child wrongly is refused by
/// the registry half-way (the digest) or pulled by no client (the size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misnamed {
    /// An index above the image manifest, rather than the manifest itself.
    pub index: bool,
    /// The digest the parent names.
    pub named: Digest,
    /// The size the parent gives.
    pub named_size: u64,
    /// What the stored bytes hash to, when that is not `named`.
    pub hashes_to: Option<Digest>,
    /// The stored bytes' size.
    pub size: u64,
}

impl Misnamed {
    /// What is wrong, e.g. "the index names this manifest sha256:…, but its bytes hash to
    /// sha256:…".
    pub fn describe(&self) -> String {
        let what = if self.index { "an index above this manifest" } else { "this manifest" };
        let named = &self.named;
        match &self.hashes_to {
            Some(actual) => format!("the index names {what} {named}, but its bytes hash to {actual}"),
            None => format!(
                "the index names {what} {named} with size {}, but it is {} bytes",
                self.named_size, self.size
            ),
        }
    }
}

/// One image manifest (one platform).
#[derive(Clone, Debug)]
pub struct ArchiveManifest {
    /// The manifest as stored (OCI layouts), shared by every entry naming it; `None` for
    /// docker-save, which stores none.
    pub document: Option<Arc<ManifestDocument>>,
    /// Where the layout names it, or an index above it, by a digest or size the stored bytes
    /// do not have: a corrupt or tampered layout (reported by inspect, failed by verify).
    pub misnamed: Vec<Misnamed>,
    /// The platform, from the index entry or else the config.
    pub platform: Platform,
    /// For an attestation manifest (BuildKit's SBOM, provenance): the image it describes, from
    /// its index entry's annotations.
    pub attests: Option<Digest>,
    /// The config.
    pub config: ArchiveConfig,
    /// The layers, base first.
    pub layers: Vec<ArchiveLayer>,
}

/// One image: what a choice of image picks.
#[derive(Clone, Debug)]
pub struct ArchiveImage {
    /// The names it was saved under (`RepoTags`, `io.containerd.image.name`,
    /// `org.opencontainers.image.ref.name`); may be empty.
    pub names: Vec<String>,
    /// Where it came from.
    pub format: ImageFormat,
    /// For OCI layouts: the top document (an image manifest, or an index of several).
    pub top: Option<Arc<ManifestDocument>>,
    /// The image manifests (one, or one per platform of an index).
    pub manifests: Vec<ArchiveManifest>,
    /// For docker-save: `LayerSources` entries that match no layer (reported, not used).
    pub unused_layer_sources: Vec<Digest>,
}

impl ArchiveImage {
    /// Every name, for lists of images: `first (also: second, third)`.
    pub fn all_names(&self) -> String {
        match self.names.as_slice() {
            [_, more @ ..] if !more.is_empty() => format!("{} (also: {})", self.label(), more.join(", ")),
            _ => self.label(),
        }
    }

    /// A name to show: the first name, or the config digest for untagged images.
    pub fn label(&self) -> String {
        match (self.names.first(), self.manifests.first()) {
            (Some(name), _) => name.clone(),
            (None, Some(m)) => format!("untagged image {}", m.config.descriptor.digest),
            (None, None) => "untagged image".to_owned(),
        }
    }
}
