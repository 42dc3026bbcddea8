//! Docker schema 1 manifests: read-only, for inspecting legacy images.
//!
//! Schema 1 is deprecated everywhere (Docker stopped producing it in 2017, distribution 3 and
//! Docker Hub refuse it). Waybill reads it so that old images can be inspected and explained,
//! never pushes it. Its `fsLayers` are listed top layer first, the reverse of schema 2, and
//! carry no sizes or media types.
//!
//! A signed schema 1 manifest (`…+prettyjws`) is identified by registries by the digest of its
//! payload with the `signatures` removed; [`super::ManifestDocument::digest`] is the sha256 of
//! the bytes as received, which for a signed document is a different value.

use serde::Deserialize;

use crate::digest::Digest;

/// The parts of a schema 1 manifest Waybill shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema1Manifest {
    /// Repository name recorded in the manifest.
    pub name: String,
    /// Tag recorded in the manifest.
    pub tag: String,
    /// CPU architecture.
    pub architecture: String,
    /// Layer digests as listed: top layer first.
    pub fs_layers: Vec<Digest>,
    /// Whether it carries JWS `signatures`.
    pub signed: bool,
}

/// The wire form, checked before it becomes a [`Schema1Manifest`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawSchema1 {
    pub(super) name: String,
    pub(super) tag: String,
    pub(super) architecture: String,
    pub(super) fs_layers: Vec<FsLayer>,
    pub(super) history: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    pub(super) signatures: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FsLayer {
    pub(super) blob_sum: Digest,
}
