//! The inspect report: what `waybill inspect --json`, the Worker's `/api/inspect` and the app
//! all show about a manifest.
//!
//! Scripts depend on these JSON field names, which are fixed: `media_type`, `digest`,
//! `layers[].{digest, size, media_type, foreign, urls, compression}`, `foreign_count`,
//! `total_size`. Fields may be added, never renamed.
//!
//! `foreign` is the media-type signal and `has_urls` the `urls` signal; they are reported
//! separately and never merged (see [`crate::media`]). `total_size` and `foreign_size` count
//! layer bytes only (not the config or the manifest).

use serde::{Deserialize, Serialize};

use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageManifest, Manifest, ManifestDocument};
use crate::media::{self, Compression, LayerKind, classify};
use crate::policy::{self, pulp_verdict};

/// Which kind of manifest was inspected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ManifestKind {
    /// An image (or artifact) manifest: config + layers.
    Image,
    /// A multi-platform index or manifest list.
    Index,
    /// A legacy Docker schema 1 manifest.
    Schema1,
}

/// Everything Waybill reports about one manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectReport {
    /// The effective media type.
    pub media_type: String,
    /// sha256 of the manifest bytes.
    pub digest: Digest,
    /// Size of the manifest bytes.
    pub manifest_size: u64,
    /// Image, index or schema 1.
    pub kind: ManifestKind,
    /// True for schema 1: read-only, deprecated everywhere.
    pub legacy: bool,
    /// The layers, base first (schema 1's top-first list is reversed to match).
    pub layers: Vec<LayerReport>,
    /// Number of layers.
    pub layer_count: usize,
    /// Layers that are foreign by media type.
    pub foreign_count: usize,
    /// Bytes in foreign layers.
    pub foreign_size: u64,
    /// Bytes in all layers; 0 for an index (no layers of its own) and for schema 1 (records no
    /// sizes). Saturates at 2^64-1.
    pub total_size: u64,
    /// The config descriptor and, when the config was read, a summary of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigReport>,
    /// For an index: its entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<IndexEntryReport>,
    /// For artifacts: the artifact type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The manifest this one refers to (signatures, SBOMs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Digest>,
    /// The policy the per-layer `pulp.push` verdicts assume.
    pub allow_foreign_layers: bool,
    /// Problems to know about before pushing.
    pub warnings: Vec<String>,
}

/// One layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Its digest.
    pub digest: Digest,
    /// Its size in bytes; `null` for schema 1, which records none.
    pub size: Option<u64>,
    /// Its media type (schema 1: the implied `…rootfs.diff.tar.gzip`).
    pub media_type: String,
    /// Foreign / non-distributable by media type.
    pub foreign: bool,
    /// Its `urls`.
    pub urls: Vec<String>,
    /// Its compression.
    pub compression: Compression,
    /// Whether it has `urls` (the other signal, reported separately from `foreign`).
    pub has_urls: bool,
    /// One of the well-known empty layers.
    pub empty: bool,
    /// Whether Waybill's media-type table knows the type.
    pub known_media_type: bool,
    /// What Pulp would do with it.
    pub pulp: PulpReport,
}

impl LayerReport {
    /// The classification this row was built from.
    pub fn kind(&self) -> LayerKind {
        LayerKind {
            non_distributable: self.foreign,
            has_urls: self.has_urls,
            compression: self.compression,
            empty: self.empty,
            known_media_type: self.known_media_type,
        }
    }
}

/// What Pulp would do with a layer (see [`policy::pulp_verdict`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulpReport {
    /// On sync from a remote.
    pub sync: String,
    /// On push by Waybill under the report's policy.
    pub push: String,
}

/// The config: its descriptor and, once read, what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigReport {
    /// The config blob's digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// From the config: `os[(os.version)]/arch[/variant]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// From the config: when the image was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// From the config: how many `rootfs.diff_ids` it lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id_count: Option<usize>,
    /// From the config: why it does not match the manifest's layers, if it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment_error: Option<String>,
}

/// One entry of an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntryReport {
    /// `os[(os.version)]/arch[/variant]`, or `None` when the entry declares no platform.
    pub platform: Option<String>,
    /// The manifest's digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// Its artifact type, for artifact entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// For an attestation manifest (BuildKit's SBOM, provenance): the image it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attests: Option<Digest>,
}

impl InspectReport {
    /// The report for a parsed manifest, assuming the default policy (foreign layers refused).
    pub fn from_document(doc: &ManifestDocument) -> InspectReport {
        let mut report = InspectReport {
            media_type: doc.media_type().to_owned(),
            digest: doc.digest().clone(),
            manifest_size: doc.bytes().len() as u64,
            kind: ManifestKind::Image,
            legacy: false,
            layers: Vec::new(),
            layer_count: 0,
            foreign_count: 0,
            foreign_size: 0,
            total_size: 0,
            config: None,
            platforms: Vec::new(),
            artifact_type: None,
            subject: None,
            allow_foreign_layers: false,
            warnings: Vec::new(),
        };
        match doc.manifest() {
            Manifest::Image(image) => report.fill_image(image),
            Manifest::Index(index) => {
                report.kind = ManifestKind::Index;
                report.artifact_type = index.artifact_type.clone();
                report.subject = index.subject.as_ref().map(|s| s.digest.clone());
                report.platforms = index.manifests.iter().map(index_entry).collect();
            }
            Manifest::Schema1(schema1) => {
                report.kind = ManifestKind::Schema1;
                report.legacy = true;
                report.layers = schema1.fs_layers.iter().rev().map(schema1_layer).collect();
                report.warnings.push(
                    "Docker schema 1 is deprecated and read-only here: it records no layer sizes, \
                     and registries no longer accept it"
                        .to_owned(),
                );
                if schema1.signed {
                    report.warnings.push(
                        "signed schema 1: registries identify it by the digest of its payload without \
                         the signatures, which differs from the digest of the bytes shown here"
                            .to_owned(),
                    );
                }
            }
        }
        report.recount();
        report
    }

    /// Adds what the image config says, and checks it against the layers.
    pub fn with_config(mut self, config: &ImageConfig) -> InspectReport {
        let alignment = config.check_layer_count(self.layer_count).err().map(|e| e.to_string());
        if let Some(report) = &mut self.config {
            report.platform = Some(config.platform().to_string());
            report.created = config.created.clone();
            report.diff_id_count = Some(config.rootfs.diff_ids.len());
            report.alignment_error = alignment;
        }
        self
    }

    /// Recomputes each layer's Pulp push verdict for the given policy.
    pub fn allowing_foreign_layers(mut self, allow: bool) -> InspectReport {
        self.allow_foreign_layers = allow;
        for layer in &mut self.layers {
            layer.pulp = pulp_report(&layer.kind(), allow);
        }
        self
    }

    fn fill_image(&mut self, image: &ImageManifest) {
        self.artifact_type = image.artifact_type.clone();
        self.subject = image.subject.as_ref().map(|s| s.digest.clone());
        self.config = Some(ConfigReport {
            digest: image.config.digest.clone(),
            size: image.config.size,
            media_type: image.config.media_type.to_string(),
            platform: None,
            created: None,
            diff_id_count: None,
            alignment_error: None,
        });
        self.layers = image.layers.iter().map(|d| layer(d, classify(d))).collect();
        self.warnings = policy::warnings(image);
    }

    fn recount(&mut self) {
        // Sizes come from the document (each up to 2^63-1): saturate rather than overflow.
        let sum = |layers: &mut dyn Iterator<Item = &LayerReport>| {
            layers.filter_map(|l| l.size).fold(0u64, u64::saturating_add)
        };
        self.layer_count = self.layers.len();
        self.foreign_count = self.layers.iter().filter(|l| l.foreign).count();
        self.foreign_size = sum(&mut self.layers.iter().filter(|l| l.foreign));
        self.total_size = sum(&mut self.layers.iter());
    }
}

fn pulp_report(kind: &LayerKind, allow: bool) -> PulpReport {
    let verdict = pulp_verdict(kind, allow);
    PulpReport { sync: verdict.sync.to_owned(), push: verdict.push }
}

fn layer(d: &Descriptor, kind: LayerKind) -> LayerReport {
    LayerReport {
        digest: d.digest.clone(),
        size: Some(d.size),
        media_type: d.media_type.to_string(),
        foreign: kind.non_distributable,
        urls: d.urls.clone(),
        compression: kind.compression,
        has_urls: kind.has_urls,
        empty: kind.empty,
        known_media_type: kind.known_media_type,
        pulp: pulp_report(&kind, false),
    }
}

/// Schema 1 layers are gzip'd tars with no recorded size or media type; Docker's conversion
/// to schema 2 gives them [`media::DOCKER_LAYER_GZIP`], so that is the type shown.
fn schema1_layer(digest: &Digest) -> LayerReport {
    let kind = LayerKind {
        non_distributable: false,
        has_urls: false,
        compression: Compression::Gzip,
        empty: media::EMPTY_BLOBS.iter().any(|&(empty, _)| empty == digest.to_string()),
        known_media_type: true,
    };
    LayerReport { size: None, ..layer(&Descriptor::new(media::DOCKER_LAYER_GZIP, digest.clone(), 0), kind) }
}

fn index_entry(d: &Descriptor) -> IndexEntryReport {
    IndexEntryReport {
        platform: d.platform.as_ref().map(ToString::to_string),
        digest: d.digest.clone(),
        size: d.size,
        media_type: d.media_type.to_string(),
        artifact_type: d.artifact_type.clone(),
        attests: d.attests(),
    }
}
