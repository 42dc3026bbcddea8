//! What `waybill inspect <ARCHIVE> --json` prints (and the app shows for a dropped file): every
//! image with its names, every layer classified by both signals (media type and `urls`, see
//! [`crate::media`]), and whether the archive holds each layer's blob.
//!
//! Reading the metadata only, so inspecting a 10 GiB plain archive is instant. For docker-save
//! layers the digest shown is the one the layer would be pushed under without `--compress`: the
//! diff ID for a plain tar; a compressed layer file's digest is only known after `verify`.

use serde::{Deserialize, Serialize};

use super::build::{check_policy, policy_view};
use super::model::{ArchiveImage, ArchiveManifest, ImageFormat, Presence};
use super::open::Archive;
use super::random_access::RandomAccess;
use crate::digest::Digest;
use crate::manifest;
use crate::media::{Compression, classify};

/// The whole archive.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArchiveReport {
    /// The layouts found (both for Docker 25+ saves).
    pub formats: Vec<ImageFormat>,
    /// The archive file's own compression.
    pub compression: Compression,
    /// The archive file's size.
    pub file_size: u64,
    /// Tar entries.
    pub entries: usize,
    /// The images.
    pub images: Vec<ImageReport>,
    /// Archive-wide notes.
    pub warnings: Vec<String>,
}

/// One image.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageReport {
    /// Its names (may be empty).
    pub names: Vec<String>,
    /// Its layout.
    pub format: ImageFormat,
    /// The stored top document's media type and digest (OCI layouts).
    pub media_type: Option<String>,
    /// The stored top document's digest (OCI layouts).
    pub digest: Option<Digest>,
    /// One per platform.
    pub manifests: Vec<ManifestReport>,
    /// Layers foreign by media type, all platforms.
    pub foreign_count: usize,
    /// Foreign layers whose blob the archive lacks.
    pub foreign_absent: usize,
    /// Layer bytes, all platforms.
    pub total_size: u64,
    /// Problems to know before pushing.
    pub warnings: Vec<String>,
}

/// One image manifest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestReport {
    /// The stored manifest's digest (OCI layouts).
    pub digest: Option<Digest>,
    /// `os[(os.version)]/arch[/variant]`.
    pub platform: String,
    /// For an attestation manifest: the image it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attests: Option<Digest>,
    /// The config.
    pub config: ConfigSummary,
    /// The layers, base first.
    pub layers: Vec<LayerRow>,
}

impl ManifestReport {
    /// What this manifest is, for a heading: its platform, or which image it attests (an
    /// attestation's `unknown/unknown` says nothing).
    pub fn title(&self) -> String {
        manifest::title(&self.platform, self.attests.as_ref())
    }

    /// Its heading among an image's manifests: `Platform linux/amd64`, or `Attestation of
    /// <image>…`.
    pub fn heading(&self) -> String {
        if self.attests.is_none() {
            return format!("Platform {}", self.platform);
        }
        let mut title = self.title();
        title[..1].make_ascii_uppercase();
        title
    }
}

/// The config, briefly.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfigSummary {
    /// Its digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// Where it is in the archive.
    pub path: String,
    /// When the image was made.
    pub created: Option<String>,
}

/// One layer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LayerRow {
    /// Where the metadata says it is.
    pub path: String,
    /// Its digest as pushed (see the module docs); `None` until verified for compressed
    /// docker-save layer files.
    pub digest: Option<Digest>,
    /// The config's diff ID for it.
    pub diff_id: Option<Digest>,
    /// Its size as pushed.
    pub size: u64,
    /// Its media type as pushed.
    pub media_type: String,
    /// Its compression.
    pub compression: Compression,
    /// Foreign by media type.
    pub foreign: bool,
    /// Has `urls`.
    pub has_urls: bool,
    /// Its `urls`.
    pub urls: Vec<String>,
    /// A well-known empty layer.
    pub empty: bool,
    /// Whether the archive holds the blob.
    pub presence: Presence,
}

impl ArchiveReport {
    /// The report for an opened archive.
    pub fn new<R: RandomAccess>(archive: &Archive<R>) -> ArchiveReport {
        ArchiveReport {
            formats: archive.formats().to_vec(),
            compression: archive.compression(),
            file_size: archive.file_len(),
            entries: archive.index().entries().len(),
            images: archive.images().iter().map(image_report).collect(),
            warnings: archive.warnings().to_vec(),
        }
    }
}

fn image_report(image: &ArchiveImage) -> ImageReport {
    let manifests: Vec<ManifestReport> = image.manifests.iter().map(manifest_report).collect();
    let layers = || manifests.iter().flat_map(|m| &m.layers);
    // With foreign layers allowed the policy refuses nothing and lists what registries will
    // object to (foreign layers without urls, distributable ones with urls).
    let mut warnings = check_policy(image, true).unwrap_or_default();
    for wrong in image.manifests.iter().flat_map(|m| &m.misnamed) {
        let warning = format!("{}: `waybill verify` fails it", wrong.describe());
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    for unused in &image.unused_layer_sources {
        warnings.push(format!("LayerSources has an entry for {unused}, which is no layer of this image"));
    }
    ImageReport {
        names: image.names.clone(),
        format: image.format,
        media_type: image.top.as_ref().map(|t| t.media_type().to_owned()),
        digest: image.top.as_ref().map(|t| t.digest().clone()),
        foreign_count: layers().filter(|l| l.foreign).count(),
        foreign_absent: layers().filter(|l| l.foreign && l.presence != Presence::Present).count(),
        total_size: layers().map(|l| l.size).fold(0, u64::saturating_add),
        manifests,
        warnings,
    }
}

fn manifest_report(m: &ArchiveManifest) -> ManifestReport {
    let view = policy_view(m);
    let layers = m
        .layers
        .iter()
        .zip(&view.layers)
        .map(|(layer, d)| {
            let kind = classify(d);
            let known_digest = layer.declared.is_some()
                || layer.stored.as_ref().is_some_and(|s| s.compression == Compression::None);
            LayerRow {
                path: layer.path.clone(),
                digest: known_digest.then(|| d.digest.clone()),
                diff_id: layer.diff_id.clone(),
                size: d.size,
                media_type: d.media_type.to_string(),
                compression: kind.compression,
                foreign: kind.non_distributable,
                has_urls: kind.has_urls,
                urls: d.urls.clone(),
                empty: kind.empty,
                presence: layer.presence(),
            }
        })
        .collect();
    ManifestReport {
        digest: m.document.as_ref().map(|d| d.digest().clone()),
        platform: m.platform.to_string(),
        attests: m.attests.clone(),
        config: ConfigSummary {
            digest: m.config.descriptor.digest.clone(),
            size: m.config.descriptor.size,
            media_type: m.config.descriptor.media_type.to_string(),
            path: m.config.path.clone(),
            created: m.config.config.as_ref().and_then(|c| c.created.clone()),
        },
        layers,
    }
}
