//! Reading archives: docker-save (skopeo-style, legacy Docker, Docker 25+ with an OCI layout),
//! OCI layouts with nested indexes, compressed archives, image selection, and what inspect
//! reports. Archives are built here with an independent tar writer. Runs natively and in
//! headless Chromium (scripts/lib/wasm-tests.sh).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod support;

use support::*;
use waybill_core::archive::report::ArchiveReport;
use waybill_core::archive::{Archive, ArchiveError, ImageFormat, OpenOptions, Presence};
use waybill_core::media::{self, Compression};

fn open(bytes: Vec<u8>) -> Result<Archive<Vec<u8>>, ArchiveError> {
    block_on(Archive::open(bytes, OpenOptions::default()))
}

fn two_images_three_tags() -> (Vec<u8>, Vec<Vec<u8>>) {
    let (a, b, c) = (layer_tar("a", 3000), layer_tar("b", 70_000), layer_tar("c", 10));
    let archive = docker_save(&[
        SavedImage::new(&["example.com/app:1", "example.com/app:latest"], vec![a.clone(), b.clone()]),
        SavedImage::new(&["busybox:1.36"], vec![a.clone(), c.clone()]),
    ]);
    (archive, vec![a, b, c])
}

#[test]
fn docker_save_images_tags_and_layers() {
    let (bytes, layers) = two_images_three_tags();
    let archive = open(bytes).unwrap();
    assert_eq!(archive.formats(), &[ImageFormat::DockerSave]);
    assert_eq!(archive.compression(), Compression::None);
    let images = archive.images();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].names, ["example.com/app:1", "example.com/app:latest"]);
    assert_eq!(images[1].names, ["busybox:1.36"]);
    let m = &images[0].manifests[0];
    assert_eq!(m.platform.to_string(), "linux/amd64");
    assert_eq!(m.layers.len(), 2);
    for (layer, tar) in m.layers.iter().zip(&layers) {
        let stored = layer.stored.as_ref().unwrap();
        assert_eq!(stored.size, tar.len() as u64);
        assert_eq!(stored.compression, Compression::None);
        assert_eq!(layer.diff_id.as_ref(), Some(&sha256(tar)));
        assert_eq!(layer.presence(), Presence::Present);
        assert!(!layer.foreign());
    }
    // The config descriptor is the config file's digest (the image ID).
    let config = config_json(&[sha256(&layers[0]), sha256(&layers[1])], "linux");
    assert_eq!(m.config.descriptor.digest, sha256(&config));
    assert_eq!(m.config.descriptor.media_type, media::DOCKER_CONFIG);
}

#[test]
fn selecting_an_image() {
    let (bytes, _) = two_images_three_tags();
    let archive = open(bytes).unwrap();
    assert_eq!(archive.select(Some("example.com/app:latest")).unwrap().names[0], "example.com/app:1");
    // The same reference spelt another way.
    assert_eq!(archive.select(Some("docker.io/library/busybox:1.36")).unwrap().names, ["busybox:1.36"]);
    let by_config = archive.images()[1].manifests[0].config.descriptor.digest.to_string();
    assert_eq!(archive.select(Some(&by_config)).unwrap().names, ["busybox:1.36"]);
    match archive.select(None) {
        Err(e @ ArchiveError::AmbiguousImage { .. }) => {
            let text = e.to_string();
            assert!(text.contains("pick one") && text.contains("busybox:1.36"), "{text}");
            assert!(!text.contains("--"), "each shell words the choice: {text}");
            assert_eq!(e.remedy(), Some(waybill_core::remedy::Remedy::PickImage));
        }
        other => panic!("expected ambiguity, got {other:?}"),
    }
    match archive.select(Some("busybox:2")) {
        Err(e @ ArchiveError::ImageNotFound { .. }) => assert!(e.to_string().contains("example.com/app:1")),
        other => panic!("expected not found, got {other:?}"),
    }
}

#[test]
fn legacy_docker_layout_with_links_and_repositories() {
    // Docker before 25 (and `docker save` of pulled images): `<id>/layer.tar` real files, or
    // links to a layer saved under another ID; VERSION and json beside each.
    let layer = layer_tar("legacy", 5000);
    let config = config_json(&[sha256(&layer), sha256(&layer)], "linux");
    let config_name = format!("{}.json", sha256(&config).hex());
    let bytes = Tar::new()
        .dir("aaaa/")
        .file("aaaa/VERSION", b"1.0")
        .file("aaaa/json", b"{}")
        .file("aaaa/layer.tar", &layer)
        .dir("bbbb/")
        .file("bbbb/VERSION", b"1.0")
        .file("bbbb/json", b"{}")
        .symlink("bbbb/layer.tar", "../aaaa/layer.tar")
        .file(&config_name, &config)
        .file("repositories", br#"{"example.com/legacy":{"v1":"bbbb"},"example.com/other":{"x":"aaaa"}}"#)
        .file(
            "manifest.json",
            format!(r#"[{{"Config":"{config_name}","RepoTags":["example.com/legacy:v1"],"Layers":["aaaa/layer.tar","bbbb/layer.tar"]}}]"#)
                .as_bytes(),
        )
        .finish();
    let archive = open(bytes).unwrap();
    let m = &archive.images()[0].manifests[0];
    // The link resolves to the file it names.
    assert_eq!(m.layers[1].stored.as_ref().unwrap().path, "aaaa/layer.tar");
    assert_eq!(m.layers[1].stored.as_ref().unwrap().size, layer.len() as u64);
    // `repositories` names a tag manifest.json does not: a warning, not an error.
    assert_eq!(archive.warnings().len(), 1, "{:?}", archive.warnings());
    assert!(archive.warnings()[0].contains("example.com/other:x"));
}

#[test]
fn foreign_layers_present_uncompressed_or_missing() {
    let base = layer_tar("windows-base", 20_000);
    let update = layer_tar("windows-update", 9000);
    let app = layer_tar("app", 1000);
    let base_blob = gzip(&base);
    let source = |blob: &[u8]| {
        format!(
            r#"{{"mediaType":"{}","size":{},"digest":"{}","urls":["https://mcr.microsoft.com.invalid/{}"]}}"#,
            media::DOCKER_FOREIGN_LAYER,
            blob.len(),
            sha256(blob),
            sha256(blob).hex()
        )
    };
    // Layer 0: foreign, the file holds the compressed blob itself (as go-containerregistry
    // writes it). Layer 1: foreign, the file holds the uncompressed tar (as `docker save`
    // writes it). Layer 2: ordinary.
    let mut image = SavedImage::new(&["example.com/win:1"], vec![base.clone(), update.clone(), app.clone()]);
    image.sources = vec![(0, source(&base_blob)), (1, source(&gzip(&update)))];
    let mut bytes = docker_save(&[image]);
    // Swap layer 0's file content for its gzip'd blob: rebuild with the blob under the same name.
    let name0 = format!("{}.tar", sha256(&base).hex());
    bytes = replace_file(&bytes, &name0, &base_blob);
    let archive = open(bytes).unwrap();
    let layers = &archive.images()[0].manifests[0].layers;
    assert!(layers[0].foreign() && layers[1].foreign() && !layers[2].foreign());
    assert_eq!(layers[0].presence(), Presence::Present);
    assert_eq!(layers[0].stored.as_ref().unwrap().compression, Compression::Gzip);
    assert_eq!(layers[1].presence(), Presence::UncompressedOnly);
    assert_eq!(layers[2].presence(), Presence::Present);
    let declared = layers[1].declared.as_ref().unwrap();
    assert_eq!(declared.urls.len(), 1);
    assert_eq!(declared.media_type, media::DOCKER_FOREIGN_LAYER);

    let report = ArchiveReport::new(&archive);
    let rows = &report.images[0].manifests[0].layers;
    assert_eq!(report.images[0].foreign_count, 2);
    assert_eq!(report.images[0].foreign_absent, 1);
    assert_eq!(rows[1].presence, Presence::UncompressedOnly);
    assert_eq!(rows[2].media_type, media::DOCKER_LAYER_TAR);
    assert_eq!(rows[2].digest.as_ref(), Some(&sha256(&app)));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["images"][0]["manifests"][0]["layers"][1]["presence"], "uncompressed-only");
    assert_eq!(json["images"][0]["manifests"][0]["layers"][0]["foreign"], true);
}

#[test]
fn a_missing_foreign_layer_file_is_reported_a_missing_ordinary_one_refused() {
    let (base, app) = (layer_tar("base", 4000), layer_tar("app", 100));
    let mut image = SavedImage::new(&["x/y:1"], vec![base.clone(), app.clone()]);
    image.sources = vec![(
        0,
        format!(
            r#"{{"mediaType":"{}","size":123,"digest":"{}","urls":["https://example.com/b"]}}"#,
            media::DOCKER_FOREIGN_LAYER,
            sha256(b"blob")
        ),
    )];
    image.omit = vec![0];
    let archive = open(docker_save(&[image])).unwrap();
    assert_eq!(archive.images()[0].manifests[0].layers[0].presence(), Presence::Missing);

    let mut broken = SavedImage::new(&["x/y:1"], vec![base, app]);
    broken.omit = vec![1];
    match open(docker_save(&[broken])) {
        Err(e @ ArchiveError::MissingEntry { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("is not in the archive") && text.contains("manifest.json entry 1"),
                "{text}"
            );
        }
        other => panic!("expected a missing entry, got {other:?}"),
    }
}

/// Rewrites one file's content (size included) in a tar made by [`Tar`].
fn replace_file(tar: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut out = Tar::new();
    let mut offset = 0;
    while offset + 512 <= tar.len() {
        let block: [u8; 512] = tar[offset..offset + 512].try_into().unwrap();
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let entry_name = String::from_utf8_lossy(&block[..100]).trim_end_matches('\0').to_owned();
        let size = usize::from_str_radix(String::from_utf8_lossy(&block[124..135]).trim_end_matches('\0'), 8)
            .unwrap();
        let data = &tar[offset + 512..offset + 512 + size];
        if block[156] == b'0' {
            out.file(&entry_name, if entry_name == name { content } else { data });
        } else {
            out.raw_header(block);
        }
        offset += 512 + size.div_ceil(512) * 512;
    }
    out.finish()
}

/// An OCI layout: a multi-platform index (nested) named by ref.name, and a single image.
fn oci_layout(corrupt_index_digest: bool) -> Vec<u8> {
    let mut tar = Tar::new();
    tar.file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    let blob = |tar: &mut Tar, data: &[u8]| {
        tar.file(&format!("blobs/sha256/{}", sha256(data).hex()), data);
        sha256(data)
    };
    let manifest_for = |tar: &mut Tar, arch: &str, layer: &[u8]| {
        let gz = gzip(layer);
        let l = blob(tar, &gz);
        let config = String::from_utf8(config_json(&[sha256(layer)], "linux")).unwrap();
        let config = config.replace("amd64", arch).into_bytes();
        let c = blob(tar, &config);
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{c}","size":{}}},"layers":[{{"mediaType":"{}","digest":"{l}","size":{}}}]}}"#,
            media::OCI_MANIFEST,
            media::OCI_CONFIG,
            config.len(),
            media::OCI_LAYER_GZIP,
            gz.len()
        );
        let m = blob(tar, manifest.as_bytes());
        (m, manifest.len())
    };
    let (amd, amd_len) = manifest_for(&mut tar, "amd64", &layer_tar("amd", 2000));
    let (arm, arm_len) = manifest_for(&mut tar, "arm64", &layer_tar("arm", 2100));
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{0}","manifests":[{{"mediaType":"{1}","digest":"{amd}","size":{amd_len},"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"{1}","digest":"{arm}","size":{arm_len},"platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}}]}}"#,
        media::OCI_INDEX,
        media::OCI_MANIFEST
    );
    let nested = blob(&mut tar, index.as_bytes());
    let (single, single_len) = manifest_for(&mut tar, "amd64", &layer_tar("single", 500));
    let single_named = if corrupt_index_digest { sha256(b"something else") } else { single.clone() };
    let top = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{}","digest":"{nested}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"example.com/multi:v1"}}}},{{"mediaType":"{}","digest":"{single_named}","size":{single_len},"annotations":{{"io.containerd.image.name":"docker.io/library/single:1","org.opencontainers.image.ref.name":"1"}}}}]}}"#,
        media::OCI_INDEX,
        index.len(),
        media::OCI_MANIFEST
    );
    tar.file("index.json", top.as_bytes());
    tar.finish()
}

#[test]
fn oci_layout_with_a_nested_index() {
    let archive = open(oci_layout(false)).unwrap();
    assert_eq!(archive.formats(), &[ImageFormat::OciLayout]);
    let images = archive.images();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].names, ["example.com/multi:v1"]);
    assert_eq!(images[0].top.as_ref().unwrap().media_type(), media::OCI_INDEX);
    let platforms: Vec<String> = images[0].manifests.iter().map(|m| m.platform.to_string()).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64/v8"]);
    assert_eq!(images[1].names, ["docker.io/library/single:1", "1"]);
    assert!(images[0].manifests.iter().all(|m| m.layers[0].presence() == Presence::Present));
    assert_eq!(images[0].manifests[0].layers[0].stored.as_ref().unwrap().compression, Compression::Gzip);
    assert_eq!(archive.select(Some("single:1")).unwrap().names[1], "1");
}

#[test]
fn oci_layout_errors() {
    // The index names a digest with no blob.
    let bytes = oci_layout(true);
    match open(bytes) {
        Err(e @ ArchiveError::MissingEntry { .. }) => {
            let text = e.to_string();
            assert!(text.contains("blobs/sha256/") && text.contains("index.json"), "{text}");
        }
        other => panic!("expected a missing blob, got {other:?}"),
    }
    // A layout of another version.
    let bytes = Tar::new()
        .file("oci-layout", br#"{"imageLayoutVersion":"2.0.0"}"#)
        .file("index.json", br#"{"schemaVersion":2,"manifests":[]}"#)
        .finish();
    assert!(matches!(open(bytes), Err(ArchiveError::LayoutVersion { version }) if version == "2.0.0"));
    // index.json without oci-layout.
    let bytes = Tar::new().file("index.json", br#"{"schemaVersion":2,"manifests":[]}"#).finish();
    assert!(matches!(open(bytes), Err(ArchiveError::MissingEntry { path, .. }) if path == "oci-layout"));
}

#[test]
fn docker_25_archives_list_each_image_once_with_all_names() {
    // Docker 25+ writes manifest.json and an OCI layout over the same blobs.
    let layer = layer_tar("d25", 3000);
    let config = config_json(&[sha256(&layer)], "linux");
    let (l, c) = (sha256(&layer), sha256(&config));
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{c}","size":{}}},"layers":[{{"mediaType":"{}","digest":"{l}","size":{}}}]}}"#,
        media::OCI_MANIFEST,
        media::OCI_CONFIG,
        config.len(),
        media::OCI_LAYER_TAR,
        layer.len()
    );
    let m = sha256(manifest.as_bytes());
    let bytes = Tar::new()
        .dir("blobs/")
        .dir("blobs/sha256/")
        .file(&format!("blobs/sha256/{}", l.hex()), &layer)
        .file(&format!("blobs/sha256/{}", c.hex()), &config)
        .file(&format!("blobs/sha256/{}", m.hex()), manifest.as_bytes())
        .file(
            "index.json",
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[{{"mediaType":"{}","digest":"{m}","size":{},"annotations":{{"io.containerd.image.name":"docker.io/library/d25:latest","org.opencontainers.image.ref.name":"latest"}}}}]}}"#,
                media::OCI_INDEX,
                media::OCI_MANIFEST,
                manifest.len()
            )
            .as_bytes(),
        )
        .file(
            "manifest.json",
            format!(
                r#"[{{"Config":"blobs/sha256/{}","RepoTags":["d25:latest","d25:extra"],"Layers":["blobs/sha256/{}"]}}]"#,
                c.hex(),
                l.hex()
            )
            .as_bytes(),
        )
        .file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)
        .finish();
    let archive = open(bytes).unwrap();
    assert_eq!(archive.formats(), &[ImageFormat::OciLayout, ImageFormat::DockerSave]);
    assert_eq!(archive.images().len(), 1);
    let image = &archive.images()[0];
    assert_eq!(image.format, ImageFormat::OciLayout);
    assert_eq!(image.names, ["docker.io/library/d25:latest", "latest", "d25:latest", "d25:extra"]);
    assert_eq!(archive.select(Some("d25:extra")).unwrap().top.as_ref().unwrap().digest(), &m);
}

#[test]
fn compressed_archives_are_read_in_one_pass() {
    let (bytes, _) = two_images_three_tags();
    for (compressed, compression) in [(gzip(&bytes), Compression::Gzip), (zstd(&bytes), Compression::Zstd)] {
        let source = CountingSource::new(compressed.clone());
        let archive = block_on(Archive::open(&source, OpenOptions::default())).unwrap();
        assert_eq!(archive.compression(), compression);
        assert_eq!(archive.images().len(), 2);
        assert_eq!(archive.file_len(), compressed.len() as u64);
        // The index pass hashed every body: verification reads nothing more.
        let images: Vec<_> = archive.images().iter().collect();
        let served = source.served.get();
        let checks = block_on(waybill_core::archive::verify::verify(&archive, &images, &|_, _| {})).unwrap();
        assert!(
            checks.iter().all(|c| c.ok()),
            "{:?}",
            checks.iter().flat_map(|c| c.failures()).collect::<Vec<_>>()
        );
        assert_eq!(source.served.get(), served, "verify re-read a compressed archive");
        assert_eq!(block_on(archive.passes()), 1);
        // Each compressed byte was read once, after the 4 bytes that told the compression.
        assert_eq!(served, compressed.len() as u64 + 4);
    }
}

#[test]
fn inspect_report_of_an_oci_layout() {
    let archive = open(oci_layout(false)).unwrap();
    let report = ArchiveReport::new(&archive);
    assert_eq!(report.images.len(), 2);
    assert_eq!(report.images[0].manifests.len(), 2);
    let layer = &report.images[0].manifests[1].layers[0];
    assert_eq!(layer.media_type, media::OCI_LAYER_GZIP);
    assert_eq!(layer.compression, Compression::Gzip);
    assert_eq!(layer.presence, Presence::Present);
    assert!(layer.digest.is_some() && layer.diff_id.is_some());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["formats"][0], "oci-layout");
    assert_eq!(json["images"][0]["manifests"][1]["platform"], "linux/arm64/v8");
}
