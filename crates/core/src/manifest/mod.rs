//! Manifests: Docker schema 2, OCI image manifest, Docker manifest list, OCI image index, and
//! Docker schema 1 (read-only), each kept as raw bytes beside the parsed form.
//!
//! A manifest's identity is the sha256 of its exact bytes (invariant 1), so
//! [`ManifestDocument`] never re-serialises: it keeps the bytes it was given, and whatever is
//! pushed later is those bytes. Parsing is strict where lenience would let two readers see two
//! different documents behind one digest: duplicate keys, trailing garbage, sizes beyond
//! 2^63-1 and media types that contradict the document's shape are all errors.

mod attestation;
mod image_manifest;
mod index;
mod schema1;
mod subset;

pub use crate::descriptor::{Descriptor, MAX_DESCRIPTOR_SIZE, Platform};
pub use attestation::{ATTESTATION_MANIFEST, REFERENCE_DIGEST, REFERENCE_TYPE, title};
pub use image_manifest::ImageManifest;
pub use index::ImageIndex;
pub use schema1::Schema1Manifest;
pub use subset::{SubsetError, left_behind};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::digest::Digest;
use crate::json::{self, JsonError};
use crate::media::{self, Role};

/// The largest manifest Waybill reads: 4 MiB, the limit distribution and most registries
/// enforce on manifest PUTs. Anything bigger is not a manifest that can be pushed anywhere.
pub const MAX_MANIFEST_SIZE: usize = 4 * 1024 * 1024;

/// The deepest nesting of objects and arrays a manifest or config may have (why this many: at
/// its definition).
pub use crate::json::MAX_DEPTH as MAX_JSON_DEPTH;

/// A parsed manifest of any supported kind.
// One per document, never in bulk: boxing the image variant would buy nothing but derefs.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manifest {
    /// A Docker schema 2 or OCI image manifest.
    Image(ImageManifest),
    /// A Docker manifest list or OCI image index.
    Index(ImageIndex),
    /// A legacy Docker schema 1 manifest.
    Schema1(Schema1Manifest),
}

/// A manifest as received: its exact bytes, their digest, its effective media type, and the
/// parsed form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestDocument {
    bytes: Vec<u8>,
    digest: Digest,
    media_type: &'static str,
    manifest: Manifest,
}

/// Why bytes are not a manifest Waybill can use. Each message says what and where.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Over [`MAX_MANIFEST_SIZE`].
    #[error(
        "manifest is {size} bytes, over the {limit}-byte (4 MiB) limit registries enforce: \
         this is not a manifest, or no registry will accept it"
    )]
    TooLarge {
        /// Bytes given.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The bytes are not UTF-8.
    #[error("manifest is not valid UTF-8: invalid byte at offset {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Not well-formed JSON, not an object, a duplicate key, or a field of the wrong type or value.
    #[error("invalid manifest JSON {0}")]
    Json(#[from] JsonError),
    /// `schemaVersion` is absent.
    #[error("manifest has no schemaVersion (expected {expected} for {media_type})")]
    MissingSchemaVersion {
        /// What it should have been.
        expected: u32,
        /// The effective media type.
        media_type: &'static str,
    },
    /// `schemaVersion` is not the one the media type calls for.
    #[error("schemaVersion {found} is not supported for {media_type}: expected {expected}")]
    UnsupportedSchemaVersion {
        /// The value in the document.
        found: u32,
        /// What it should have been.
        expected: u32,
        /// The effective media type.
        media_type: &'static str,
    },
    /// The document's `mediaType` is not a manifest type Waybill reads.
    #[error(
        "mediaType {media_type:?} is not a manifest media type Waybill can read \
         (Docker schema 2, Docker manifest list, OCI manifest, OCI index, or Docker schema 1)"
    )]
    UnsupportedMediaType {
        /// The value in the document.
        media_type: String,
    },
    /// The document's `mediaType` names a manifest type, but not in its exact spelling.
    #[error(
        "mediaType {found:?} must be written exactly {expected:?}: registries compare media types \
         byte for byte"
    )]
    MediaTypeSpelling {
        /// The value in the document.
        found: String,
        /// The registered spelling.
        expected: &'static str,
    },
    /// The media type says one kind of manifest; the document's fields say another.
    #[error("media type {media_type} is {declared}, but the document has {found}")]
    WrongShape {
        /// The effective media type.
        media_type: &'static str,
        /// What that media type is.
        declared: &'static str,
        /// What the document's fields are.
        found: &'static str,
    },
    /// No `mediaType`, no manifest Content-Type, and no tell-tale fields.
    #[error(
        "cannot tell what kind of manifest this is: it has no mediaType, no manifest Content-Type \
         was given, and it has neither `manifests` (an index) nor `config` and `layers` (an image)"
    )]
    UnknownKind,
    /// A schema 1 manifest whose `history` and `fsLayers` differ in length.
    #[error("schema 1 manifest has {fs_layers} fsLayers but {history} history entries: they must match")]
    Schema1HistoryMismatch {
        /// Entries in `fsLayers`.
        fs_layers: usize,
        /// Entries in `history`.
        history: usize,
    },
}

/// Just enough of any manifest to decide what it is before parsing it fully.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    schema_version: Option<u32>,
    media_type: Option<String>,
    manifests: Option<IgnoredAny>,
    config: Option<IgnoredAny>,
    layers: Option<IgnoredAny>,
    fs_layers: Option<IgnoredAny>,
    signatures: Option<IgnoredAny>,
}

/// What the document's fields say it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Image,
    Index,
    Schema1,
    Unknown,
}

impl Shape {
    fn of(probe: &Probe) -> Shape {
        if probe.fs_layers.is_some() {
            Shape::Schema1
        } else if probe.manifests.is_some() {
            Shape::Index
        } else if probe.config.is_some() || probe.layers.is_some() {
            Shape::Image
        } else if probe.schema_version == Some(1) {
            Shape::Schema1
        } else {
            Shape::Unknown
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Shape::Image => "`config` and `layers` (an image manifest)",
            Shape::Index => "`manifests` (an index)",
            Shape::Schema1 => "`fsLayers` or schemaVersion 1 (a schema 1 manifest)",
            Shape::Unknown => "none of `manifests`, `config`, `layers` or `fsLayers`",
        }
    }
}

impl ManifestDocument {
    /// Parses a manifest from its exact bytes and, when known, the `Content-Type` it came with.
    ///
    /// The effective media type is the document's `mediaType` if present; else the
    /// Content-Type (parameters such as `; charset=utf-8` ignored) if it names a manifest type;
    /// else the shape: `schemaVersion` 1 is schema 1, `manifests` an OCI index, `config` and
    /// `layers` an OCI manifest.
    pub fn parse(bytes: Vec<u8>, content_type: Option<&str>) -> Result<ManifestDocument, ManifestError> {
        if bytes.len() > MAX_MANIFEST_SIZE {
            return Err(ManifestError::TooLarge { size: bytes.len(), limit: MAX_MANIFEST_SIZE });
        }
        if let Err(e) = std::str::from_utf8(&bytes) {
            return Err(ManifestError::NotUtf8 { offset: e.valid_up_to() });
        }
        json::check_strict(&bytes)?;
        let probe: Probe = json::from_slice(&bytes)?;
        let shape = Shape::of(&probe);
        let (media_type, role) = effective_media_type(&probe, shape, content_type)?;
        let manifest = match role {
            Role::Index => {
                expect_shape(shape, Shape::Index, media_type, "an index (`manifests`)")?;
                expect_schema_version(probe.schema_version, 2, media_type)?;
                Manifest::Index(json::from_slice(&bytes)?)
            }
            Role::Schema1 => {
                expect_shape(shape, Shape::Schema1, media_type, "a schema 1 manifest (`fsLayers`)")?;
                expect_schema_version(probe.schema_version, 1, media_type)?;
                Manifest::Schema1(schema1(json::from_slice(&bytes)?)?)
            }
            _ => {
                expect_shape(shape, Shape::Image, media_type, "an image manifest (`config` and `layers`)")?;
                expect_schema_version(probe.schema_version, 2, media_type)?;
                Manifest::Image(json::from_slice(&bytes)?)
            }
        };
        let digest = Digest::sha256_of(&bytes);
        Ok(ManifestDocument { bytes, digest, media_type, manifest })
    }

    /// The exact bytes, as received: what gets pushed.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The sha256 of [`ManifestDocument::bytes`].
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The effective media type (see [`ManifestDocument::parse`]); send it as the
    /// `Content-Type` when pushing.
    pub fn media_type(&self) -> &str {
        self.media_type
    }

    /// The parsed form.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether `reference` may name this manifest when it is pushed: a tag names any manifest,
    /// a digest only the manifest with that digest.
    pub fn answers_to(&self, reference: &str) -> bool {
        reference.parse::<Digest>().map_or(true, |wanted| wanted == self.digest)
    }

    /// Whether this is a legacy schema 1 manifest (read-only).
    pub fn is_legacy(&self) -> bool {
        matches!(self.manifest, Manifest::Schema1(_))
    }

    /// A descriptor of this document, for an index entry or a `subject`: media type, digest,
    /// size and the manifest's `artifactType`. The platform is left for the caller (it lives in
    /// the image config, not in the manifest).
    pub fn descriptor(&self) -> Descriptor {
        let mut descriptor = Descriptor::new(self.media_type, self.digest.clone(), self.bytes.len() as u64);
        descriptor.artifact_type = match &self.manifest {
            Manifest::Image(m) => m.artifact_type.clone(),
            Manifest::Index(i) => i.artifact_type.clone(),
            Manifest::Schema1(_) => None,
        };
        descriptor
    }
}

fn effective_media_type(
    probe: &Probe,
    shape: Shape,
    content_type: Option<&str>,
) -> Result<(&'static str, Role), ManifestError> {
    let is_manifest = |role: Role| matches!(role, Role::Manifest | Role::Index | Role::Schema1);
    if let Some(declared) = &probe.media_type {
        let info = media::lookup(declared)
            .filter(|info| is_manifest(info.role))
            .ok_or_else(|| ManifestError::UnsupportedMediaType { media_type: declared.clone() })?;
        // The document is pushed as is, and registries compare its mediaType byte for byte
        // with the Content-Type: only the exact spelling is the type it claims to be.
        if info.name != declared {
            return Err(ManifestError::MediaTypeSpelling { found: declared.clone(), expected: info.name });
        }
        return Ok((info.name, info.role));
    }
    // A Content-Type that is not a manifest type (application/json, octet-stream from a file
    // server) says nothing about the document: fall through to its shape.
    if let Some(info) = content_type.and_then(media::lookup).filter(|info| is_manifest(info.role)) {
        return Ok((info.name, info.role));
    }
    match shape {
        Shape::Schema1 if probe.signatures.is_some() => Ok((media::DOCKER_MANIFEST_V1_SIGNED, Role::Schema1)),
        Shape::Schema1 => Ok((media::DOCKER_MANIFEST_V1, Role::Schema1)),
        Shape::Index => Ok((media::OCI_INDEX, Role::Index)),
        Shape::Image => Ok((media::OCI_MANIFEST, Role::Manifest)),
        Shape::Unknown => Err(ManifestError::UnknownKind),
    }
}

/// The document must have the shape its media type calls for; a document with no tell-tale
/// fields falls through so that serde names the missing field.
fn expect_shape(
    found: Shape,
    expected: Shape,
    media_type: &'static str,
    declared: &'static str,
) -> Result<(), ManifestError> {
    if found == expected || found == Shape::Unknown {
        return Ok(());
    }
    Err(ManifestError::WrongShape { media_type, declared, found: found.describe() })
}

fn expect_schema_version(
    found: Option<u32>,
    expected: u32,
    media_type: &'static str,
) -> Result<(), ManifestError> {
    match found {
        None => Err(ManifestError::MissingSchemaVersion { expected, media_type }),
        Some(found) if found != expected => {
            Err(ManifestError::UnsupportedSchemaVersion { found, expected, media_type })
        }
        Some(_) => Ok(()),
    }
}

fn schema1(raw: schema1::RawSchema1) -> Result<Schema1Manifest, ManifestError> {
    if raw.history.len() != raw.fs_layers.len() {
        return Err(ManifestError::Schema1HistoryMismatch {
            fs_layers: raw.fs_layers.len(),
            history: raw.history.len(),
        });
    }
    Ok(Schema1Manifest {
        name: raw.name,
        tag: raw.tag,
        architecture: raw.architecture,
        fs_layers: raw.fs_layers.into_iter().map(|layer| layer.blob_sum).collect(),
        signed: !raw.signatures.is_empty(),
    })
}
