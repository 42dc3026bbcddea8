//! Fixtures shared by the test suites, embedded with `include_bytes!` so that the same tests
//! run natively and in the browser (wasm32), where there is no file system.
#![allow(dead_code)] // each suite uses some of them

use waybill_core::manifest::{ImageIndex, ImageManifest, Manifest, ManifestDocument};

pub const PORTAINER: &[u8] =
    include_bytes!("../../../../tests/fixtures/manifests/portainer-windows-amd64-1.13.0.json");
pub const PORTAINER_CONFIG: &[u8] =
    include_bytes!("../../../../tests/fixtures/manifests/portainer-windows-amd64-1.13.0.config.json");
pub const OCI_INDEX: &[u8] = include_bytes!("../../../../tests/fixtures/manifests/oci-index-multi.json");
pub const ATTESTED_INDEX: &[u8] =
    include_bytes!("../../../../tests/fixtures/manifests/oci-index-attested.json");
pub const DOCKER_LIST: &[u8] =
    include_bytes!("../../../../tests/fixtures/manifests/docker-manifest-list-multi.json");
pub const OCI_NONDIST: &[u8] =
    include_bytes!("../../../../tests/fixtures/manifests/oci-nondistributable-zstd.json");
pub const SIGNALS: &[u8] = include_bytes!("../../../../tests/fixtures/manifests/docker-foreign-signals.json");
pub const ARTIFACT: &[u8] = include_bytes!("../../../../tests/fixtures/manifests/oci-artifact-sbom.json");
pub const SCHEMA1: &[u8] = include_bytes!("../../../../tests/fixtures/manifests/docker-schema1-signed.json");

/// Every manifest fixture, by name.
pub const ALL_MANIFESTS: &[(&str, &[u8])] = &[
    ("portainer", PORTAINER),
    ("oci index", OCI_INDEX),
    ("attested index", ATTESTED_INDEX),
    ("docker list", DOCKER_LIST),
    ("oci nondist", OCI_NONDIST),
    ("signals", SIGNALS),
    ("artifact", ARTIFACT),
    ("schema1", SCHEMA1),
];

pub fn document(bytes: &[u8]) -> ManifestDocument {
    ManifestDocument::parse(bytes.to_vec(), None).expect("fixture parses")
}

pub fn image(bytes: &[u8]) -> ImageManifest {
    match document(bytes).manifest() {
        Manifest::Image(image) => image.clone(),
        other => panic!("expected an image manifest, got {other:?}"),
    }
}

pub fn index(bytes: &[u8]) -> ImageIndex {
    match document(bytes).manifest() {
        Manifest::Index(index) => index.clone(),
        other => panic!("expected an index, got {other:?}"),
    }
}
