//! Descriptors (what a manifest says about each blob it references) and platforms.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::digest::Digest;
use crate::media::MediaType;

/// The largest size the OCI image spec allows in a descriptor: 2^63-1, so that every
/// implementation (Go's `int64` included) reads the same number.
pub const MAX_DESCRIPTOR_SIZE: u64 = i64::MAX as u64;

/// A reference to a blob or manifest by media type, digest and size.
///
/// Field names follow the OCI image spec (`mediaType`, `artifactType`, …); empty `urls`,
/// `annotations` and absent options are left out when serialised, as registries expect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type of the referenced content.
    pub media_type: MediaType,
    /// The digest of the referenced content.
    pub digest: Digest,
    /// Its size in bytes (0 to 2^63-1).
    #[serde(deserialize_with = "deserialize_size")]
    pub size: u64,
    /// Where else the blob can be fetched from (foreign layers carry these).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// For index entries: the platform the manifest runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// For index entries pointing at artifacts: the artifact's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The content itself, base64, when embedded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

impl Descriptor {
    /// A descriptor with just the three required fields.
    pub fn new(media_type: impl Into<MediaType>, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.into(),
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
            data: None,
        }
    }
}

/// The platform an image runs on, as an index entry (or an image config) declares it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// CPU architecture, in Go's spelling (`amd64`, `arm64`, …).
    pub architecture: String,
    /// Operating system, in Go's spelling (`linux`, `windows`, …).
    pub os: String,
    /// The OS version (Windows images: `10.0.17763.5458`).
    #[serde(rename = "os.version", default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// Required OS features (Windows: `win32k`).
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant (`v7`, `v8`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Required CPU features (reserved by the spec; Docker's manifest lists carry it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl fmt::Display for Platform {
    /// `os[(os.version)]/arch[/variant]`, the specifier syntax containerd prints
    /// (`windows(10.0.17763.5458)/amd64`, `linux/arm64/v8`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.os)?;
        if let Some(version) = self.os_version.as_deref().filter(|v| !v.is_empty()) {
            write!(f, "({version})")?;
        }
        write!(f, "/{}", self.architecture)?;
        if let Some(variant) = self.variant.as_deref().filter(|v| !v.is_empty()) {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// Reads a descriptor size: an integer from 0 to 2^63-1. Negative numbers, fractions and
/// larger numbers are refused with a message naming the value.
fn deserialize_size<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct SizeVisitor;

    impl Visitor<'_> for SizeVisitor {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a size in bytes: an integer from 0 to 2^63-1")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            if v > MAX_DESCRIPTOR_SIZE {
                return Err(E::invalid_value(de::Unexpected::Unsigned(v), &self));
            }
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
        }
    }

    deserializer.deserialize_u64(SizeVisitor)
}
