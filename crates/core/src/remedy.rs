//! What a person can do about a refusal or a failure, as a value.
//!
//! The core decides which remedy applies; each shell words it in its own terms — the CLI names a
//! flag, the app a control on the page, the Worker's API a header. Core messages therefore never
//! name a flag or a button: an app page that named a command-line flag would send people looking
//! for a command line they are not using.

use serde::{Deserialize, Serialize};

use crate::archive::ArchiveError;
use crate::archive::decompressed::ReadError;
use crate::archive::push::PushError;
use crate::layers::ExploreError;
use crate::registry::{Error, ImageError};

/// A way forward the shell can offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Upload foreign (non-distributable) layers, keeping their `urls`: what Pulp requires.
    AllowForeignLayers,
    /// Download the foreign blobs an archive lacks from their `urls`.
    FetchForeignLayers,
    /// Push an image whose foreign layers lost their marks (see
    /// [`crate::archive::marks`]) as it is: its base layers then go up as ordinary layers.
    AcceptLostMarks,
    /// Sign in to the registry, or with an account that has the rights.
    SignIn,
    /// Upload in smaller chunks.
    SmallerChunks,
    /// Choose a platform (or several, or all) of an index.
    PickPlatform,
    /// Choose one image of an archive that holds several.
    PickImage,
    /// Allow an archive to decompress to more than the limit (it may be a bomb).
    RaiseDecompressionLimit,
}

impl Error {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::Registry(e) | Error::TokenRefused(e) => e.remedy,
            Error::ResumeFailed { failure, .. } => failure.remedy(),
            _ => None,
        }
    }
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

impl ArchiveError {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            ArchiveError::AmbiguousImage { .. } | ArchiveError::ImageNotFound { .. } => {
                Some(Remedy::PickImage)
            }
            ArchiveError::EntryTooLarge { .. }
            | ArchiveError::Read { source: ReadError::TooLarge { .. }, .. } => {
                Some(Remedy::RaiseDecompressionLimit)
            }
            _ => None,
        }
    }
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

impl PushError {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            PushError::Rejected(_) => Some(Remedy::AllowForeignLayers),
            PushError::ForeignAbsent(_) => Some(Remedy::FetchForeignLayers),
            PushError::MarksLost(_) => Some(Remedy::AcceptLostMarks),
            PushError::Blob { source, .. } | PushError::Manifest { source, .. } => source.remedy(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::registry::RegistryError;
    use crate::transport::Method;

    fn refused(status: u16) -> Error {
        let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"Authentication credentials were not provided."}]}"#;
        Error::Registry(Box::new(RegistryError::from_response(
            Method::Post,
            "http://r/v2/a/blobs/uploads/",
            status,
            &[],
            body,
        )))
    }

    #[test]
    fn a_login_is_the_remedy_wherever_the_401_came_from() {
        let digest: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        assert_eq!(ImageError::Registry(refused(401)).remedy(), Some(Remedy::SignIn));
        let blob = ImageError::Blob { digest: digest.clone(), source: Box::new(refused(401)) };
        assert_eq!(blob.remedy(), Some(Remedy::SignIn), "a blob of a copy");
        let push = PushError::Blob { digest, source: refused(401) };
        assert_eq!(push.remedy(), Some(Remedy::SignIn), "a blob of a push");
        assert_eq!(ImageError::Rejected(Vec::new()).remedy(), Some(Remedy::AllowForeignLayers));
    }

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
