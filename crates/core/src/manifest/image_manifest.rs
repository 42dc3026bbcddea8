//! Image manifests: Docker schema 2 and OCI, which share one shape (config + layers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Descriptor;
use crate::media::MediaType;

/// A Docker schema 2 or OCI image manifest (also used for OCI artifacts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    pub schema_version: u32,
    /// The `mediaType` written in the document (required by Docker, optional in OCI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// For artifacts: what kind of artifact this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The image config (or, for artifacts, often the OCI empty descriptor).
    pub config: Descriptor,
    /// The layers, base first.
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (signatures, SBOMs, attestations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}
