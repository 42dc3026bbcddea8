//! What a person can do about a refusal or a failure, as a value.
//!
//! The core decides which remedy applies; each shell words it in its own terms — the CLI names a
//! flag, the app a control on the page, the Worker's API a header. Core messages therefore never
//! name a flag or a button: an app page that named a command-line flag would send people looking
//! for a command line they are not using.

use serde::{Deserialize, Serialize};

/// A way forward the shell can offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Upload foreign (non-distributable) layers, keeping their `urls`: what Pulp requires.
    AllowForeignLayers,
    /// Download the foreign blobs an archive lacks from their `urls`.
    FetchForeignLayers,
    /// Push an image whose foreign layers lost their marks (see the archive module's `marks`) as
    /// it is: its base layers then go up as ordinary layers.
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
