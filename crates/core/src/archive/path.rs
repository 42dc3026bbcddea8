//! Entry paths: normalised once, so that `./manifest.json`, `manifest.json` and
//! `blobs//sha256/./x` name what a reader means, and refused when they could name something
//! outside the archive (`..`, absolute paths) — a tool that extracts what Waybill accepted must
//! not be led out of its directory.

/// Why an entry path (or a link target) is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Empty, or only `.` segments, for an entry that is not the root directory.
    #[error("names no file (it is empty or '.')")]
    Empty,
    /// Not UTF-8.
    #[error("is not valid UTF-8")]
    NotUtf8,
    /// Starts with `/`.
    #[error("is absolute")]
    Absolute,
    /// Has a `..` segment.
    #[error("contains '..'")]
    Traversal,
    /// Longer than [`super::tar::MAX_PATH_LEN`].
    #[error("is longer than {} bytes", super::tar::MAX_PATH_LEN)]
    TooLong,
    /// Has a NUL or a backslash (which some extractors treat as a separator).
    #[error("contains a NUL byte or a backslash")]
    BadCharacter,
}

/// The normalised form of an entry path: `.` and empty segments dropped, no trailing `/`.
/// `None` for the archive root itself (`./`, `.`), which names no file.
pub fn normalize(raw: &[u8]) -> Result<Option<String>, PathError> {
    if raw.len() > super::tar::MAX_PATH_LEN {
        return Err(PathError::TooLong);
    }
    let text = std::str::from_utf8(raw).map_err(|_| PathError::NotUtf8)?;
    if text.contains(['\0', '\\']) {
        return Err(PathError::BadCharacter);
    }
    if text.starts_with('/') {
        return Err(PathError::Absolute);
    }
    let mut segments = Vec::new();
    for segment in text.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(PathError::Traversal),
            s => segments.push(s),
        }
    }
    Ok((!segments.is_empty()).then(|| segments.join("/")))
}

/// Where a symbolic link at `link` pointing to `target` leads, as a normalised archive path;
/// `None` if it leads outside the archive (absolute, or `..` past the root).
pub fn symlink_target(link: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut segments: Vec<&str> = link.split('/').collect();
    segments.pop(); // the link's own name: targets are relative to its directory
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            s => segments.push(s),
        }
    }
    (!segments.is_empty()).then(|| segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        assert_eq!(normalize(b"manifest.json"), Ok(Some("manifest.json".into())));
        assert_eq!(normalize(b"./manifest.json"), Ok(Some("manifest.json".into())));
        assert_eq!(normalize(b"blobs//sha256/./ab/"), Ok(Some("blobs/sha256/ab".into())));
        assert_eq!(normalize(b"./"), Ok(None));
        assert_eq!(normalize(b"."), Ok(None));
    }

    #[test]
    fn refused_paths() {
        assert_eq!(normalize(b"../etc/passwd"), Err(PathError::Traversal));
        assert_eq!(normalize(b"a/../../b"), Err(PathError::Traversal));
        assert_eq!(normalize(b"a/.."), Err(PathError::Traversal));
        assert_eq!(normalize(b"/etc/passwd"), Err(PathError::Absolute));
        assert_eq!(normalize(b"a\\..\\b"), Err(PathError::BadCharacter));
        assert_eq!(normalize(&[0xff, 0xfe]), Err(PathError::NotUtf8));
        assert_eq!(normalize(&[b'a'; 5000]), Err(PathError::TooLong));
    }

    #[test]
    fn symlinks() {
        assert_eq!(symlink_target("abc/layer.tar", "../123.tar"), Some("123.tar".into()));
        assert_eq!(symlink_target("abc/layer.tar", "../blobs/sha256/x"), Some("blobs/sha256/x".into()));
        assert_eq!(symlink_target("abc/layer.tar", "other.tar"), Some("abc/other.tar".into()));
        assert_eq!(symlink_target("abc/layer.tar", "../../x"), None);
        assert_eq!(symlink_target("layer.tar", "/etc/shadow"), None);
    }
}
