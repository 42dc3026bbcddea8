//! Image configs (Docker `container.image.v1+json` and OCI `image.config.v1+json`): platform,
//! entrypoint, history and the `rootfs.diff_ids` that tie the config to the manifest's layers.
//!
//! Docker writes `null` for empty lists and maps (`"Env": null`, `"Labels": null`); those read
//! as empty here. Unknown fields (`container_config`, `docker_version`, …) are ignored, as the
//! OCI spec asks. Duplicate keys and trailing garbage are refused, as for manifests.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::digest::Digest;
use crate::json::{self, JsonError};
use crate::manifest::Platform;

/// An image config.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// CPU architecture.
    pub architecture: String,
    /// Operating system.
    pub os: String,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// OS version (Windows images).
    #[serde(rename = "os.version", default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// Required OS features (Windows images).
    #[serde(
        rename = "os.features",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub os_features: Vec<String>,
    /// When the image was created (RFC 3339, kept as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// How to run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ContainerConfig>,
    /// The uncompressed layer digests.
    pub rootfs: RootFs,
    /// How each layer was made, including steps that made none (`empty_layer`).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<History>,
}

/// How to run the image, with Docker's capitalised keys (`Entrypoint`, `Cmd`, `Env`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    /// `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `ExposedPorts`, the keys of the JSON object (`80/tcp`).
    #[serde(default, with = "key_set", skip_serializing_if = "Vec::is_empty")]
    pub exposed_ports: Vec<String>,
    /// `Env`, `NAME=value` strings.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// `Entrypoint`; `None` when absent or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`; `None` when absent or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `Volumes`, the keys of the JSON object.
    #[serde(default, with = "key_set", skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// `WorkingDir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `Labels`.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `StopSignal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
}

/// The layers as the runtime sees them: digests of the *uncompressed* tars.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    /// `type`: always `layers`.
    #[serde(rename = "type")]
    pub fs_type: String,
    /// One per manifest layer, in the same order, foreign layers included.
    pub diff_ids: Vec<Digest>,
}

/// One build step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// When (RFC 3339, kept as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The command (`/bin/sh -c #(nop) ADD file:… in /`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// True when the step made no layer (ENV, CMD, …): it has no entry in `layers`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// Why bytes are not a usable image config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The bytes are not UTF-8.
    #[error("image config is not valid UTF-8: invalid byte at offset {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Not well-formed JSON, not an object, a duplicate key, or a field of the wrong type.
    #[error("invalid image config JSON {0}")]
    Json(#[from] JsonError),
    /// `rootfs.type` is not `layers`.
    #[error("image config rootfs.type is {0:?}; the image spec allows only \"layers\"")]
    RootFsType(String),
}

/// The config and the manifest disagree about the layers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlignmentError {
    /// `rootfs.diff_ids` does not have one entry per layer.
    #[error(
        "the image config lists {diff_ids} diff_ids but the manifest has {layers} layers: \
         every layer, foreign ones included, needs exactly one"
    )]
    DiffIds {
        /// Entries in `rootfs.diff_ids`.
        diff_ids: usize,
        /// Layers in the manifest.
        layers: usize,
    },
    /// The history's layer-making steps do not match the layers.
    #[error(
        "the image config's history has {steps} steps that made a layer (empty_layer false) \
         but the manifest has {layers} layers"
    )]
    History {
        /// History entries with `empty_layer` false.
        steps: usize,
        /// Layers in the manifest.
        layers: usize,
    },
}

impl ImageConfig {
    /// Parses a config blob.
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, ConfigError> {
        if let Err(e) = std::str::from_utf8(bytes) {
            return Err(ConfigError::NotUtf8 { offset: e.valid_up_to() });
        }
        json::check_strict(bytes)?;
        let config: ImageConfig = json::from_slice(bytes)?;
        if config.rootfs.fs_type != "layers" {
            return Err(ConfigError::RootFsType(config.rootfs.fs_type));
        }
        Ok(config)
    }

    /// The history steps that made a layer, in order: entry *i* describes manifest layer *i*
    /// when [`ImageConfig::check_layer_count`] passes.
    pub fn non_empty_history(&self) -> Vec<&History> {
        self.history.iter().filter(|step| !step.empty_layer).collect()
    }

    /// Checks that the config describes `layers` layers: one diff_id each (foreign layers have
    /// diff_ids too) and, when there is a history, one layer-making step each.
    pub fn check_layer_count(&self, layers: usize) -> Result<(), AlignmentError> {
        let diff_ids = self.rootfs.diff_ids.len();
        if diff_ids != layers {
            return Err(AlignmentError::DiffIds { diff_ids, layers });
        }
        let steps = self.non_empty_history().len();
        if !self.history.is_empty() && steps != layers {
            return Err(AlignmentError::History { steps, layers });
        }
        Ok(())
    }

    /// The platform the config declares, for an index entry.
    pub fn platform(&self) -> Platform {
        Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
            variant: self.variant.clone(),
            features: Vec::new(),
        }
    }
}

/// Reads `null` as the type's default (Docker writes `null` for empty lists and maps).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Docker's sets (`ExposedPorts`, `Volumes`): JSON objects whose values are all `{}`.
mod key_set {
    use std::collections::BTreeMap;

    use serde::de::IgnoredAny;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
        let map = Option::<BTreeMap<String, IgnoredAny>>::deserialize(deserializer)?;
        Ok(map.map(|m| m.into_keys().collect()).unwrap_or_default())
    }

    pub(super) fn serialize<S: Serializer>(keys: &[String], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(keys.iter().map(|k| (k, BTreeMap::<String, String>::new())))
    }
}
