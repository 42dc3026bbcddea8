//! Multi-platform indexes: the Docker manifest list and the OCI image index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Descriptor;
use crate::media::MediaType;

/// A Docker manifest list or OCI image index: one descriptor per platform (or artifact).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    pub schema_version: u32,
    /// The `mediaType` written in the document (required by Docker, optional in OCI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// For artifact indexes: what kind of artifact this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The manifests it lists, usually each with a `platform`.
    pub manifests: Vec<Descriptor>,
    /// The manifest this index refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}
