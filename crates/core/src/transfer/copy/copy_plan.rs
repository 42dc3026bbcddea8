//! What a copy will do, decided from the source's manifests and the options alone, before the
//! destination is asked anything: the manifests to PUT and in what order, every blob with the
//! route its bytes take, and what to warn about. [`super::copy`] runs the plan; a plan refused
//! here (the foreign-layer policy, a destination digest that is not the manifest) sends nothing,
//! not even a HEAD.

use crate::digest::Digest;
use crate::manifest::{Manifest, ManifestDocument, left_behind};
use crate::platform;
use crate::policy::{self, PlannedBlob};
use crate::registry::resolve::{ImageError, PlatformChoice, ResolvedImage};

/// A copy's steps, in the order they run.
#[derive(Clone, Debug)]
pub struct CopyPlan {
    /// Every blob, each digest once, in the order they are moved (config first, then layers in
    /// manifest order, image after image); each is skipped when the destination has it.
    pub blobs: Vec<BlobStep>,
    /// The manifests PUT once every blob is present, in order: an index's images by digest,
    /// then the top one under the destination reference, always last.
    pub manifests: Vec<ManifestPut>,
    /// The platforms of the images copied (`os/arch[/variant]`), none for a single image.
    pub platforms: Vec<String>,
    /// The policy's warnings, and the index's entries the copy leaves behind.
    pub warnings: Vec<String>,
}

/// One blob of a plan, and how its bytes reach the destination when it lacks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobStep {
    /// The blob, as the policy planned it.
    pub blob: PlannedBlob,
    /// Mounted or streamed.
    pub route: BlobRoute,
    /// Fetched from its `urls` when the source does not have it: a foreign layer, allowed.
    pub from_urls: bool,
}

/// How a blob the destination lacks gets there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobRoute {
    /// Mounted from this repository of the same registry; streamed from it if the registry
    /// declines the mount.
    Mount {
        /// The source repository.
        from: String,
    },
    /// Streamed from the source registry through the verifier into an upload.
    Stream,
}

/// One manifest PUT: its exact bytes, under a tag or its digest.
#[derive(Clone, Debug)]
pub struct ManifestPut {
    /// The tag or digest it is PUT under.
    pub reference: String,
    /// The manifest.
    pub document: ManifestDocument,
}

/// What a plan is made for.
#[derive(Clone, Copy, Debug)]
pub struct PlanFor<'a> {
    /// The source reference, as the user named it (for errors).
    pub source: &'a str,
    /// The destination's tag or digest.
    pub destination: &'a str,
    /// The source repository, when it is on the destination's registry and is another
    /// repository: blobs are mounted from it.
    pub mount_from: Option<&'a str>,
    /// Which manifests of an index to copy.
    pub platforms: &'a PlatformChoice,
    /// Whether foreign layers are copied rather than refused.
    pub allow_foreign_layers: bool,
}

impl CopyPlan {
    /// Plans the copy of `images`, resolved from the source's manifest `top`.
    pub fn new(
        top: ManifestDocument,
        images: Vec<ResolvedImage>,
        to: PlanFor<'_>,
    ) -> Result<CopyPlan, ImageError> {
        let kept: Vec<Digest> = images.iter().map(|i| i.document.digest().clone()).collect();
        // Attestation manifests are no platform (they stand as unknown/unknown in the index).
        let platforms: Vec<String> = images
            .iter()
            .filter_map(|i| i.platform.as_ref().map(ToString::to_string))
            .filter(|p| !p.starts_with("unknown/"))
            .collect();
        // A whole index is pushed as it is, its images first; several platforms of it under a
        // new index of only them (the source index lists images the destination will not have).
        // With one platform picked out of an index, that image's manifest becomes the tag's.
        // What an index's copy leaves behind (nothing with every platform), and the platforms
        // to name if none was picked; read before `top` moves into the plan.
        let (left, available) = match top.manifest() {
            Manifest::Index(index) if *to.platforms != PlatformChoice::All => {
                (left_behind(index, &kept), platform::available(index))
            }
            _ => (Vec::new(), Vec::new()),
        };
        let is_index = matches!(top.manifest(), Manifest::Index(_));
        let (mut manifests, top) = match (is_index, to.platforms) {
            (false, _) => (Vec::new(), top),
            (true, PlatformChoice::All) => (children(&images), top),
            (true, PlatformChoice::Several(_)) => {
                let subset = top
                    .index_subset(&kept)
                    .map_err(|source| ImageError::Subset { reference: to.source.to_owned(), source })?;
                (children(&images), subset)
            }
            (true, PlatformChoice::Only(_) | PlatformChoice::Unspecified) => {
                let Some(image) = images.first() else {
                    return Err(ImageError::NeedPlatform { reference: to.source.to_owned(), available });
                };
                (Vec::new(), image.document.clone())
            }
        };
        if !top.answers_to(to.destination) {
            return Err(ImageError::DigestTarget {
                wanted: to.destination.to_owned(),
                actual: top.digest().clone(),
            });
        }
        let policy::Plan { blobs, mut warnings } =
            policy::plan_all(images.iter().map(|i| &i.image), to.allow_foreign_layers)
                .map_err(ImageError::Rejected)?;
        warnings.extend(left);
        manifests.push(ManifestPut { reference: to.destination.to_owned(), document: top });
        let route = match to.mount_from {
            Some(from) => BlobRoute::Mount { from: from.to_owned() },
            None => BlobRoute::Stream,
        };
        let blobs = blobs
            .into_iter()
            .map(|blob| BlobStep {
                from_urls: to.allow_foreign_layers && !blob.descriptor.urls.is_empty(),
                route: route.clone(),
                blob,
            })
            .collect();
        Ok(CopyPlan { blobs, manifests, platforms, warnings })
    }

    /// The manifest the destination reference will name.
    pub fn top(&self) -> &ManifestDocument {
        &self.manifests.last().expect("a plan always PUTs its top manifest").document
    }

    /// The bytes of every blob, should the destination have none of them.
    pub fn bytes(&self) -> u64 {
        self.blobs.iter().map(|b| b.blob.descriptor.size).sum()
    }

    /// The allowed foreign layers' blobs: Pulp's own sync keeps a manifest without them, so a
    /// destination that has the manifest is asked for these before the copy is called done.
    pub fn foreign_blobs(&self) -> impl Iterator<Item = &PlannedBlob> {
        self.blobs.iter().map(|b| &b.blob).filter(|b| b.kind.as_ref().is_some_and(|k| k.non_distributable))
    }
}

/// An index's images, PUT by digest before the index that lists them.
fn children(images: &[ResolvedImage]) -> Vec<ManifestPut> {
    images
        .iter()
        .map(|i| ManifestPut { reference: i.document.digest().to_string(), document: i.document.clone() })
        .collect()
}

#[cfg(test)]
mod tests;
