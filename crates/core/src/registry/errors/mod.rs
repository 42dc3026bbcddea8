//! Registry error responses turned into one [`RegistryError`] that says what happened and what to
//! do about it.
//!
//! Registries answer failures in two shapes: the OCI/distribution JSON body
//! `{"errors":[{"code","message","detail"}]}`, and — Pulp, on an unhandled exception such as a
//! chunk at the wrong offset — an HTML "Server Error (500)" page. Both end up here, with the
//! status, the first error code, the message, the detail and a hint.

mod hint;
mod response;
#[cfg(test)]
mod tests;

pub use response::{ERROR_BODY_LIMIT, ErrorEntry, RegistryError};

use super::auth::AuthError;
use super::upload::UploadError;
use crate::digest::{Digest, VerifyError};
use crate::remedy::Remedy;
use crate::transport::{Method, TransportError, TransportErrorKind};

/// Everything that can stop a registry operation, each saying where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request never got an HTTP answer.
    #[error("{method} {url} failed: {source}")]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The shell's description.
        source: TransportError,
    },
    /// The registry answered with an error status.
    #[error("{0}")]
    Registry(Box<RegistryError>),
    /// The registry's authentication challenge could not be followed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The token server refused the token request.
    #[error("{0} (token request)")]
    TokenRefused(Box<RegistryError>),
    /// An upload response did not make sense.
    #[error("{method} {url}: {source}")]
    Upload {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// What was wrong.
        source: UploadError,
    },
    /// A blob or manifest did not match its digest or size.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The registry answered something the protocol does not allow.
    #[error("{method} {url}: {what}")]
    Protocol {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// What was unexpected.
        what: String,
    },
    /// The shell's blob source failed (a file could not be read, a stream broke).
    #[error("reading blob {digest}: {message}")]
    Source {
        /// The blob.
        digest: Digest,
        /// What the source said.
        message: String,
    },
    /// A chunk failed and the registry could not say how much of the upload it holds (Debian's
    /// distribution 2.8 cancels a session whose state is stale), so the upload cannot resume.
    #[error("{failure}; resuming failed too: {status}")]
    ResumeFailed {
        /// Why the chunk failed.
        failure: Box<Error>,
        /// Why the status request failed.
        status: Box<Error>,
    },
    /// Fetching a foreign layer from the mirror the user named for its url failed, or the mirror
    /// served bytes that are not the blob.
    #[error("{source} (from the mirror {mirror} for {url})")]
    Mirror {
        /// The URL fetched from the mirror.
        mirror: String,
        /// The url in the manifest it stands for.
        url: String,
        /// What went wrong.
        source: Box<Error>,
    },
    /// A URL Waybill will not fetch (a foreign layer's `urls` entry, or a bad registry address).
    #[error("refusing to use {url}: {reason}")]
    UnsafeUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The registry error inside, if the registry refused.
    pub fn registry(&self) -> Option<&RegistryError> {
        match self {
            Error::Registry(e) | Error::TokenRefused(e) => Some(e),
            _ => None,
        }
    }

    /// Whether retrying may succeed: the connection failed, broke or timed out, or the registry
    /// failed with a 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { source, .. } => {
                matches!(
                    source.kind,
                    TransportErrorKind::Interrupted
                        | TransportErrorKind::Timeout
                        | TransportErrorKind::Connect
                )
            }
            Error::Registry(e) => e.status >= 500,
            _ => false,
        }
    }
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
