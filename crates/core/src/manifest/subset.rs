//! A new index holding some of another index's entries: what a copy of a few platforms pushes.
//!
//! Registries refuse an index whose entries they do not hold (distribution: "manifest blob
//! unknown"), so copying two platforms of five cannot push the source index: it pushes this one
//! instead. It is a new document with a new digest — the one place Waybill writes a manifest it
//! did not receive — and it keeps everything else the source said (media type, annotations,
//! `subject`, each kept entry as written, unknown fields included).

use serde::Deserialize as _;
use serde_json::Value;

use super::{Descriptor, ImageIndex, Manifest, ManifestDocument, ManifestError};
use crate::digest::Digest;

/// Why an index cannot be cut down to the entries asked for.
#[derive(Debug, thiserror::Error)]
pub enum SubsetError {
    /// The document is an image manifest (or schema 1), not an index.
    #[error("{digest} is not an index: only an index can be cut down to some of its platforms")]
    NotAnIndex {
        /// The document's digest.
        digest: Digest,
    },
    /// A digest to keep is not one of the index's entries.
    #[error("{wanted} is not an entry of the index {index}")]
    NotAnEntry {
        /// The missing entry.
        wanted: Digest,
        /// The index's digest.
        index: Digest,
    },
    /// Nothing to keep: an empty index is no image at all.
    #[error("no entry of the index {index} was chosen: pick at least one platform")]
    Empty {
        /// The index's digest.
        index: Digest,
    },
    /// The index could not be rewritten (it parsed as an index before, so this is a bug).
    #[error("the index could not be rewritten: {0}")]
    Rewrite(#[from] serde_json::Error),
    /// The cut-down document does not parse back (it always should: a bug if it does not).
    #[error("the cut-down index is not a valid manifest: {0}")]
    Manifest(#[from] ManifestError),
}

impl ManifestDocument {
    /// This index with only the entries whose digest is in `keep`, in the index's own order.
    /// Written compactly, with its keys in sorted order (serde_json's map).
    pub fn index_subset(&self, keep: &[Digest]) -> Result<ManifestDocument, SubsetError> {
        let Manifest::Index(index) = self.manifest() else {
            return Err(SubsetError::NotAnIndex { digest: self.digest().clone() });
        };
        if keep.is_empty() {
            return Err(SubsetError::Empty { index: self.digest().clone() });
        }
        if let Some(wanted) = keep.iter().find(|k| !index.manifests.iter().any(|m| &m.digest == *k)) {
            return Err(SubsetError::NotAnEntry { wanted: wanted.clone(), index: self.digest().clone() });
        }
        // The document passed the strict walk, so it nests at most MAX_JSON_DEPTH levels, which
        // may be past serde_json's own limit (128): that one is off here.
        let mut de = serde_json::Deserializer::from_slice(self.bytes());
        de.disable_recursion_limit();
        let mut value = Value::deserialize(&mut de)?;
        // It parsed as an index, so `manifests` is an array of objects with a `digest`.
        if let Some(entries) = value.get_mut("manifests").and_then(Value::as_array_mut) {
            entries.retain(|entry| {
                entry
                    .get("digest")
                    .and_then(Value::as_str)
                    .is_some_and(|d| keep.iter().any(|k| k.to_string() == d))
            });
        }
        Ok(ManifestDocument::parse(serde_json::to_vec(&value)?, Some(self.media_type()))?)
    }
}

/// What a copy of only the entries `kept` of `index` leaves behind that a person may expect to
/// travel with the images, one warning per kind, naming the digests: the attestation manifests
/// of a kept image (a single platform is pushed as its image manifest, which cannot list them),
/// and entries that are no platform's image (signatures, SBOMs and other attachments). The
/// attestations of images not kept are left behind as the user asked, without a word.
pub fn left_behind(index: &ImageIndex, kept: &[Digest]) -> Vec<String> {
    let left = |entry: &&Descriptor| !kept.contains(&entry.digest);
    let digests = |entries: Vec<&Descriptor>| {
        entries.iter().map(|entry| entry.digest.to_string()).collect::<Vec<_>>().join(", ")
    };
    let attestations: Vec<_> = index
        .manifests
        .iter()
        .filter(|entry| entry.attests().is_some_and(|image| kept.contains(&image)))
        .filter(left)
        .collect();
    let attachments: Vec<_> = index
        .manifests
        .iter()
        .filter(|entry| entry.platform.is_none() && entry.attests().is_none())
        .filter(left)
        .collect();
    let mut warnings = Vec::new();
    if !attestations.is_empty() {
        let mut images: Vec<String> =
            attestations.iter().filter_map(|entry| entry.attests()).map(|d| d.to_string()).collect();
        images.dedup();
        warnings.push(format!(
            "{} attestation manifest(s) of {} (SBOM, provenance) are not copied: {}. One platform is \
             pushed as its image manifest, and attestations are attached only through an index; copy \
             it together with other platforms, or all of them, to keep them",
            attestations.len(),
            images.join(", "),
            digests(attestations)
        ));
    }
    if !attachments.is_empty() {
        warnings.push(format!(
            "{} index entr(y/ies) with no platform (attachments such as signatures or SBOMs) are not \
             copied: {}; copy all platforms to keep them",
            attachments.len(),
            digests(attachments)
        ));
    }
    warnings
}
