//! The filesystem an image's layers make, applied in order as the OCI image spec says (and as
//! Docker's layer extraction does):
//!
//! * a whiteout `.wh.<name>` deletes `<name>` (and everything under it) from the layers below;
//! * an opaque marker `.wh..wh..opq` hides everything the layers below put in its directory;
//! * markers never hide what their own layer adds, whatever the order inside the tar;
//! * an entry replaces what was at its path, and a non-directory replacing a directory takes the
//!   directory's contents with it.
//!
//! Every path records the last layer that wrote it, and every deletion the layer that made it.
//! The view is held in memory, capped at [`MAX_ENTRIES`] paths and [`MAX_PATH_BYTES`] of names.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;

use super::entry::{Entry, Kind, is_aufs_meta};
use crate::digest::Digest;

/// The most paths a merged view holds (real images: tens of thousands; the largest, a few
/// hundred thousand).
pub const MAX_ENTRIES: usize = 1_000_000;

/// The most bytes of path names a merged view holds, all paths together.
pub const MAX_PATH_BYTES: usize = 128 * 1024 * 1024;

/// Where a file's bytes are: the layer and the entry (by its header offset) that hold them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    /// 1-based layer index.
    pub layer: usize,
    /// [`Entry::offset`] of the entry holding the bytes in that layer.
    pub offset: u64,
    /// Their size.
    pub size: u64,
    /// Their sha256, when the layer was read with hashing.
    pub sha256: Option<Digest>,
}

/// A path of the merged view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedEntry {
    /// The entry as its layer lists it.
    pub entry: Entry,
    /// 1-based index of the layer that last wrote the path.
    pub layer: usize,
    /// For regular files, and hard links to one: where the bytes are.
    pub content: Option<Content>,
}

/// A path a layer deleted (a whiteout), or a directory whose lower contents it hid (opaque).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    /// The path deleted, or the opaque directory.
    pub path: String,
    /// 1-based index of the layer with the marker.
    pub layer: usize,
    /// An opaque marker rather than a whiteout.
    pub opaque: bool,
}

/// The merged view outgrew its caps.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Too many paths.
    #[error("the image has more than {limit} paths, more than Waybill holds in a merged view")]
    TooManyEntries {
        /// The cap.
        limit: usize,
    },
    /// Names too long in all.
    #[error("the image's path names add up to more than {limit} bytes, more than Waybill holds")]
    PathsTooLong {
        /// The cap.
        limit: usize,
    },
}

/// A merged entry in the sorted set, found by its path: the path is held once, in the entry,
/// rather than again as a map key (a third of the view's memory on an image of 50,000 paths).
#[derive(Clone, Debug)]
struct ByPath(MergedEntry);

impl Borrow<str> for ByPath {
    fn borrow(&self) -> &str {
        &self.0.entry.path
    }
}

impl PartialEq for ByPath {
    fn eq(&self, other: &ByPath) -> bool {
        self.0.entry.path == other.0.entry.path
    }
}

impl Eq for ByPath {}

impl PartialOrd for ByPath {
    fn partial_cmp(&self, other: &ByPath) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByPath {
    fn cmp(&self, other: &ByPath) -> Ordering {
        self.0.entry.path.cmp(&other.0.entry.path)
    }
}

/// The merged filesystem, built layer by layer.
#[derive(Clone, Debug, Default)]
pub struct MergedFs {
    entries: BTreeSet<ByPath>,
    deletions: Vec<Deletion>,
    path_bytes: usize,
}

impl MergedFs {
    /// An empty filesystem.
    pub fn new() -> MergedFs {
        MergedFs::default()
    }

    /// Applies one entry of layer `layer` (1-based; layers in order, entries in tar order).
    pub fn apply(&mut self, layer: usize, entry: &Entry) -> Result<(), MergeError> {
        match entry.kind {
            Kind::Whiteout => {
                self.remove_below(&entry.path, true, layer);
                self.record(Deletion { path: entry.path.clone(), layer, opaque: false })
            }
            Kind::Opaque => {
                self.remove_below(&entry.path, false, layer);
                self.record(Deletion { path: entry.path.clone(), layer, opaque: true })
            }
            _ if is_aufs_meta(&entry.path) => Ok(()),
            _ => self.write(layer, entry),
        }
    }

    /// Every path, sorted.
    pub fn entries(&self) -> impl Iterator<Item = &MergedEntry> {
        self.entries.iter().map(|e| &e.0)
    }

    /// Paths held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no path is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at exactly this normalised path.
    pub fn get(&self, path: &str) -> Option<&MergedEntry> {
        self.entries.get(path).map(|e| &e.0)
    }

    /// Whether any path lies under `dir`: a directory a layer never lists (tar writers may omit
    /// parents, and extraction creates them) still holds its files.
    pub fn has_children(&self, dir: &str) -> bool {
        self.under(dir).next().is_some()
    }

    /// The paths strictly under `dir`: "dir/" up to "dir0" ('0' follows '/').
    fn under(&self, dir: &str) -> impl Iterator<Item = &MergedEntry> {
        let (from, to) = (format!("{dir}/"), format!("{dir}0"));
        let range: (Bound<&str>, Bound<&str>) = (Bound::Included(&from), Bound::Excluded(&to));
        self.entries.range::<str, _>(range).map(|e| &e.0)
    }

    /// The whiteouts and opaque markers applied, in order.
    pub fn deletions(&self) -> &[Deletion] {
        &self.deletions
    }

    fn write(&mut self, layer: usize, entry: &Entry) -> Result<(), MergeError> {
        let replaced_dir = self.get(&entry.path).is_some_and(|old| old.entry.kind == Kind::Dir);
        if replaced_dir && entry.kind != Kind::Dir {
            self.remove_children(&entry.path, |_| true);
        }
        let content = match entry.kind {
            Kind::File => {
                Some(Content { layer, offset: entry.offset, size: entry.size, sha256: entry.sha256.clone() })
            }
            // A hard link shares the bytes its target had when the layer was applied.
            Kind::Hardlink => entry
                .link
                .as_deref()
                .and_then(|target| self.get(target))
                .and_then(|target| target.content.clone()),
            _ => None,
        };
        if !self.entries.contains(entry.path.as_str()) {
            if self.entries.len() >= MAX_ENTRIES {
                return Err(MergeError::TooManyEntries { limit: MAX_ENTRIES });
            }
            self.path_bytes += entry.path.len();
            if self.path_bytes > MAX_PATH_BYTES {
                return Err(MergeError::PathsTooLong { limit: MAX_PATH_BYTES });
            }
        }
        self.entries.replace(ByPath(MergedEntry { entry: entry.clone(), layer, content }));
        Ok(())
    }

    fn record(&mut self, deletion: Deletion) -> Result<(), MergeError> {
        if self.deletions.len() >= MAX_ENTRIES {
            return Err(MergeError::TooManyEntries { limit: MAX_ENTRIES });
        }
        self.deletions.push(deletion);
        Ok(())
    }

    /// Removes what layers below `layer` put under `path` (and `path` itself with `itself`).
    fn remove_below(&mut self, path: &str, itself: bool, layer: usize) {
        if itself && self.get(path).is_some_and(|e| e.layer < layer) {
            self.forget(path);
        }
        self.remove_children(path, |e| e.layer < layer);
    }

    /// Removes the paths strictly under `dir` (every path, for the root `""`) that `doomed` picks.
    fn remove_children(&mut self, dir: &str, doomed: impl Fn(&MergedEntry) -> bool) {
        let doomed: Vec<String> = if dir.is_empty() {
            self.entries().filter(|e| doomed(e)).map(|e| e.entry.path.clone()).collect()
        } else {
            self.under(dir).filter(|e| doomed(e)).map(|e| e.entry.path.clone()).collect()
        };
        for path in doomed {
            self.forget(&path);
        }
    }

    fn forget(&mut self, path: &str) {
        if self.entries.remove(path) {
            self.path_bytes -= path.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: Kind) -> Entry {
        Entry {
            path: path.into(),
            kind,
            size: if kind == Kind::File { 1 } else { 0 },
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            link: None,
            sha256: None,
            offset: 0,
        }
    }

    fn paths(fs: &MergedFs) -> Vec<(String, usize)> {
        fs.entries().map(|e| (e.entry.path.clone(), e.layer)).collect()
    }

    #[test]
    fn whiteouts_and_opaque_dirs_hide_only_lower_layers() {
        let mut fs = MergedFs::new();
        for (path, kind) in [("a", Kind::Dir), ("a/x", Kind::File), ("a/y", Kind::File), ("b", Kind::File)] {
            fs.apply(1, &entry(path, kind)).unwrap();
        }
        fs.apply(1, &entry("c", Kind::Dir)).unwrap();
        fs.apply(1, &entry("c/old", Kind::File)).unwrap();
        // Layer 2 adds a/z before whiting out a: its own a/z stays, a and a/x, a/y go.
        fs.apply(2, &entry("a/z", Kind::File)).unwrap();
        fs.apply(2, &entry("a", Kind::Whiteout)).unwrap();
        fs.apply(2, &entry("c/new", Kind::File)).unwrap();
        fs.apply(2, &entry("c", Kind::Opaque)).unwrap();
        assert_eq!(paths(&fs), [("a/z".into(), 2), ("b".into(), 1), ("c".into(), 1), ("c/new".into(), 2)]);
        assert_eq!(fs.deletions().len(), 2);
        // A file replacing a directory takes its contents along, whichever layer wrote them.
        fs.apply(3, &entry("c", Kind::File)).unwrap();
        assert_eq!(paths(&fs), [("a/z".into(), 2), ("b".into(), 1), ("c".into(), 3)]);
        // "a0" sorts right after "a/…" and is not under it.
        fs.apply(3, &entry("a0", Kind::File)).unwrap();
        fs.apply(4, &entry("a", Kind::Whiteout)).unwrap();
        assert_eq!(paths(&fs), [("a0".into(), 3), ("b".into(), 1), ("c".into(), 3)]);
    }

    #[test]
    fn hard_links_share_their_targets_content() {
        let mut fs = MergedFs::new();
        let mut file = entry("f", Kind::File);
        file.offset = 1536;
        fs.apply(1, &file).unwrap();
        let mut link = entry("g", Kind::Hardlink);
        link.link = Some("f".into());
        fs.apply(2, &link).unwrap();
        assert_eq!(fs.get("g").unwrap().content.as_ref().map(|c| (c.layer, c.offset)), Some((1, 1536)));
        fs.apply(2, &entry(".wh..wh.plnk", Kind::Other)).unwrap();
        assert!(fs.get(".wh..wh.plnk").is_none());
    }
}
