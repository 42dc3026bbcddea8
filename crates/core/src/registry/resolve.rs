//! From a reference to the image manifests to work on: fetch the manifest, and for an index pick
//! one platform's manifest, or all of them, as the user chose.

use super::client::Client;
use super::errors::Error;
use crate::digest::Digest;
use crate::manifest::{
    Descriptor, ImageManifest, Manifest, ManifestDocument, ManifestError, Platform, SubsetError,
};
use crate::platform::{self, PlatformError, PlatformSpec};
use crate::policy::{self, Rejection};
use crate::remedy::Remedy;
use crate::transport::Transport;

/// Which manifests of an index to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlatformChoice {
    /// None chosen: fine for a single image, an error for an index (naming its platforms).
    Unspecified,
    /// The one manifest for this platform.
    Only(PlatformSpec),
    /// The manifests for these platforms (two or more) and their attestation manifests, under a
    /// new index of only them (an index cannot be pushed without all its entries: see
    /// `ManifestDocument::index_subset`).
    Several(Vec<PlatformSpec>),
    /// Every manifest of the index, and the index itself.
    All,
}

/// One image manifest, with the platform its index entry declared (if it came from an index).
#[derive(Clone, Debug)]
pub struct ResolvedImage {
    /// The manifest as fetched.
    pub document: ManifestDocument,
    /// Its parsed form.
    pub image: ImageManifest,
    /// The index entry's platform, if any.
    pub platform: Option<Platform>,
}

/// Everything that can stop inspect, verify or copy of an image, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A registry request failed.
    #[error(transparent)]
    Registry(#[from] Error),
    /// The registry's bytes are not a manifest Waybill reads.
    #[error("{reference}: {source}")]
    Manifest {
        /// What was fetched.
        reference: String,
        /// Why it is not usable.
        source: ManifestError,
    },
    /// The platform could not be picked.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// An index, and no platform chosen.
    #[error(
        "{reference} is an index of {} platforms ({}); pick one or more, or take them all",
        .available.len(), .available.join(", ")
    )]
    NeedPlatform {
        /// The reference.
        reference: String,
        /// Its platforms.
        available: Vec<String>,
    },
    /// A platform was asked for, but the reference names a single image.
    #[error("{reference} is a single image, not an index: the platform {platform} does not apply")]
    NotAnIndex {
        /// The reference.
        reference: String,
        /// The platform asked for.
        platform: String,
    },
    /// Schema 1 manifests are read-only.
    #[error("{reference} is a Docker schema 1 manifest: Waybill reads it but cannot copy or verify it")]
    Schema1 {
        /// The reference.
        reference: String,
    },
    /// An index entry that is itself an index.
    #[error("{reference} lists {digest}, which is itself an index; nested indexes are not supported")]
    NestedIndex {
        /// The outer reference.
        reference: String,
        /// The nested index.
        digest: Digest,
    },
    /// An index entry whose manifest differs in size from the entry.
    #[error(
        "{reference} lists {digest} with size {declared}, but the registry's manifest has {actual} bytes"
    )]
    EntrySize {
        /// The index reference.
        reference: String,
        /// The entry's digest.
        digest: Digest,
        /// The size the index declares.
        declared: u64,
        /// The size fetched.
        actual: u64,
    },
    /// The foreign-layer policy refused the image; nothing was sent to the destination.
    #[error("{}", policy::refusal_text(.0))]
    Rejected(Vec<Rejection>),
    /// A blob could not be transferred or verified (so no manifest was pushed).
    #[error("blob {digest}: {source}; no manifest was pushed")]
    Blob {
        /// The blob.
        digest: Digest,
        /// What went wrong.
        source: Box<Error>,
    },
    /// The destination refused a manifest that lists layers with `urls`, which registries treat
    /// specially.
    #[error(
        "the destination refused manifest {digest}, which lists {} layer(s) with urls ({}): {source}. \
         distribution accepts such layers only when its validation.manifests.urls.allow matches their \
         urls (Debian's 2.8 otherwise answers 500 \"unknown error\" with MANIFEST_BLOB_UNKNOWN and logs \
         \"invalid URL on layer\"); Pulp needs each of them uploaded (foreign layers allowed). Waybill \
         never edits manifests, so this registry cannot take this image as it is",
        .layers.len(), .layers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    ManifestRefused {
        /// The manifest.
        digest: Digest,
        /// Its layers that carry urls.
        layers: Vec<Digest>,
        /// The registry's answer.
        source: Box<Error>,
    },
    /// The chosen platforms' index could not be built.
    #[error("{reference}: {source}")]
    Subset {
        /// The index reference.
        reference: String,
        /// Why.
        source: SubsetError,
    },
    /// The destination names a digest the manifest does not have.
    #[error("the destination names digest {wanted}, but the manifest to push is {actual}")]
    DigestTarget {
        /// The digest in the destination reference.
        wanted: String,
        /// The manifest's digest.
        actual: Digest,
    },
}

impl ImageError {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            ImageError::Rejected(_) => Some(Remedy::AllowForeignLayers),
            ImageError::NeedPlatform { .. } => Some(Remedy::PickPlatform),
            _ => self.registry_cause()?.remedy(),
        }
    }

    /// The registry request that failed, when one did: a manifest or blob request of either
    /// registry of a copy.
    pub fn registry_cause(&self) -> Option<&Error> {
        match self {
            ImageError::Registry(e) => Some(e),
            ImageError::Blob { source, .. } | ImageError::ManifestRefused { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Fetches and parses the manifest `reference` names.
pub async fn fetch_document<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
) -> Result<ManifestDocument, ImageError> {
    let fetched = client.get_manifest(repository, reference).await?;
    ManifestDocument::parse(fetched.bytes, fetched.media_type.as_deref())
        .map_err(|source| ImageError::Manifest { reference: format!("{repository}:{reference}"), source })
}

/// The image manifests to work on: `top` itself if it is an image, else the index entries
/// `choice` selects, each fetched by digest and checked against its entry.
pub async fn resolve_images<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
    top: &ManifestDocument,
    choice: &PlatformChoice,
) -> Result<Vec<ResolvedImage>, ImageError> {
    let index = match top.manifest() {
        Manifest::Image(image) => {
            return Ok(vec![ResolvedImage { document: top.clone(), image: image.clone(), platform: None }]);
        }
        Manifest::Schema1(_) => return Err(ImageError::Schema1 { reference: reference.to_owned() }),
        Manifest::Index(index) => index,
    };
    let entries: Vec<&Descriptor> = match choice {
        PlatformChoice::Unspecified => {
            return Err(ImageError::NeedPlatform {
                reference: reference.to_owned(),
                available: platform::available(index),
            });
        }
        PlatformChoice::Only(spec) => vec![platform::select(index, spec)?],
        PlatformChoice::Several(specs) => {
            let chosen =
                specs.iter().map(|spec| platform::select(index, spec)).collect::<Result<Vec<_>, _>>()?;
            // In the index's order, each once (two specs may pick the same entry), with the
            // attestation manifests of the chosen images: the new index keeps them attached.
            let picked = |digest: &Digest| chosen.iter().any(|c| &c.digest == digest);
            index
                .manifests
                .iter()
                .filter(|entry| picked(&entry.digest) || entry.attests().is_some_and(|d| picked(&d)))
                .collect()
        }
        PlatformChoice::All => index.manifests.iter().collect(),
    };
    let mut images = Vec::with_capacity(entries.len());
    for entry in entries {
        let document = fetch_document(client, repository, &entry.digest.to_string()).await?;
        let actual = document.bytes().len() as u64;
        if actual != entry.size {
            return Err(ImageError::EntrySize {
                reference: reference.to_owned(),
                digest: entry.digest.clone(),
                declared: entry.size,
                actual,
            });
        }
        let image = match document.manifest() {
            Manifest::Image(image) => image.clone(),
            Manifest::Schema1(_) => return Err(ImageError::Schema1 { reference: entry.digest.to_string() }),
            Manifest::Index(_) => {
                return Err(ImageError::NestedIndex {
                    reference: reference.to_owned(),
                    digest: entry.digest.clone(),
                });
            }
        };
        images.push(ResolvedImage { document, image, platform: entry.platform.clone() });
    }
    Ok(images)
}
