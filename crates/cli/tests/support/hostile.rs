//! Builders of hostile image archives, in memory and small: docker-save and OCI-layout archives
//! with one part changed, compressed streams written by hand (zstd RLE and raw blocks, gzip
//! members repeated) so that a bomb of 1 GiB costs a few KiB to make, and the fan-out archives of
//! issue 11. `archive_hostile` runs every case through inspect, verify and push.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::sha256;
use super::tar::{end, entry, link};

/// `gzip -9` of `data`, by the system gzip (an encoder independent of Waybill's).
pub fn system_gzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run gzip");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data).expect("feed gzip"));
    let output = child.wait_with_output().expect("gzip output");
    writer.join().expect("writer");
    assert!(output.status.success());
    output.stdout
}

/// `mib` MiB of zeros as a multi-member gzip stream: one 1 MiB member (about 1 KiB) repeated.
pub fn gzip_zeros(mib: usize) -> Vec<u8> {
    system_gzip(&vec![0u8; 1 << 20]).repeat(mib)
}

/// A zstd frame header: magic, descriptor 0 (no checksum, no content size), a 2 MiB window.
const ZSTD_FRAME: [u8; 6] = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];

fn zstd_block(frame: &mut Vec<u8>, last: bool, kind: u32, size: usize, body: &[u8]) {
    let header = u32::from(last) | kind << 1 | (size as u32) << 3;
    frame.extend_from_slice(&header.to_le_bytes()[..3]);
    frame.extend_from_slice(body);
}

/// One zstd frame of `blocks` RLE blocks of 128 KiB of zeros each: 4 bytes per 128 KiB.
pub fn zstd_zeros(blocks: usize) -> Vec<u8> {
    let mut frame = ZSTD_FRAME.to_vec();
    for i in 0..blocks {
        zstd_block(&mut frame, i == blocks - 1, 1, 128 * 1024, &[0]);
    }
    frame
}

/// `data` as one valid zstd frame of raw (stored) blocks.
pub fn zstd_raw(data: &[u8]) -> Vec<u8> {
    let mut frame = ZSTD_FRAME.to_vec();
    let chunks: Vec<&[u8]> = data.chunks(128 * 1024).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        zstd_block(&mut frame, i == chunks.len() - 1, 0, chunk.len(), chunk);
    }
    frame
}

/// A zstd-compressed tar whose entries honestly declare `entries` × 512 MiB of zeros, in about
/// 16 KiB each: raw blocks for the headers, RLE blocks for the bodies.
pub fn zstd_tar_of_zeros(entries: usize) -> Vec<u8> {
    let mut frame = ZSTD_FRAME.to_vec();
    for i in 0..entries {
        let header = super::tar::header(&format!("zeros-{i}"), 512 << 20, b'0');
        zstd_block(&mut frame, false, 0, header.len(), &header);
        for _ in 0..(512 << 20) / (128 * 1024) {
            zstd_block(&mut frame, false, 1, 128 * 1024, &[0]);
        }
    }
    zstd_block(&mut frame, true, 0, 1024, &end());
    frame
}

/// A gzip'd tar whose entries honestly declare `entries` × 512 MiB of zeros, in about 0.5 MiB
/// each (1 MiB gzip members of zeros, repeated).
pub fn gzip_tar_of_zeros(entries: usize) -> Vec<u8> {
    let member = system_gzip(&vec![0u8; 1 << 20]);
    let mut bomb = Vec::new();
    for i in 0..entries {
        bomb.extend(system_gzip(&super::tar::header(&format!("zeros-{i}"), 512 << 20, b'0')));
        bomb.extend(member.repeat(512));
    }
    bomb.extend(system_gzip(&end()));
    bomb
}

/// sha256 of 2^30 zero bytes (`head -c 1G /dev/zero | sha256sum`).
pub const ONE_GIB_OF_ZEROS: &str = "sha256:49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14";

/// 2^62, a size no file has.
pub const HUGE: u64 = 1 << 62;

/// A config for an amd64 image with these diff IDs, padded to about `pad` bytes with an `Env`
/// string (which the parsed config keeps), and the name docker save gives it.
pub fn config(diff_ids: &[&str], pad: usize) -> (String, Vec<u8>) {
    let ids = diff_ids.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(",");
    let bytes = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Env":["PAD={}"]}},"rootfs":{{"type":"layers","diff_ids":[{ids}]}}}}"#,
        "x".repeat(pad)
    );
    (config_name(bytes.as_bytes()), bytes.into_bytes())
}

/// The name docker save gives a config: `<hex>.json`.
pub fn config_name(config: &[u8]) -> String {
    format!("{}.json", sha256(config).trim_start_matches("sha256:"))
}

/// A small layer tar and its diff ID.
pub fn small_layer() -> (Vec<u8>, String) {
    let layer = [entry("hello.txt", b"hello\n"), end()].concat();
    let diff_id = sha256(&layer);
    (layer, diff_id)
}

/// A docker-save archive of one image `hostile:1` whose layer file `layer.tar` holds `layer`
/// and whose config lists `diff_id`.
pub fn docker_image(layer: &[u8], diff_id: &str) -> Vec<u8> {
    let (name, config) = config(&[diff_id], 0);
    let manifest = json!([{"Config": name, "RepoTags": ["hostile:1"], "Layers": ["layer.tar"]}]);
    [
        entry(&name, &config),
        entry("layer.tar", layer),
        entry("manifest.json", manifest.to_string().as_bytes()),
        end(),
    ]
    .concat()
}

/// A valid docker-save archive with `manifest.json` replaced by `manifest_json`.
pub fn docker_with_manifest_json(manifest_json: &[u8]) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    let (name, config) = config(&[&diff_id], 0);
    [entry(&name, &config), entry("layer.tar", &layer), entry("manifest.json", manifest_json), end()].concat()
}

/// A docker-save archive of one image whose config file holds `config` (named by its digest).
pub fn docker_with_config(config: &[u8]) -> Vec<u8> {
    let (layer, _) = small_layer();
    let name = config_name(config);
    let manifest = json!([{"Config": name, "RepoTags": ["hostile:1"], "Layers": ["layer.tar"]}]);
    [
        entry(&name, config),
        entry("layer.tar", &layer),
        entry("manifest.json", manifest.to_string().as_bytes()),
        end(),
    ]
    .concat()
}

/// A docker-save archive whose layer is named `x/layer.tar`, reached through `links` (name,
/// type, target).
pub fn docker_through_links(links: &[(&str, u8, &str)]) -> Vec<u8> {
    let (_, diff_id) = small_layer();
    let (name, config) = config(&[&diff_id], 0);
    let manifest = json!([{"Config": name, "RepoTags": ["hostile:1"], "Layers": ["x/layer.tar"]}]);
    let links: Vec<u8> = links.iter().flat_map(|(name, flag, target)| link(name, *flag, target)).collect();
    [entry(&name, &config), links, entry("manifest.json", manifest.to_string().as_bytes()), end()].concat()
}

/// A docker-save archive whose manifest.json lists `entries` entries naming one config of about
/// `pad` bytes (one image of `entries` names), then one entry naming another config (a second
/// image, so that push must be told which).
pub fn docker_naming_one_config(entries: usize, pad: usize) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    let (other_name, other) = config(&[&diff_id], 1);
    let (config_name, config) = config(&[&diff_id], pad);
    let mut list: Vec<_> = (0..entries)
        .map(|i| json!({"Config": config_name, "RepoTags": [format!("fan:{i}")], "Layers": ["layer.tar"]}))
        .collect();
    list.push(json!({"Config": other_name, "RepoTags": ["other:1"], "Layers": ["layer.tar"]}));
    let manifest = serde_json::to_vec(&list).expect("JSON");
    let configs = [entry(&config_name, &config), entry(&other_name, &other)].concat();
    [configs, entry("layer.tar", &layer), entry("manifest.json", &manifest), end()].concat()
}

/// A descriptor of `bytes`.
pub fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha256(bytes), "size": bytes.len()})
}

/// An OCI image manifest naming `config` and `layers` (uncompressed) by their own digests.
pub fn image_manifest(config: &[u8], layers: &[&[u8]]) -> Value {
    let layers: Vec<Value> =
        layers.iter().map(|l| descriptor("application/vnd.oci.image.layer.v1.tar", l)).collect();
    json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": layers,
    })
}

/// An OCI image index of `entries`.
pub fn image_index(entries: Vec<Value>) -> Value {
    json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries})
}

/// A descriptor of an image manifest, named `hostile:1`.
pub fn named_manifest(manifest: &[u8]) -> Value {
    let mut entry = descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
    entry["annotations"] = json!({"org.opencontainers.image.ref.name": "hostile:1"});
    entry
}

/// An OCI layout: `oci-layout`, each blob under `blobs/sha256/<hex of the digest given>` (its
/// own, unless a case lies), and `index.json`.
pub fn oci_archive(blobs: &[(&str, &[u8])], index_json: &[u8]) -> Vec<u8> {
    let mut tar = entry("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    for (digest, bytes) in blobs {
        tar.extend(entry(&format!("blobs/{}", digest.replace(':', "/")), bytes));
    }
    [tar, entry("index.json", index_json), end()].concat()
}

/// A one-layer OCI image: `manifest` writes its manifest (given as generated), then `index`
/// writes index.json (given with one entry, `hostile:1`, naming the manifest as written).
/// [`as_is`] writes either unchanged.
pub fn oci_image(manifest: impl FnOnce(Value) -> String, index: impl FnOnce(Value) -> String) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    let (_, config) = config(&[&diff_id], 0);
    let manifest = manifest(image_manifest(&config, &[&layer])).into_bytes();
    let index = index(image_index(vec![named_manifest(&manifest)])).into_bytes();
    let blobs = [(sha256(&layer), &layer[..]), (sha256(&config), &config), (sha256(&manifest), &manifest)];
    oci_archive(&blobs.iter().map(|(d, b)| (d.as_str(), *b)).collect::<Vec<_>>(), &index)
}

/// A JSON document written as it is.
pub fn as_is(document: Value) -> String {
    document.to_string()
}

/// An OCI layout whose index.json lists `outer` entries, each naming one index that lists
/// `inner` entries, each naming one image manifest (with a config of about `pad` bytes).
pub fn oci_fan_out(outer: usize, inner: usize, pad: usize) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    let (_, config) = config(&[&diff_id], pad);
    let manifest = serde_json::to_vec(&image_manifest(&config, &[&layer])).expect("JSON");
    let manifest_entry = descriptor("application/vnd.oci.image.manifest.v1+json", &manifest);
    let child = serde_json::to_vec(&image_index(vec![manifest_entry; inner])).expect("JSON");
    let child_entry = descriptor("application/vnd.oci.image.index.v1+json", &child);
    let top = image_index(
        (0..outer)
            .map(|i| {
                let mut entry = child_entry.clone();
                entry["annotations"] = json!({"org.opencontainers.image.ref.name": format!("fan:{i}")});
                entry
            })
            .collect(),
    );
    let blobs = [&layer[..], &config, &manifest, &child].map(|b| (sha256(b), b));
    let top = serde_json::to_vec(&top).expect("JSON");
    oci_archive(&blobs.iter().map(|(d, b)| (d.as_str(), *b)).collect::<Vec<_>>(), &top)
}

/// How a parent names a document it does not match.
#[derive(Clone, Copy, Debug)]
pub enum Lie {
    /// By the digest of other bytes (and the file under that name holds the document).
    Digest,
    /// By its digest, with this size.
    Size(u64),
}

/// An OCI layout whose image manifest sits under `depth` indexes, each naming the next (level 0
/// is what index.json names; level `depth` is the image manifest). With `lie`, the document at
/// that level is named by its parent as [`Lie`] says.
pub fn oci_nested(depth: usize, lie: Option<(usize, Lie)>) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    let (_, config) = config(&[&diff_id], 0);
    let mut document = serde_json::to_vec(&image_manifest(&config, &[&layer])).expect("JSON");
    let mut media_type = "application/vnd.oci.image.manifest.v1+json";
    let mut blobs = vec![(sha256(&layer), layer), (sha256(&config), config)];
    for level in (0..=depth).rev() {
        let mut named = descriptor(media_type, &document);
        let mut digest = sha256(&document);
        match lie {
            Some((at, Lie::Digest)) if at == level => {
                digest = sha256(b"other bytes");
                named["digest"] = json!(digest);
            }
            Some((at, Lie::Size(size))) if at == level => named["size"] = json!(size),
            _ => {}
        }
        blobs.push((digest, document));
        if level == depth {
            named["platform"] = json!({"os": "linux", "architecture": "amd64"});
        }
        if level == 0 {
            named["annotations"] = json!({"org.opencontainers.image.ref.name": "hostile:1"});
        }
        document = serde_json::to_vec(&image_index(vec![named])).expect("JSON");
        media_type = "application/vnd.oci.image.index.v1+json";
    }
    oci_archive(&blobs.iter().map(|(d, b)| (d.as_str(), &b[..])).collect::<Vec<_>>(), &document)
}
