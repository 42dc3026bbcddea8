//! A new index holding some of another index's entries: what a copy of a few platforms pushes.
//!
//! Registries refuse an index whose entries they do not hold (distribution: "manifest blob
//! unknown"), so copying two platforms of five cannot push the source index: it pushes this one
//! instead. It is a new document with a new digest — the one place Waybill writes a manifest it
//! did not receive — and it keeps everything else the source said (media type, annotations,
//! `subject`, each kept entry as written, unknown fields included).

use serde_json::Value;

use super::{Manifest, ManifestDocument, ManifestError};
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
        let mut value: Value = serde_json::from_slice(self.bytes())?;
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
