//! Hostile archives that cost little to make and much to read: each must give a correct result
//! or a clear error with `waybill`'s peak memory (its own, from the kernel) under [`RSS_LIMIT`].
//! Built here byte by byte; no server involved.

mod common;

use common::tar::{end, entry, file};
use common::{Run, sha256, waybill_peak_rss};
use serde_json::json;

/// What any archive may cost: docs/architecture.md's invariant 5, memory is bounded.
const RSS_LIMIT: u64 = 64 << 20;

/// Runs waybill, checks its peak memory, and returns what it did.
fn bounded(args: &[&str]) -> Run {
    let (run, peak) = waybill_peak_rss(args);
    eprintln!("waybill {args:?}: peak RSS {} KiB, exit {}", peak >> 10, run.code);
    assert_ne!(run.code, 101, "waybill panicked: {}", run.stderr);
    assert!(peak < RSS_LIMIT, "waybill {args:?} peaked at {} MiB\n{}", peak >> 20, run.stderr);
    run
}

/// A config for an amd64 image with these diff IDs, padded to about `pad` bytes with an `Env`
/// string (which the parsed config keeps), and the name docker save gives it.
fn config(diff_ids: &[&str], pad: usize) -> (String, Vec<u8>) {
    let ids = diff_ids.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(",");
    let bytes = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Env":["PAD={}"]}},"rootfs":{{"type":"layers","diff_ids":[{ids}]}}}}"#,
        "x".repeat(pad)
    );
    let name = format!("{}.json", sha256(bytes.as_bytes()).trim_start_matches("sha256:"));
    (name, bytes.into_bytes())
}

/// One zstd frame of `blocks` RLE blocks of 128 KiB of zeros each: 4 bytes per 128 KiB.
fn zstd_zeros(blocks: usize) -> Vec<u8> {
    // Magic; frame header descriptor 0 (no checksum, no content size); a 2 MiB window.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
    for i in 0..blocks {
        let last = u32::from(i == blocks - 1);
        let header = last | 1 << 1 | (128 * 1024) << 3;
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0);
    }
    frame
}

/// sha256 of 2^30 zero bytes (`head -c 1G /dev/zero | sha256sum`).
const ONE_GIB_OF_ZEROS: &str = "sha256:49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14";

#[test]
fn a_zstd_layer_inflating_to_one_gib_is_hashed_in_bounded_memory() {
    let layer = zstd_zeros(8192);
    assert!(layer.len() < 40 << 10, "the layer is {} bytes", layer.len());
    let (config_name, config) = config(&[ONE_GIB_OF_ZEROS], 0);
    let manifest =
        format!(r#"[{{"Config":"{config_name}","RepoTags":["bomb:1"],"Layers":["bomb.tar.zst"]}}]"#);
    let mut tar = entry(&config_name, &config);
    tar.extend(entry("bomb.tar.zst", &layer));
    tar.extend(entry("manifest.json", manifest.as_bytes()));
    tar.extend(end());
    let path = file("zstd-layer-bomb.tar", &tar);
    let run = bounded(&["verify", &path]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// A small layer tar and its diff ID.
fn small_layer() -> (Vec<u8>, String) {
    let layer = [entry("hello.txt", b"hello\n"), end()].concat();
    let diff_id = sha256(&layer);
    (layer, diff_id)
}

/// A docker-save archive whose manifest.json lists `entries` images, all naming one config of
/// about `pad` bytes.
fn manifest_json_naming_one_config(name: &str, entries: usize, pad: usize) -> String {
    let (layer, diff_id) = small_layer();
    let (config_name, config) = config(&[&diff_id], pad);
    let entries: Vec<_> = (0..entries)
        .map(|i| json!({"Config": config_name, "RepoTags": [format!("fan:{i}")], "Layers": ["layer.tar"]}))
        .collect();
    let mut tar = entry(&config_name, &config);
    tar.extend(entry("layer.tar", &layer));
    tar.extend(entry("manifest.json", &serde_json::to_vec(&entries).expect("JSON")));
    tar.extend(end());
    file(name, &tar)
}

/// inspect and verify both refuse the archive at `path` with `expected` in the message.
fn refused(path: &str, expected: &str) {
    for command in ["inspect", "verify"] {
        let run = bounded(&[command, path]);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
    }
}

/// The message of the cap on configs and manifests named again.
const NAMED_AGAIN: &str = "names the same configs and manifests over and over";

/// inspect lists every image, and verify checks one.
fn read(path: &str) {
    let run = bounded(&["inspect", path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("fan:39"), "{}", run.stdout);
    let run = bounded(&["verify", "--image", "fan:7", path]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn two_thousand_manifest_json_entries_naming_one_big_config_are_refused() {
    // The config is read once whatever the count; what each entry costs is what the cap bounds.
    refused(&manifest_json_naming_one_config("docker-fan-out-1mib.tar", 2000, 1 << 20), NAMED_AGAIN);
}

#[test]
fn two_thousand_manifest_json_entries_naming_one_small_config_are_read() {
    read(&manifest_json_naming_one_config("docker-fan-out-small.tar", 2000, 0));
}

/// An OCI layout whose index.json lists `outer` entries, each naming one index that lists
/// `inner` entries, each naming one image manifest (with a config of about `pad` bytes).
fn oci_fan_out(name: &str, outer: usize, inner: usize, pad: usize) -> String {
    let (layer, diff_id) = small_layer();
    let (_, config) = config(&[&diff_id], pad);
    let descriptor = |media_type: &str, bytes: &[u8]| json!({"mediaType": media_type, "digest": sha256(bytes), "size": bytes.len()});
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", &layer)],
    }))
    .expect("JSON");
    let index = |entries: Vec<serde_json::Value>| {
        serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries
        }))
        .expect("JSON")
    };
    let manifest_entry = descriptor("application/vnd.oci.image.manifest.v1+json", &manifest);
    let child = index(vec![manifest_entry; inner]);
    let child_entry = descriptor("application/vnd.oci.image.index.v1+json", &child);
    let top = index(
        (0..outer)
            .map(|i| {
                let mut entry = child_entry.clone();
                entry["annotations"] = json!({"org.opencontainers.image.ref.name": format!("fan:{i}")});
                entry
            })
            .collect(),
    );
    let blob = |bytes: &[u8]| entry(&format!("blobs/{}", sha256(bytes).replace(':', "/")), bytes);
    let tar = [
        entry("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#),
        blob(&layer),
        blob(&config),
        blob(&manifest),
    ]
    .into_iter()
    .chain([blob(&child), entry("index.json", &top), end()])
    .collect::<Vec<_>>()
    .concat();
    file(name, &tar)
}

#[test]
fn an_index_of_300_indexes_of_300_is_refused() {
    refused(&oci_fan_out("oci-fan-out-300.tar", 300, 300, 0), NAMED_AGAIN);
}

#[test]
fn an_index_of_indexes_naming_one_big_config_is_refused() {
    refused(&oci_fan_out("oci-fan-out-1mib.tar", 40, 40, 1 << 20), NAMED_AGAIN);
}

#[test]
fn an_index_of_40_indexes_of_40_is_read() {
    read(&oci_fan_out("oci-fan-out-40.tar", 40, 40, 0));
}
