//! Fuzz targets for the archive index readers (issue 11), run by `cargo test` for a fixed
//! budget of cases like the other property suites, each printing its executions and their rate
//! and how far its archives got (docs/benchmarks.md keeps the figures):
//!
//! * `docker_save_manifest_json`: docker-save archives whose `manifest.json` is noise, a valid
//!   one mutated, or a valid one with random JSON (paths out of the archive, links, a loop,
//!   missing files, foreign layers) spliced into its fields;
//! * `oci_layout`: OCI layouts (an index of an index and a manifest) whose `index.json`,
//!   `oci-layout`, nested index, manifest or config is edited the same ways, stored under the
//!   original digests.
//!
//! Properties: never a panic, never a read over `MAX_READ`, every error says something; an
//! archive that opens goes through everything a push does before the network (report, verify,
//! policy, the manifest to push, which must parse and keep its digest). The decoders' target is
//! fuzz_inflate. Native only (proptest needs a clock and a file system).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::Cell;

use proptest::prelude::*;
use serde_json::{Value, json};
use support::fuzzing::{Edit, edit, fuzz};
use support::{CountingSource, Tar, block_on, config_json, gzip, layer_tar, sha256};
use waybill_core::archive::build::build;
use waybill_core::archive::build::check_policy;
use waybill_core::archive::compress::LayerCompression;
use waybill_core::archive::docker::parse_manifest_json;
use waybill_core::archive::report::ArchiveReport;
use waybill_core::archive::verify::verify;
use waybill_core::archive::{Archive, ArchiveImage, MAX_READ, OpenOptions};
use waybill_core::manifest::ManifestDocument;
use waybill_core::media;
use waybill_core::transfer::push_archive::absent_foreign;

/// How far the archives of a run got: opened, images verified, manifests built for a push.
#[derive(Default)]
struct Reached {
    opened: Cell<u32>,
    verified: Cell<u32>,
    built: Cell<u32>,
}

impl Reached {
    fn count(cell: &Cell<u32>) {
        cell.set(cell.get() + 1);
    }

    fn print(&self, name: &str) {
        let (o, v, b) = (self.opened.get(), self.verified.get(), self.built.get());
        eprintln!("fuzz {name}: {o} archives opened, {v} images verified, {b} manifests built to push");
    }
}

/// Opens `bytes` through a source that records its reads, then takes every image that opens
/// through what a push does before the network.
fn check_archive(bytes: Vec<u8>, reached: &Reached) -> Result<(), TestCaseError> {
    let source = CountingSource::new(bytes);
    let opened = block_on(Archive::open(&source, OpenOptions { max_uncompressed: Some(64 << 20) }));
    prop_assert!(source.largest_read.get() <= MAX_READ, "a read of {} bytes", source.largest_read.get());
    let archive = match opened {
        Ok(archive) => archive,
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            return Ok(());
        }
    };
    prop_assert!(!archive.images().is_empty());
    Reached::count(&reached.opened);
    let report = ArchiveReport::new(&archive);
    prop_assert!(serde_json::to_string(&report).is_ok());
    let images: Vec<&ArchiveImage> = archive.images().iter().collect();
    let checks =
        block_on(verify(&archive, &images, &|_, _| {})).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(checks.len(), images.len());
    for (image, check) in images.iter().zip(&checks) {
        let _ = check_policy(image, true);
        let _ = absent_foreign(image);
        for name in &image.names {
            prop_assert!(archive.select(Some(name)).is_ok(), "{} does not select", name);
        }
        if !check.ok() {
            prop_assert!(check.failures().iter().all(|f| !f.is_empty()));
            continue;
        }
        Reached::count(&reached.verified);
        let Ok(push) = build(image, check, LayerCompression::None) else {
            continue;
        };
        Reached::count(&reached.built);
        let top = push.top.ready().cloned();
        prop_assert!(top.is_some(), "a build with nothing to compress is ready before any upload");
        for document in push.children.iter().chain(top.as_ref()) {
            let again = ManifestDocument::parse(document.bytes().to_vec(), Some(document.media_type()));
            let digest = again.map(|d| d.digest().clone()).ok();
            prop_assert_eq!(digest.as_ref(), Some(document.digest()));
        }
    }
    Ok(())
}

/// Paths and names worth trying in the metadata's fields.
const PATHS: &[&str] = &[
    "l1.tar",
    "l2.tar.gz",
    "x/l.tar",
    "loop/a",
    "c.json",
    "manifest.json",
    "../l1.tar",
    "/etc/passwd",
    "missing.tar",
    "dir",
    "a:b",
    "UPPER:1",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];

const DOCKER_KEYS: &[&str] =
    &["Config", "RepoTags", "Layers", "LayerSources", "mediaType", "digest", "size", "urls", "Parent"];

/// A docker-save archive: a plain and a gzip'd layer, a link to the first and a link loop, a
/// directory, a config; `manifest.json` is the caller's.
fn docker_archive(manifest_json: &[u8]) -> Vec<u8> {
    let (one, two) = (layer_tar("one", 700), layer_tar("two", 300));
    let config = config_json(&[sha256(&one), sha256(&two)], "linux");
    Tar::new()
        .file("c.json", &config)
        .file("l1.tar", &one)
        .file("l2.tar.gz", &gzip(&two))
        .symlink("x/l.tar", "../l1.tar")
        .symlink("loop/a", "b")
        .symlink("loop/b", "a")
        .dir("dir/")
        .file("repositories", br#"{"a":{"b":"0"}}"#)
        .file("manifest.json", manifest_json)
        .finish()
}

/// The valid `manifest.json` of [`docker_archive`], with a foreign-layer source for the second.
fn docker_manifest_json() -> Value {
    let two = layer_tar("two", 300);
    let blob = gzip(&two);
    json!([{
        "Config": "c.json",
        "RepoTags": ["a:b", "example.com/x/y:1"],
        "Layers": ["x/l.tar", "l2.tar.gz"],
        "LayerSources": {sha256(&two).to_string(): {
            "mediaType": media::DOCKER_FOREIGN_LAYER, "digest": sha256(&blob).to_string(), "size": blob.len(),
            "urls": ["https://example.com/two"],
        }},
    }])
}

#[test]
fn docker_save_manifest_json() {
    let valid = docker_manifest_json();
    assert!(parse_manifest_json(&serde_json::to_vec(&valid).unwrap()).is_ok());
    let reached = Reached::default();
    check_archive(docker_archive(&serde_json::to_vec(&valid).unwrap()), &reached).unwrap();
    assert_eq!(reached.built.get(), 1, "the valid archive is pushable");
    fuzz("docker-save manifest.json", 2000, edit(DOCKER_KEYS, PATHS), |edit| {
        let manifest_json = edit.apply(&valid);
        let _ = parse_manifest_json(&manifest_json);
        check_archive(docker_archive(&manifest_json), &reached)
    });
    reached.print("docker-save manifest.json");
}

const OCI_KEYS: &[&str] = &[
    "schemaVersion",
    "mediaType",
    "manifests",
    "layers",
    "config",
    "digest",
    "size",
    "platform",
    "annotations",
    "org.opencontainers.image.ref.name",
    "imageLayoutVersion",
    "urls",
    "subject",
];

/// The documents of an OCI layout: `oci-layout`, `index.json`, a nested index, a manifest and
/// its config (the layers are fixed).
#[derive(Clone)]
struct OciLayout {
    documents: [Value; 5],
    layers: [Vec<u8>; 2],
}

/// A descriptor of `bytes`.
fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha256(bytes).to_string(), "size": bytes.len()})
}

impl OciLayout {
    fn new() -> OciLayout {
        let layers = [layer_tar("one", 600), gzip(&layer_tar("two", 200))];
        let config = serde_json::from_slice(&config_json(
            &[sha256(&layers[0]), sha256(&layer_tar("two", 200))],
            "linux",
        ))
        .unwrap();
        let config_bytes = serde_json::to_vec(&config).unwrap();
        let layer_descriptors =
            [descriptor(media::OCI_LAYER_TAR, &layers[0]), descriptor(media::OCI_LAYER_GZIP, &layers[1])];
        let manifest = json!({
            "schemaVersion": 2, "mediaType": media::OCI_MANIFEST,
            "config": descriptor(media::OCI_CONFIG, &config_bytes), "layers": layer_descriptors,
        });
        let mut entry = descriptor(media::OCI_MANIFEST, &serde_json::to_vec(&manifest).unwrap());
        entry["platform"] = json!({"os": "linux", "architecture": "amd64"});
        let child = json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [entry.clone()]});
        let mut top_child = descriptor(media::OCI_INDEX, &serde_json::to_vec(&child).unwrap());
        top_child["annotations"] = json!({"org.opencontainers.image.ref.name": "multi"});
        entry["annotations"] = json!({"org.opencontainers.image.ref.name": "example.com/single:1"});
        let index = json!({"schemaVersion": 2, "manifests": [top_child, entry]});
        OciLayout {
            documents: [json!({"imageLayoutVersion": "1.0.0"}), index, child, manifest, config],
            layers,
        }
    }

    /// The archive with document `which` edited; every blob is stored under the digest of its
    /// valid bytes.
    fn archive(&self, which: usize, edit: Option<&Edit>) -> Vec<u8> {
        let bytes = |i: usize| serde_json::to_vec(&self.documents[i]).unwrap();
        let written = |i: usize| match edit {
            Some(edit) if i == which => edit.apply(&self.documents[i]),
            _ => bytes(i),
        };
        let mut tar = Tar::new();
        tar.file("oci-layout", &written(0));
        for layer in &self.layers {
            tar.file(&format!("blobs/sha256/{}", sha256(layer).hex()), layer);
        }
        for i in 2..5 {
            tar.file(&format!("blobs/sha256/{}", sha256(&bytes(i)).hex()), &written(i));
        }
        tar.file("index.json", &written(1)).finish()
    }
}

#[test]
fn oci_layout() {
    let layout = OciLayout::new();
    let reached = Reached::default();
    check_archive(layout.archive(0, None), &reached).unwrap();
    assert_eq!(reached.built.get(), 2, "both images of the valid layout are pushable");
    let which = prop_oneof![1 => 0usize..5, 3 => Just(1usize)];
    fuzz("OCI index.json and layout", 1500, (which, edit(OCI_KEYS, PATHS)), |(which, edit)| {
        check_archive(layout.archive(which, Some(&edit)), &reached)
    });
    reached.print("OCI index.json and layout");
}
