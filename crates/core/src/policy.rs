//! The foreign-layer policy, decided before the first byte is uploaded (invariant 3).
//!
//! A foreign layer (non-distributable, by media type) is one whose publisher restricts
//! redistribution: Windows base layers were the classic case. By default Waybill refuses to
//! copy such an image and names every offending layer. When the user allows foreign layers,
//! every blob is uploaded — foreign ones included — because that is what Pulp needs: a push of a
//! foreign layer is accepted only when the manifest keeps its `urls` *and* the blob has been
//! uploaded to that repository (design.md, "Facts we measured").

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageManifest};
use crate::media::{LayerKind, classify};
use crate::remedy::Remedy;

/// Pulp's answer to a manifest with a foreign layer that has no `urls`.
pub const PULP_FOREIGN_WITHOUT_URLS: &str = "The URL of a foreign layer must be specified";

/// What to upload, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Config first, then layers in manifest order; each distinct digest once.
    pub blobs: Vec<PlannedBlob>,
    /// Things that will likely go wrong on some registries, said before anything is sent.
    pub warnings: Vec<String>,
}

/// Whether a planned blob is the config or a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobRole {
    /// The image config (or an artifact's config).
    Config,
    /// A layer (or an artifact's content blob).
    Layer,
}

/// One blob to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedBlob {
    /// The descriptor from the manifest.
    pub descriptor: Descriptor,
    /// Config or layer.
    pub role: BlobRole,
    /// For layers: what the layer is.
    pub kind: Option<LayerKind>,
}

/// A layer the policy refuses, with everything needed to understand and override it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The layer's digest.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where its publisher serves it.
    pub urls: Vec<String>,
    /// Why it is refused.
    pub reason: String,
    /// How to allow it; each shell words it ([`Remedy::AllowForeignLayers`]).
    pub remedy: Remedy,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {} bytes): {}", self.digest, self.media_type, self.size, self.reason)?;
        if !self.urls.is_empty() {
            write!(f, "; urls: {}", self.urls.join(", "))?;
        }
        Ok(())
    }
}

/// Decides what to upload for `manifest`.
///
/// With `allow_foreign_layers` false, every foreign layer (by media type) is a [`Rejection`],
/// all of them at once. Otherwise every blob is planned, with warnings for layers some
/// registries will refuse (see [`layer_warning`]).
pub fn plan(manifest: &ImageManifest, allow_foreign_layers: bool) -> Result<Plan, Vec<Rejection>> {
    let layer_count = manifest.layers.len();
    let classified: Vec<(usize, &Descriptor, LayerKind)> =
        manifest.layers.iter().enumerate().map(|(i, d)| (i, d, classify(d))).collect();

    if !allow_foreign_layers {
        let rejections: Vec<Rejection> = classified
            .iter()
            .filter(|(_, _, kind)| kind.non_distributable)
            .map(|&(i, d, kind)| rejection(i, layer_count, d, kind))
            .collect();
        if !rejections.is_empty() {
            return Err(rejections);
        }
    }

    let mut blobs =
        vec![PlannedBlob { descriptor: manifest.config.clone(), role: BlobRole::Config, kind: None }];
    // A manifest may list one blob several times (the empty layer, typically): upload it once.
    let mut planned = BTreeSet::from([&manifest.config.digest]);
    let mut warnings = Vec::new();
    for (i, d, kind) in classified {
        warnings.extend(layer_warning(i, layer_count, d, kind));
        if planned.insert(&d.digest) {
            blobs.push(PlannedBlob { descriptor: d.clone(), role: BlobRole::Layer, kind: Some(kind) });
        }
    }
    Ok(Plan { blobs, warnings })
}

/// [`plan`] for several image manifests pushed together (an index's images, an archive image's
/// platforms): the union of their blobs in order, each digest once, and all their warnings — or,
/// when any is refused, every refused layer, each digest once.
pub fn plan_all<'a>(
    manifests: impl IntoIterator<Item = &'a ImageManifest>,
    allow_foreign_layers: bool,
) -> Result<Plan, Vec<Rejection>> {
    let mut blobs: Vec<PlannedBlob> = Vec::new();
    let mut warnings = Vec::new();
    let mut rejections: Vec<Rejection> = Vec::new();
    for manifest in manifests {
        match plan(manifest, allow_foreign_layers) {
            Ok(plan) => {
                warnings.extend(plan.warnings);
                for blob in plan.blobs {
                    if blobs.iter().all(|b| b.descriptor.digest != blob.descriptor.digest) {
                        blobs.push(blob);
                    }
                }
            }
            Err(refused) => {
                for r in refused {
                    if rejections.iter().all(|known| known.digest != r.digest) {
                        rejections.push(r);
                    }
                }
            }
        }
    }
    if rejections.is_empty() { Ok(Plan { blobs, warnings }) } else { Err(rejections) }
}

/// A refusal on one line, for summaries of many images (a mirror's, a load's): each layer named
/// once and briefly; the shell says how to allow them, in its own words.
pub fn refusal_brief(rejections: &[Rejection]) -> String {
    let layers: Vec<String> =
        rejections.iter().map(|r| format!("{} ({}, {} bytes)", r.digest, r.media_type, r.size)).collect();
    format!("{} foreign layer(s): {}", layers.len(), layers.join(", "))
}

/// A refusal in words, every rejected layer on a line of its own: the message of the errors that
/// carry one (`registry::ImageError::Rejected`, `archive::PushError::Rejected`).
pub fn refusal_text(rejections: &[Rejection]) -> String {
    let mut text = format!(
        "the foreign-layer policy refuses {} layer{}; nothing was uploaded:",
        rejections.len(),
        if rejections.len() == 1 { "" } else { "s" }
    );
    for r in rejections {
        text.push_str(&format!("\n  - {r}"));
    }
    text
}

/// The warnings [`plan`] gives for every layer of `manifest`, whatever the policy: for showing
/// in an inspect report before anyone decides.
pub fn warnings(manifest: &ImageManifest) -> Vec<String> {
    let count = manifest.layers.len();
    manifest.layers.iter().enumerate().filter_map(|(i, d)| layer_warning(i, count, d, classify(d))).collect()
}

/// The warning for one layer, if any: a foreign layer without `urls` (Pulp refuses the
/// manifest), or a distributable layer with `urls` (distribution refuses foreign urls unless
/// configured to allow them).
pub fn layer_warning(index: usize, count: usize, d: &Descriptor, kind: LayerKind) -> Option<String> {
    let position = index + 1;
    match (kind.non_distributable, kind.has_urls) {
        (true, false) => Some(format!(
            "layer {position} of {count} ({}) is foreign by its media type {} but has no urls: \
             Pulp will reject the manifest with 400 MANIFEST_INVALID \"{PULP_FOREIGN_WITHOUT_URLS}\"",
            d.digest, d.media_type
        )),
        (false, true) => Some(format!(
            "layer {position} of {count} ({}) is distributable ({}) but carries urls ({}): \
             distribution registries reject manifests with foreign urls unless \
             validation.manifests.urls.allow matches them",
            d.digest,
            d.media_type,
            d.urls.join(", ")
        )),
        _ => None,
    }
}

fn rejection(index: usize, count: usize, d: &Descriptor, kind: LayerKind) -> Rejection {
    let urls = if kind.has_urls {
        "its publisher serves it from its urls"
    } else {
        "it has no urls either, so Pulp would refuse the manifest even if it were uploaded"
    };
    Rejection {
        digest: d.digest.clone(),
        media_type: d.media_type.to_string(),
        size: d.size,
        urls: d.urls.clone(),
        reason: format!(
            "layer {} of {count} is a foreign (non-distributable) layer by its media type: \
             its publisher restricts redistribution, and {urls}",
            index + 1
        ),
        remedy: Remedy::AllowForeignLayers,
    }
}

/// What Pulp would do with a layer: when syncing it from a remote, and when Waybill pushes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PulpVerdict {
    /// On sync.
    pub sync: &'static str,
    /// On push by Waybill, under the given policy.
    pub push: String,
}

/// Pulp's treatment of a layer of this kind (pulp-container 2.30; see design.md).
pub fn pulp_verdict(kind: &LayerKind, allow_foreign_layers: bool) -> PulpVerdict {
    if !kind.non_distributable {
        return PulpVerdict {
            sync: "synced: downloaded from the upstream registry",
            push: "uploaded; Pulp accepts it like any layer".to_owned(),
        };
    }
    let sync = "skipped: Pulp's sync leaves foreign layers out unless the remote's \
                include_foreign_layers is set, which Pulp's REST API does not expose";
    let push = match (allow_foreign_layers, kind.has_urls) {
        (false, _) => "not uploaded: Waybill refuses the image unless foreign layers are allowed; allowed, \
                       the blob is uploaded, which Pulp requires, and the urls are kept"
            .to_owned(),
        (true, true) => "uploaded to the repository; Pulp accepts the manifest and keeps the urls".to_owned(),
        (true, false) => format!(
            "uploaded, but Pulp will reject the manifest: 400 MANIFEST_INVALID \"{PULP_FOREIGN_WITHOUT_URLS}\""
        ),
    };
    PulpVerdict { sync, push }
}
