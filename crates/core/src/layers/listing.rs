//! `ls --json`: `{"reference", "digest", "entries": [{"path", "type", "size", "mode", "link",
//! "layer"}]}` — field names scripts depend on, so they live here, once, for every shell. With
//! per-file hashing on (`ls --hash`) a regular file's entry also has `"sha256"`.

use serde::{Deserialize, Serialize};

use super::entry::{Entry, Kind};
use super::merged::MergedFs;
use crate::digest::Digest;

/// One listed path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntry {
    /// Normalised path (no leading `./` or `/`, no trailing `/`).
    pub path: String,
    /// `file`, `dir`, `symlink`, `hardlink`, `whiteout`, `opaque` or `other`.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Content bytes.
    pub size: u64,
    /// Permission bits, as a number (`0o644` is 420).
    pub mode: u32,
    /// A link's target, else `null`.
    pub link: Option<String>,
    /// 1-based index of the layer that (last) wrote the path.
    pub layer: usize,
    /// A regular file's content digest, when the layer was read with per-file hashing on;
    /// absent from the JSON otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Digest>,
}

impl ListedEntry {
    /// `entry` as layer `layer` holds it.
    pub fn new(entry: &Entry, layer: usize) -> ListedEntry {
        ListedEntry {
            path: entry.path.clone(),
            kind: entry.kind,
            size: entry.size,
            mode: entry.mode,
            link: entry.link.clone(),
            layer,
            sha256: entry.sha256.clone(),
        }
    }
}

/// A listing: one layer's entries in tar order, or the merged view's paths sorted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// The image as named.
    pub reference: String,
    /// Its manifest's digest (a `docker save` image's config digest: it has no manifest).
    pub digest: Digest,
    /// The paths.
    pub entries: Vec<ListedEntry>,
}

impl Listing {
    /// The merged view as a listing (which holds no markers and no deleted paths).
    pub fn merged(reference: &str, digest: &Digest, fs: &MergedFs) -> Listing {
        Listing {
            reference: reference.to_owned(),
            digest: digest.clone(),
            entries: fs.entries().map(|e| ListedEntry::new(&e.entry, e.layer)).collect(),
        }
    }
}
