//! Metadata fan-out: each config and manifest is parsed once and shared by every entry naming it,
//! and the entries, the layers, the nesting and what is named again are capped, each with an
//! error naming its cap. Runs natively and in headless Chromium. (The CLI's archive_memory suite
//! measures what such archives cost.)

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::*;
use waybill_core::archive::metadata::{MAX_ENTRIES, MAX_LAYERS};
use waybill_core::archive::oci::MAX_DEPTH;
use waybill_core::archive::{Archive, ArchiveError, OpenOptions};
use waybill_core::media;

fn open(bytes: Vec<u8>) -> Result<Archive<CountingSource>, ArchiveError> {
    block_on(Archive::open(CountingSource::new(bytes), OpenOptions::default()))
}

fn refused(bytes: Vec<u8>) -> String {
    match open(bytes) {
        Ok(archive) => panic!("accepted, with {} images", archive.images().len()),
        Err(e) => e.to_string(),
    }
}

/// A docker-save archive whose manifest.json lists `entries` images of one config and layer,
/// each listing the layer `layers` times (with a config of that many diff IDs).
fn docker_fan_out(entries: usize, layers: usize) -> Vec<u8> {
    let layer = layer_tar("one", 100);
    let config = config_json(&vec![sha256(&layer); layers], "linux");
    let config_name = format!("{}.json", sha256(&config).hex());
    let list: Vec<Value> = (0..entries)
        .map(|i| json!({"Config": config_name, "RepoTags": [format!("fan:{i}")], "Layers": vec!["l.tar"; layers]}))
        .collect();
    let mut tar = Tar::new();
    tar.file(&config_name, &config).file("l.tar", &layer);
    tar.file("manifest.json", &serde_json::to_vec(&list).unwrap()).finish()
}

/// An OCI layout being built: blobs under `blobs/sha256/`, and their descriptors.
struct Layout(Tar);

impl Layout {
    fn new() -> Layout {
        let mut tar = Tar::new();
        tar.file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
        Layout(tar)
    }

    fn blob(&mut self, media_type: &str, bytes: &[u8]) -> Value {
        self.0.file(&format!("blobs/sha256/{}", sha256(bytes).hex()), bytes);
        json!({"mediaType": media_type, "digest": sha256(bytes).to_string(), "size": bytes.len()})
    }

    /// An image manifest of one small layer; its descriptor.
    fn image(&mut self) -> Value {
        let layer = layer_tar("one", 100);
        let config = self.blob(media::OCI_CONFIG, &config_json(&[sha256(&layer)], "linux"));
        let layers = [self.blob(media::OCI_LAYER_TAR, &layer)];
        let manifest =
            json!({"schemaVersion": 2, "mediaType": media::OCI_MANIFEST, "config": config, "layers": layers});
        self.blob(media::OCI_MANIFEST, &serde_json::to_vec(&manifest).unwrap())
    }

    /// An index of these entries; its descriptor.
    fn index(&mut self, entries: Vec<Value>) -> Value {
        let index = json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": entries});
        self.blob(media::OCI_INDEX, &serde_json::to_vec(&index).unwrap())
    }

    fn finish(mut self, entries: Vec<Value>) -> Vec<u8> {
        let index = json!({"schemaVersion": 2, "manifests": entries});
        self.0.file("index.json", &serde_json::to_vec(&index).unwrap()).finish()
    }
}

#[test]
fn entries_naming_one_config_or_manifest_share_one_parsed_copy() {
    let archive = open(docker_fan_out(3, 1)).unwrap();
    let configs: Vec<_> =
        archive.images().iter().map(|i| i.manifests[0].config.config.clone().unwrap()).collect();
    assert!(configs.windows(2).all(|pair| Arc::ptr_eq(&pair[0], &pair[1])), "one config, parsed once");

    let mut layout = Layout::new();
    let image = layout.image();
    let archive = open(layout.finish(vec![image.clone(), image])).unwrap();
    let [a, b] = archive.images() else { panic!("two images") };
    assert!(Arc::ptr_eq(a.top.as_ref().unwrap(), b.top.as_ref().unwrap()), "one manifest, parsed once");
}

#[test]
fn more_manifest_json_entries_than_the_cap_are_refused() {
    open(docker_fan_out(MAX_ENTRIES, 1)).unwrap();
    let message = refused(docker_fan_out(MAX_ENTRIES + 1, 1));
    assert!(message.contains(&format!("more than {MAX_ENTRIES} images and index entries")), "{message}");
}

#[test]
fn more_layers_than_the_cap_are_refused() {
    let message = refused(docker_fan_out(11, MAX_LAYERS / 10));
    assert!(message.contains(&format!("more than {MAX_LAYERS} layers")), "{message}");
}

#[test]
fn entries_reached_through_several_indexes_count_each_time() {
    // index.json → 2 × (one index of 5,000 entries → one manifest): 10,002 entries.
    let mut layout = Layout::new();
    let image = layout.image();
    let wide = layout.index(vec![image; MAX_ENTRIES / 2]);
    let message = refused(layout.finish(vec![wide.clone(), wide]));
    assert!(message.contains(&format!("more than {MAX_ENTRIES} images and index entries")), "{message}");
}

#[test]
fn indexes_nested_deeper_than_the_cap_are_refused() {
    let nested = |depth: usize| {
        let mut layout = Layout::new();
        let mut entry = layout.image();
        for _ in 0..depth {
            entry = layout.index(vec![entry]);
        }
        layout.finish(vec![entry])
    };
    assert_eq!(open(nested(MAX_DEPTH)).unwrap().images()[0].manifests.len(), 1);
    let message = refused(nested(MAX_DEPTH + 1));
    assert!(message.contains(&format!("indexes nest more than {MAX_DEPTH} levels deep")), "{message}");
}

#[test]
fn a_big_config_named_again_and_again_is_refused() {
    // 2 MiB of Env, which the parsed config keeps: three entries name it twice again (4 MiB,
    // within its size plus 4 MiB); a fourth passes that.
    let layer = layer_tar("one", 100);
    let pad = format!("PAD={}", "x".repeat(2 << 20));
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Env":["{pad}"]}},"rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#,
        sha256(&layer)
    );
    let name = format!("{}.json", sha256(config.as_bytes()).hex());
    let list = |n: usize| {
        let entries: Vec<Value> = (0..n).map(|_| json!({"Config": name, "Layers": ["l.tar"]})).collect();
        let mut tar = Tar::new();
        tar.file(&name, config.as_bytes()).file("l.tar", &layer);
        tar.file("manifest.json", &serde_json::to_vec(&entries).unwrap()).finish()
    };
    open(list(3)).unwrap();
    let message = refused(list(4));
    assert!(message.contains("names the same configs and manifests over and over"), "{message}");
    assert!(message.contains("(their own size plus 4 MiB)"), "{message}");
}
