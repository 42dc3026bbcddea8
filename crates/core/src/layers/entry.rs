//! One entry of a layer's tar as the explorer lists it, and the checks every name passes before
//! it is believed.
//!
//! A layer's names are data, never paths on anyone's disk: a name with `..`, an absolute name or
//! one with a NUL is refused with an error that shows it (escaped, [`shown`]) and is never joined
//! to anything. Unlike an archive's own entries (`archive::path`), a backslash is allowed: it is
//! an ordinary character in Linux file names (systemd's `dev-disk-by\x2duuid…` units).

use serde::{Deserialize, Serialize};

use crate::archive::tar::MAX_PATH_LEN;
use crate::digest::Digest;

/// What an entry is. `whiteout` and `opaque` are the OCI layer markers: a whiteout's path is the
/// path it deletes, an opaque marker's path the directory whose lower contents it hides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an entry named by `link`.
    Hardlink,
    /// `.wh.<name>`: `<name>` is deleted from the layers below.
    Whiteout,
    /// `.wh..wh..opq`: the directory's contents in the layers below are hidden.
    Opaque,
    /// Devices, FIFOs, sparse files, AUFS metadata (`.wh..wh.plnk`), vendor types.
    Other,
}

impl Kind {
    /// The name `ls --json` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "symlink",
            Kind::Hardlink => "hardlink",
            Kind::Whiteout => "whiteout",
            Kind::Opaque => "opaque",
            Kind::Other => "other",
        }
    }
}

/// One entry of a layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Normalised: no leading `./` or `/`, no trailing `/`, no `.` segments. Empty only for an
    /// opaque marker at the layer's root.
    pub path: String,
    /// What it is.
    pub kind: Kind,
    /// Body bytes (0 for directories, links and devices, whatever their header says).
    pub size: u64,
    /// Permission bits (with setuid, setgid, sticky).
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// Symbolic links: the target as written. Hard links: the normalised path of the entry.
    pub link: Option<String>,
    /// sha256 of a regular file's content, when the reader was asked to hash.
    pub sha256: Option<Digest>,
    /// Where the entry's first header (extension headers included) starts in the uncompressed
    /// tar: what errors cite, and how `cat` names the entry to read again.
    pub offset: u64,
}

/// Why a name (or a link target) is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    /// A `..` segment.
    #[error("contains '..'")]
    Traversal,
    /// Starts with `/`.
    #[error("is absolute")]
    Absolute,
    /// A NUL byte (a PAX record can carry one; no file system can).
    #[error("contains a NUL byte")]
    Nul,
    /// Not UTF-8.
    #[error("is not valid UTF-8")]
    NotUtf8,
    /// Over [`MAX_PATH_LEN`] bytes.
    #[error("is longer than {MAX_PATH_LEN} bytes")]
    TooLong,
    /// Empty or only `.` (for an entry that is not the root directory), or a whiteout of
    /// nothing (`.wh.`, `.wh..`).
    #[error("names nothing")]
    Empty,
}

/// A name as bytes, shown for a person: quoted, with control characters and invalid UTF-8
/// escaped, so that a hostile name cannot rewrite the terminal it is printed on.
pub fn shown(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("\"{}\"", raw.escape_ascii()),
    }
}

/// The normalised form of an entry's name; `None` for the root directory (`./`, `.`).
pub fn normalize(raw: &[u8]) -> Result<Option<String>, NameProblem> {
    let text = check_text(raw)?;
    if text.starts_with('/') {
        return Err(NameProblem::Absolute);
    }
    let mut segments = Vec::new();
    for segment in text.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(NameProblem::Traversal),
            s => segments.push(s),
        }
    }
    Ok((!segments.is_empty()).then(|| segments.join("/")))
}

/// A symbolic link's target: any text (absolute targets are common and resolve inside the
/// image), but no NUL, valid UTF-8 and at most [`MAX_PATH_LEN`] bytes.
pub fn symlink_target(raw: &[u8]) -> Result<String, NameProblem> {
    check_text(raw).map(str::to_owned)
}

fn check_text(raw: &[u8]) -> Result<&str, NameProblem> {
    if raw.len() > MAX_PATH_LEN {
        return Err(NameProblem::TooLong);
    }
    if raw.contains(&0) {
        return Err(NameProblem::Nul);
    }
    std::str::from_utf8(raw).map_err(|_| NameProblem::NotUtf8)
}

/// The AUFS/OCI marker prefix.
const WHITEOUT: &str = ".wh.";
/// The opaque-directory marker.
const OPAQUE: &str = ".wh..wh..opq";

/// AUFS's own bookkeeping (`.wh..wh.plnk/`, `.wh..wh.aufs`), no file of the image.
const AUFS_META: &str = ".wh..wh.";

/// Whether a path lies in AUFS's bookkeeping at the layer's root: Docker skips such entries, and
/// so does the merged view.
pub fn is_aufs_meta(path: &str) -> bool {
    path.starts_with(AUFS_META)
}

/// What a normalised path is as a layer marker: `(kind, path)` where a whiteout's path is the
/// deleted one and an opaque marker's the directory; plain entries are returned unchanged.
pub fn classify(path: String, kind: Kind) -> Result<(Kind, String), NameProblem> {
    let (dir, base) = match path.rsplit_once('/') {
        Some((dir, base)) => (dir, base),
        None => ("", path.as_str()),
    };
    if base == OPAQUE {
        return Ok((Kind::Opaque, dir.to_owned()));
    }
    if base.starts_with(AUFS_META) || is_aufs_meta(&path) {
        return Ok((Kind::Other, path));
    }
    let Some(name) = base.strip_prefix(WHITEOUT) else { return Ok((kind, path)) };
    if name.is_empty() || name == "." || name == ".." {
        return Err(if name == ".." { NameProblem::Traversal } else { NameProblem::Empty });
    }
    let deleted = if dir.is_empty() { name.to_owned() } else { format!("{dir}/{name}") };
    Ok((Kind::Whiteout, deleted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalize(b"./usr//bin/./sh"), Ok(Some("usr/bin/sh".into())));
        assert_eq!(normalize(b"etc/"), Ok(Some("etc".into())));
        assert_eq!(normalize(b"./"), Ok(None));
        assert_eq!(normalize(b"a\\x2db"), Ok(Some("a\\x2db".into())));
        assert_eq!(normalize(b"a/../../b"), Err(NameProblem::Traversal));
        assert_eq!(normalize(b"/etc/passwd"), Err(NameProblem::Absolute));
        assert_eq!(normalize(b"a\0b"), Err(NameProblem::Nul));
        assert_eq!(normalize(&[0xff]), Err(NameProblem::NotUtf8));
        assert_eq!(normalize(&[b'a'; 5000]), Err(NameProblem::TooLong));
        assert_eq!(symlink_target(b"/usr/bin/python3"), Ok("/usr/bin/python3".into()));
        assert_eq!(shown(b"a\x1b[2J\xff"), "\"a\\x1b[2J\\xff\"");
        assert_eq!(shown("é\n".as_bytes()), "\"é\\n\"");
    }

    #[test]
    fn markers() {
        let c = |p: &str| classify(p.to_owned(), Kind::File);
        assert_eq!(c("etc/.wh.passwd"), Ok((Kind::Whiteout, "etc/passwd".into())));
        assert_eq!(c(".wh.tmp"), Ok((Kind::Whiteout, "tmp".into())));
        assert_eq!(c("usr/share/.wh..wh..opq"), Ok((Kind::Opaque, "usr/share".into())));
        assert_eq!(c(".wh..wh.plnk"), Ok((Kind::Other, ".wh..wh.plnk".into())));
        assert_eq!(c(".wh..wh.plnk/1.2"), Ok((Kind::Other, ".wh..wh.plnk/1.2".into())));
        assert_eq!(c("a/.wh..."), Err(NameProblem::Traversal));
        assert_eq!(c("a/.wh.."), Err(NameProblem::Empty));
        assert_eq!(c("a/.wh."), Err(NameProblem::Empty));
        assert_eq!(c("a/b.wh.c"), Ok((Kind::File, "a/b.wh.c".into())));
    }
}
