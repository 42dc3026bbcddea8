//! Everything that can stop listing, reading or diffing an image's files, each saying what and
//! where.

use super::merged::MergeError;
use super::reader::LayerError;
use crate::archive::ArchiveError;
use crate::digest::Digest;
use crate::registry::{Error, ImageError};
use crate::remedy::Remedy;

/// Why an image's files could not be explored.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// Resolving the image in its registry failed.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// A registry request failed (a layer download, the config).
    #[error(transparent)]
    Registry(#[from] Error),
    /// The archive could not be read.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A layer's bytes are not a tar Waybill lists, or not the config's.
    #[error("layer {layer} ({digest}): {source}")]
    Layer {
        /// 1-based index.
        layer: usize,
        /// The layer's digest.
        digest: Digest,
        /// What is wrong.
        source: LayerError,
    },
    /// The hasher the shell gave a layer's bytes to did not answer with their digest.
    #[error("layer {layer}'s content could not be hashed to check its diff ID: {why}")]
    Hashing {
        /// 1-based index.
        layer: usize,
        /// Why.
        why: String,
    },
    /// The merged view outgrew its caps.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// A layer number past the image's layers.
    #[error("the image has {count} layers: there is no layer {asked} (layers are numbered from 1)")]
    NoSuchLayer {
        /// The number asked for.
        asked: usize,
        /// How many there are.
        count: usize,
    },
    /// A layer the archive does not hold (a foreign layer `docker save` left out).
    #[error(
        "layer {layer} ({digest}) is not in the archive (a foreign layer left out): its files cannot be read"
    )]
    LayerMissing {
        /// 1-based index.
        layer: usize,
        /// Its digest.
        digest: Digest,
    },
    /// An archive's image of several platforms, and none chosen.
    #[error("{shown} holds {} platforms ({}); pick one", available.len(), available.join(", "))]
    NeedPlatform {
        /// The image as the user named it.
        shown: String,
        /// Its platforms.
        available: Vec<String>,
    },
    /// No image matches the platform chosen, or the image cannot be listed as chosen.
    #[error("{0}")]
    Platform(String),
    /// The path given to `cat` does not lead to a file.
    #[error("{0}")]
    Path(String),
}

impl ExploreError {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            ExploreError::Image(e) => e.remedy(),
            ExploreError::Registry(e) => e.remedy(),
            ExploreError::Archive(e) => e.remedy(),
            ExploreError::NeedPlatform { .. } => Some(Remedy::PickPlatform),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A choice left open is a remedy, and its message names no flag: the app offers a picker, the
    /// Worker a query parameter, the CLI a flag.
    #[test]
    fn choices_left_open_are_remedies_worded_by_no_shell() {
        let available = vec!["linux/amd64".to_owned(), "linux/arm64/v8".to_owned()];
        let index = ImageError::NeedPlatform { reference: "r/a:1".into(), available: available.clone() };
        let archive = ExploreError::NeedPlatform { shown: "a.tar".into(), available };
        let images = ArchiveError::AmbiguousImage { available: vec!["a:1".into(), "b:1".into()] };
        let missing = ArchiveError::ImageNotFound { wanted: "c:1".into(), available: vec!["a:1".into()] };
        assert_eq!(index.remedy(), Some(Remedy::PickPlatform));
        assert_eq!(archive.remedy(), Some(Remedy::PickPlatform));
        let listed = ImageError::NeedPlatform { reference: "r/a:1".into(), available: Vec::new() };
        assert_eq!(ExploreError::Image(listed).remedy(), Some(Remedy::PickPlatform), "ls of an index");
        assert_eq!(images.remedy(), Some(Remedy::PickImage));
        assert_eq!(missing.remedy(), Some(Remedy::PickImage));
        for message in [index.to_string(), archive.to_string(), images.to_string(), missing.to_string()] {
            assert!(!message.contains("--"), "a core message names a flag: {message}");
        }
    }
}
