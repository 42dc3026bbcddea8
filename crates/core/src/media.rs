//! Every media type Waybill meets, in one table, and [`classify`], which turns a layer
//! descriptor into a [`LayerKind`].
//!
//! Tools disagree on what a "foreign" layer is: crane goes by media type (and misses `+zstd`),
//! containers/image and regctl by the presence of `urls`, and the OCI spec says `urls` must not
//! decide it. So [`LayerKind`] carries both signals side by side and never merges them: a
//! foreign media type without `urls` (Pulp rejects the manifest) and a distributable media type
//! with `urls` (distribution rejects it unless configured) are both visible as what they are.
//!
//! Media types outside the table are "unknown but valid": registries store artifacts of any type,
//! so an unknown type is never an error here; its compression is guessed from its suffix.
//! The OCI image layout has no entry: its `oci-layout` marker file (`imageLayoutVersion`) has no
//! media type and no descriptor ever references it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::descriptor::Descriptor;

mod media_type;

pub use media_type::MediaType;

/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (multi-platform), schema 2.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest, schema 1, unsigned (legacy, read-only).
pub const DOCKER_MANIFEST_V1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker image manifest, schema 1, signed with JWS (legacy, read-only).
pub const DOCKER_MANIFEST_V1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
/// Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker layer, gzip'd tar.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker layer, plain tar (what pushes of `docker save` output may use).
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// Docker foreign layer, gzip'd tar: the publisher restricts redistribution (Windows base layers).
pub const DOCKER_FOREIGN_LAYER: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/// Docker plugin config.
pub const DOCKER_PLUGIN_CONFIG: &str = "application/vnd.docker.plugin.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index (multi-platform).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI layer, plain tar.
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI layer, gzip'd tar.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI layer, zstd-compressed tar.
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// OCI non-distributable layer, plain tar (deprecated by the spec, still found in old images).
pub const OCI_NONDIST_TAR: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// OCI non-distributable layer, gzip'd tar.
pub const OCI_NONDIST_GZIP: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// OCI non-distributable layer, zstd-compressed tar.
pub const OCI_NONDIST_ZSTD: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/// OCI empty descriptor (`{}`), the config of artifacts that have none.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

/// The `Accept` list for manifest GETs: without it registries fall back to schema 1 or refuse.
pub const MANIFEST_ACCEPT: &[&str] = &[DOCKER_MANIFEST_V2, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX];

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// A plain tar (or not a tar at all).
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

impl Compression {
    /// The lower-case name, as shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a media type is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// An image manifest (Docker schema 2 or OCI).
    Manifest,
    /// A multi-platform index (Docker manifest list or OCI index).
    Index,
    /// A legacy Docker schema 1 manifest.
    Schema1,
    /// An image or plugin config (also the OCI empty descriptor, used as an artifact's config).
    Config,
    /// A filesystem layer.
    Layer,
    /// Content of an artifact (Helm chart, signature, SBOM, wasm module, …).
    Artifact,
}

/// Who defined a media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Docker's `application/vnd.docker.*` types.
    Docker,
    /// The OCI image spec's `application/vnd.oci.*` types.
    Oci,
    /// Types defined by artifact producers (Helm, Sigstore, in-toto, SPDX, wasm, …).
    Artifact,
}

/// One row of the media-type table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaTypeInfo {
    /// The media type, exactly as registries send it.
    pub name: &'static str,
    /// What it is used for.
    pub role: Role,
    /// For layers and artifact content: the compression. `None` when it does not apply.
    pub compression: Option<Compression>,
    /// Foreign / non-distributable by its media type.
    pub non_distributable: bool,
    /// Who defined it.
    pub family: Family,
}

const fn row(
    name: &'static str,
    role: Role,
    compression: Option<Compression>,
    non_distributable: bool,
    family: Family,
) -> MediaTypeInfo {
    MediaTypeInfo { name, role, compression, non_distributable, family }
}

// Short names for the rows of the table below.
use Compression::{Gzip, Zstd};
use Family::{Artifact as ArtifactFamily, Docker, Oci};
use Role::{Artifact, Config, Index, Layer, Manifest, Schema1};

const PLAIN: Option<Compression> = Some(Compression::None);
const GZIP: Option<Compression> = Some(Gzip);
const ZSTD: Option<Compression> = Some(Zstd);

/// Every media type Waybill knows, one row each.
pub const TABLE: &[MediaTypeInfo] = &[
    row(DOCKER_MANIFEST_V2, Manifest, None, false, Docker),
    row(DOCKER_MANIFEST_LIST, Index, None, false, Docker),
    row(DOCKER_MANIFEST_V1, Schema1, None, false, Docker),
    row(DOCKER_MANIFEST_V1_SIGNED, Schema1, None, false, Docker),
    row(DOCKER_CONFIG, Config, None, false, Docker),
    row(DOCKER_PLUGIN_CONFIG, Config, None, false, Docker),
    row(DOCKER_LAYER_GZIP, Layer, GZIP, false, Docker),
    row(DOCKER_LAYER_TAR, Layer, PLAIN, false, Docker),
    row(DOCKER_FOREIGN_LAYER, Layer, GZIP, true, Docker),
    row(OCI_MANIFEST, Manifest, None, false, Oci),
    row(OCI_INDEX, Index, None, false, Oci),
    row(OCI_CONFIG, Config, None, false, Oci),
    row(OCI_LAYER_TAR, Layer, PLAIN, false, Oci),
    row(OCI_LAYER_GZIP, Layer, GZIP, false, Oci),
    row(OCI_LAYER_ZSTD, Layer, ZSTD, false, Oci),
    row(OCI_NONDIST_TAR, Layer, PLAIN, true, Oci),
    row(OCI_NONDIST_GZIP, Layer, GZIP, true, Oci),
    row(OCI_NONDIST_ZSTD, Layer, ZSTD, true, Oci),
    row(OCI_EMPTY, Config, None, false, Oci),
    // Helm charts.
    row("application/vnd.cncf.helm.config.v1+json", Config, None, false, ArtifactFamily),
    row("application/vnd.cncf.helm.chart.content.v1.tar+gzip", Artifact, GZIP, false, ArtifactFamily),
    row("application/vnd.cncf.helm.chart.provenance.v1.prov", Artifact, PLAIN, false, ArtifactFamily),
    // Sigstore / cosign signatures and attestations.
    row("application/vnd.dev.cosign.simplesigning.v1+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.dev.cosign.artifact.sig.v1+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.dev.cosign.artifact.sbom.v1+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.dev.sigstore.bundle.v0.3+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.dev.sigstore.bundle+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.dsse.envelope.v1+json", Artifact, PLAIN, false, ArtifactFamily),
    // Notary v2 signatures.
    row("application/vnd.cncf.notary.signature", Artifact, PLAIN, false, ArtifactFamily),
    row("application/jose+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/cose", Artifact, PLAIN, false, ArtifactFamily),
    // SBOMs and provenance (BuildKit attestation manifests use in-toto layers).
    row("application/vnd.in-toto+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/spdx+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.cyclonedx+json", Artifact, PLAIN, false, ArtifactFamily),
    row("application/vnd.syft+json", Artifact, PLAIN, false, ArtifactFamily),
    // WebAssembly modules as OCI artifacts.
    row("application/vnd.wasm.config.v0+json", Config, None, false, ArtifactFamily),
    row("application/vnd.wasm.content.layer.v1+wasm", Artifact, PLAIN, false, ArtifactFamily),
    // BuildKit cache exports.
    row("application/vnd.buildkit.cacheconfig.v0", Config, None, false, ArtifactFamily),
    // Singularity / Apptainer images.
    row("application/vnd.sylabs.sif.config.v1+json", Config, None, false, ArtifactFamily),
    row("application/vnd.sylabs.sif.layer.v1.sif", Artifact, PLAIN, false, ArtifactFamily),
];

/// The essence of a media type: parameters (`; charset=utf-8`) dropped, whitespace trimmed.
///
/// Media types compare case-insensitively (RFC 6838), which [`lookup`] honours.
pub fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or_default().trim()
}

/// The table row for a media type, ignoring parameters and case; `None` if Waybill does not know it.
pub fn lookup(media_type: &str) -> Option<&'static MediaTypeInfo> {
    let essence = essence(media_type);
    TABLE.iter().find(|info| info.name.eq_ignore_ascii_case(essence))
}

/// The well-known empty blobs that images reference over and over, as (digest, size).
///
/// Each was checked by computing it (Python 3.11 here):
/// * `a3ed95ca…` (32 bytes): the gzip'd empty tar that Docker and distribution write (the bytes of
///   distribution's `gzippedEmptyTar`); `gzip.decompress` of those 32 bytes gives 1024 NUL bytes
///   and `hashlib.sha256` of the 32 bytes gives this digest.
/// * `5f70bf18…` (1024 bytes): an empty tar, two 512-byte zero blocks:
///   `hashlib.sha256(b"\0" * 1024)`.
/// * `44136fa3…` (2 bytes): the OCI empty descriptor's content `{}`: `hashlib.sha256(b"{}")`.
pub const EMPTY_BLOBS: &[(&str, u64)] = &[
    ("sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4", 32),
    ("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", 1024),
    ("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", 2),
];

/// What a layer descriptor is, by each signal separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerKind {
    /// Foreign / non-distributable — decided by the media type ONLY, never by `urls`.
    pub non_distributable: bool,
    /// The descriptor carries `urls` (where the publisher serves the blob).
    pub has_urls: bool,
    /// How the blob is compressed: from the table, else guessed from the media type's suffix.
    pub compression: Compression,
    /// One of the well-known empty blobs ([`EMPTY_BLOBS`]), matched by digest and size.
    pub empty: bool,
    /// Whether the media type is in Waybill's table (unknown types are valid, just unknown).
    pub known_media_type: bool,
}

/// Whether `media_type` is an image config's (Docker's or OCI's), which has `rootfs.diff_ids`; an
/// artifact's config (a signature's, the empty descriptor) is not.
pub fn is_image_config(media_type: &str) -> bool {
    [DOCKER_CONFIG, OCI_CONFIG].iter().any(|t| essence(media_type).eq_ignore_ascii_case(t))
}

/// Classifies a layer (or any blob) descriptor. Pure: looks at the descriptor only.
pub fn classify(d: &Descriptor) -> LayerKind {
    let info = d.media_type.info();
    let digest = d.digest.to_string();
    LayerKind {
        non_distributable: info.is_some_and(|i| i.non_distributable),
        has_urls: !d.urls.is_empty(),
        compression: info.and_then(|i| i.compression).unwrap_or_else(|| compression_by_suffix(&d.media_type)),
        // The size must match too: a descriptor naming an empty digest with another size is not
        // an empty layer, it is a descriptor that will fail verification.
        empty: EMPTY_BLOBS.iter().any(|&(empty, size)| empty == digest && size == d.size),
        known_media_type: info.is_some(),
    }
}

/// Guesses the compression of an unknown media type from its suffix (`+gzip`, `+zstd`,
/// `.tar.gzip`, `.tar`); anything else is taken as uncompressed.
fn compression_by_suffix(media_type: &str) -> Compression {
    let essence = essence(media_type).to_ascii_lowercase();
    if essence.ends_with("+gzip") || essence.ends_with(".gzip") {
        Compression::Gzip
    } else if essence.ends_with("+zstd") || essence.ends_with(".zstd") {
        Compression::Zstd
    } else {
        Compression::None
    }
}
