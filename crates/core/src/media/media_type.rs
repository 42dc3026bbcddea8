//! A media type as a typed value: each Docker and OCI type Waybill reads and writes by name, and
//! any other (an artifact's, an odd spelling) kept as written, so that a descriptor read and
//! written again says exactly what it said. What a type *is* (role, compression, foreign) stays
//! in the table ([`MediaType::info`]), which also knows artifact types and ignores case and
//! parameters.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::*;

/// A media type, exactly as written.
#[derive(Clone, Debug)]
pub enum MediaType {
    /// [`DOCKER_MANIFEST_V2`].
    DockerManifestV2,
    /// [`DOCKER_MANIFEST_LIST`].
    DockerManifestList,
    /// [`DOCKER_MANIFEST_V1`].
    DockerManifestV1,
    /// [`DOCKER_MANIFEST_V1_SIGNED`].
    DockerManifestV1Signed,
    /// [`DOCKER_CONFIG`].
    DockerConfig,
    /// [`DOCKER_PLUGIN_CONFIG`].
    DockerPluginConfig,
    /// [`DOCKER_LAYER_GZIP`].
    DockerLayerGzip,
    /// [`DOCKER_LAYER_TAR`].
    DockerLayerTar,
    /// [`DOCKER_FOREIGN_LAYER`].
    DockerForeignLayer,
    /// [`OCI_MANIFEST`].
    OciManifest,
    /// [`OCI_INDEX`].
    OciIndex,
    /// [`OCI_CONFIG`].
    OciConfig,
    /// [`OCI_LAYER_TAR`].
    OciLayerTar,
    /// [`OCI_LAYER_GZIP`].
    OciLayerGzip,
    /// [`OCI_LAYER_ZSTD`].
    OciLayerZstd,
    /// [`OCI_NONDIST_TAR`].
    OciNondistTar,
    /// [`OCI_NONDIST_GZIP`].
    OciNondistGzip,
    /// [`OCI_NONDIST_ZSTD`].
    OciNondistZstd,
    /// [`OCI_EMPTY`].
    OciEmpty,
    /// Any other, as written.
    Other(String),
}

/// Every named type, for reading one from its spelling.
const NAMED: &[MediaType] = &[
    MediaType::DockerManifestV2,
    MediaType::DockerManifestList,
    MediaType::DockerManifestV1,
    MediaType::DockerManifestV1Signed,
    MediaType::DockerConfig,
    MediaType::DockerPluginConfig,
    MediaType::DockerLayerGzip,
    MediaType::DockerLayerTar,
    MediaType::DockerForeignLayer,
    MediaType::OciManifest,
    MediaType::OciIndex,
    MediaType::OciConfig,
    MediaType::OciLayerTar,
    MediaType::OciLayerGzip,
    MediaType::OciLayerZstd,
    MediaType::OciNondistTar,
    MediaType::OciNondistGzip,
    MediaType::OciNondistZstd,
    MediaType::OciEmpty,
];

impl MediaType {
    /// The type exactly as written.
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::DockerManifestV2 => DOCKER_MANIFEST_V2,
            MediaType::DockerManifestList => DOCKER_MANIFEST_LIST,
            MediaType::DockerManifestV1 => DOCKER_MANIFEST_V1,
            MediaType::DockerManifestV1Signed => DOCKER_MANIFEST_V1_SIGNED,
            MediaType::DockerConfig => DOCKER_CONFIG,
            MediaType::DockerPluginConfig => DOCKER_PLUGIN_CONFIG,
            MediaType::DockerLayerGzip => DOCKER_LAYER_GZIP,
            MediaType::DockerLayerTar => DOCKER_LAYER_TAR,
            MediaType::DockerForeignLayer => DOCKER_FOREIGN_LAYER,
            MediaType::OciManifest => OCI_MANIFEST,
            MediaType::OciIndex => OCI_INDEX,
            MediaType::OciConfig => OCI_CONFIG,
            MediaType::OciLayerTar => OCI_LAYER_TAR,
            MediaType::OciLayerGzip => OCI_LAYER_GZIP,
            MediaType::OciLayerZstd => OCI_LAYER_ZSTD,
            MediaType::OciNondistTar => OCI_NONDIST_TAR,
            MediaType::OciNondistGzip => OCI_NONDIST_GZIP,
            MediaType::OciNondistZstd => OCI_NONDIST_ZSTD,
            MediaType::OciEmpty => OCI_EMPTY,
            MediaType::Other(written) => written,
        }
    }

    /// What the table says of it (any spelling, parameters ignored); `None` for a type Waybill
    /// does not know, which is valid all the same.
    pub fn info(&self) -> Option<&'static MediaTypeInfo> {
        lookup(self.as_str())
    }
}

impl From<&str> for MediaType {
    fn from(written: &str) -> MediaType {
        MediaType::from(written.to_owned())
    }
}

impl From<String> for MediaType {
    fn from(written: String) -> MediaType {
        match NAMED.iter().find(|named| named.as_str() == written) {
            Some(named) => named.clone(),
            None => MediaType::Other(written),
        }
    }
}

/// Reads as the exact string, so that it compares and prints as the manifest wrote it.
impl Deref for MediaType {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for MediaType {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

// Equal when written the same: `Other` holding a named type's spelling is that type.
impl PartialEq for MediaType {
    fn eq(&self, other: &MediaType) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for MediaType {}

impl Hash for MediaType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for MediaType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MediaType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MediaType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MediaType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<MediaType, D::Error> {
        String::deserialize(deserializer).map(MediaType::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_types_are_their_variants_and_any_other_is_kept_as_written() {
        for named in NAMED {
            let name = named.as_str();
            let parsed = MediaType::from(name);
            assert_eq!(std::mem::discriminant(&parsed), std::mem::discriminant(named), "{name}");
            assert_eq!(parsed.as_str(), name);
            assert_eq!(parsed.info().map(|i| i.name), Some(name), "every named type is in the table");
        }
        let shouted = MediaType::from("Application/VND.OCI.Image.Layer.v1.tar+gzip");
        assert!(matches!(shouted, MediaType::Other(_)), "another spelling is kept as it is");
        assert_eq!(shouted.to_string(), "Application/VND.OCI.Image.Layer.v1.tar+gzip");
        assert_eq!(shouted.info().map(|i| i.name), Some(OCI_LAYER_GZIP), "the table still knows it");
        let helm = MediaType::from("application/vnd.cncf.helm.chart.content.v1.tar+gzip".to_owned());
        assert_eq!(helm.info().map(|i| i.role), Some(Role::Artifact));
        assert!(MediaType::from("application/x-anything").info().is_none());
    }

    #[test]
    fn it_reads_and_writes_json_as_the_exact_string_and_compares_by_it() {
        for written in [OCI_NONDIST_ZSTD, "application/vnd.oci.image.layer.v1.tar+gzip; x=1"] {
            let read: MediaType = serde_json::from_str(&format!("\"{written}\"")).unwrap();
            assert_eq!(serde_json::to_string(&read).unwrap(), format!("\"{written}\""));
            assert_eq!(read, written);
        }
        let index: MediaType = serde_json::from_str(&format!("\"{OCI_INDEX}\"")).unwrap();
        assert!(matches!(index, MediaType::OciIndex), "read as its variant: {index:?}");
        assert_eq!(MediaType::Other(OCI_INDEX.to_owned()), MediaType::OciIndex);
        assert_ne!(MediaType::OciIndex, MediaType::OciManifest);
    }
}
