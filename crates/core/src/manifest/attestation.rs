//! BuildKit's attestation manifests: the SBOM and provenance `docker buildx` attaches to each
//! image of an index.
//!
//! They are ordinary image manifests (in-toto layers) listed in the index beside the images,
//! with the platform `unknown/unknown` and two annotations naming the image they describe. That
//! platform is not one anyone runs, so they are not offered as platforms; and when some
//! platforms of an index are copied, the attestations of exactly those images go with them.

use super::{Descriptor, ImageIndex};
use crate::digest::Digest;

/// Annotation saying what kind of reference an index entry is.
pub const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// [`REFERENCE_TYPE`]'s value on an attestation manifest's entry.
pub const ATTESTATION_MANIFEST: &str = "attestation-manifest";
/// Annotation naming the digest of the image an attestation describes.
pub const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";

impl Descriptor {
    /// For an index entry that is an attestation manifest: the digest of the image it attests.
    /// `None` for anything else, including an attestation whose digest does not parse (it
    /// attests nothing Waybill can match, so it is treated as an ordinary entry).
    pub fn attests(&self) -> Option<Digest> {
        if self.annotations.get(REFERENCE_TYPE).map(String::as_str) != Some(ATTESTATION_MANIFEST) {
            return None;
        }
        self.annotations.get(REFERENCE_DIGEST)?.parse().ok()
    }
}

/// What an index entry or an image is, for headings and messages: its platform, or — for an
/// attestation, whose `unknown/unknown` says nothing — the image it describes.
pub fn title(platform: impl std::fmt::Display, attests: Option<&Digest>) -> String {
    match attests {
        Some(image) => format!("attestation of {}…", image.short()),
        None => platform.to_string(),
    }
}

impl ImageIndex {
    /// The entries that are attestation manifests of `image`, in the index's order.
    pub fn attestations_of<'a>(&'a self, image: &'a Digest) -> impl Iterator<Item = &'a Descriptor> {
        self.manifests.iter().filter(move |entry| entry.attests().as_ref() == Some(image))
    }
}
