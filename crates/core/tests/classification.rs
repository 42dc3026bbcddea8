//! Layer classification, the foreign-layer policy and the inspect report, on the fixtures.
//! Runs natively and in Chromium (wasm32).

mod support;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use support::manifests::{ARTIFACT, OCI_NONDIST, PORTAINER, SIGNALS, document, image};
use waybill_core::digest::Digest;
use waybill_core::manifest::Descriptor;
use waybill_core::manifest_report::InspectReport;
use waybill_core::media::{self, Compression, Family, LayerKind, Role, classify, lookup};
use waybill_core::policy::{self, BlobRole, pulp_verdict};
use waybill_core::remedy::Remedy;
use waybill_core::size::human;

const FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
const GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const PORTAINER_FOREIGN_1: &str = "sha256:e863a0d98de7f3a110a6a27c3e3af268411925bf1be443d3a48053f942e61327";
const PORTAINER_FOREIGN_2: &str = "sha256:3154cc7e1fd97ba3f0b7dcca7d5aaf7c1b670881555af390d60b5c7c3e358071";
/// The sizes written in the fixture, in layer order.
const PORTAINER_SIZES: [u64; 7] = [252691002, 121971948, 1228, 1188, 5637573, 1192, 1170];

fn kind(non_distributable: bool, has_urls: bool, compression: Compression, empty: bool) -> LayerKind {
    LayerKind { non_distributable, has_urls, compression, empty, known_media_type: true }
}

fn descriptor(media_type: &str, digest: &str, size: u64) -> Descriptor {
    Descriptor::new(media_type, digest.parse().unwrap(), size)
}

#[test]
fn portainer_manifest_is_docker_schema2_with_its_exact_digest() {
    let doc = document(PORTAINER);
    assert_eq!(doc.media_type(), "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(doc.bytes(), PORTAINER);
    // `sha256sum tests/fixtures/manifests/portainer-windows-amd64-1.13.0.json`
    assert_eq!(
        doc.digest().to_string(),
        "sha256:85e23a38d40eedd2363f997a5c1bc043beb68ca5c59431abe72f2272273ecdfe"
    );
}

#[test]
fn portainer_layers_are_classified_exactly() {
    let manifest = image(PORTAINER);
    let kinds: Vec<LayerKind> = manifest.layers.iter().map(classify).collect();
    let foreign = kind(true, true, Compression::Gzip, false);
    let regular = kind(false, false, Compression::Gzip, false);
    assert_eq!(kinds, vec![foreign, foreign, regular, regular, regular, regular, regular]);
    assert_eq!(manifest.layers[0].digest.to_string(), PORTAINER_FOREIGN_1);
    assert_eq!(manifest.layers[1].digest.to_string(), PORTAINER_FOREIGN_2);
    assert_eq!(manifest.layers[0].urls, ["https://go.microsoft.com/fwlink/?linkid=837858"]);
    assert_eq!(manifest.layers[1].urls, ["https://go.microsoft.com/fwlink/?linkid=849133"]);
    let sizes: Vec<u64> = manifest.layers.iter().map(|l| l.size).collect();
    assert_eq!(sizes, PORTAINER_SIZES);
}

#[test]
fn portainer_report_totals() {
    let report = InspectReport::from_document(&document(PORTAINER));
    let total: u64 = 252691002 + 121971948 + 1228 + 1188 + 5637573 + 1192 + 1170;
    let foreign: u64 = 252691002 + 121971948;
    assert_eq!(report.layer_count, 7);
    assert_eq!(report.layers.len(), 7);
    assert_eq!(report.total_size, total);
    assert_eq!(report.total_size, 380_305_301);
    assert_eq!(report.foreign_count, 2);
    assert_eq!(report.foreign_size, foreign);
    assert_eq!(report.foreign_size, 374_662_950);
    assert_eq!(human(report.layers[0].size.unwrap()), "241.0 MiB");
    assert_eq!(human(report.foreign_size), "357.3 MiB");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(!report.legacy);
}

#[test]
fn portainer_is_rejected_by_default_naming_both_foreign_layers() {
    let rejections = policy::plan(&image(PORTAINER), false).unwrap_err();
    assert_eq!(rejections.len(), 2);
    let digests: Vec<String> = rejections.iter().map(|r| r.digest.to_string()).collect();
    assert_eq!(digests, [PORTAINER_FOREIGN_1, PORTAINER_FOREIGN_2]);
    assert_eq!(rejections[0].size, 252691002);
    assert_eq!(rejections[1].size, 121971948);
    for (rejection, linkid) in rejections.iter().zip(["837858", "849133"]) {
        assert_eq!(rejection.media_type, FOREIGN);
        assert_eq!(rejection.urls, [format!("https://go.microsoft.com/fwlink/?linkid={linkid}")]);
        assert_eq!(rejection.remedy, Remedy::AllowForeignLayers);
        assert!(rejection.reason.contains("foreign (non-distributable) layer by its media type"));
    }
    assert!(rejections[0].reason.contains("layer 1 of 7"), "{}", rejections[0].reason);
    assert!(rejections[1].reason.contains("layer 2 of 7"), "{}", rejections[1].reason);
    let shown = rejections[0].to_string();
    assert!(shown.contains(PORTAINER_FOREIGN_1) && shown.contains("252691002 bytes"), "{shown}");
    assert!(shown.contains("linkid=837858"), "{shown}");
    // Each shell words the remedy: the core's text names no flag and no button.
    assert!(!shown.contains("--") && !shown.contains("tick"), "{shown}");
}

#[test]
fn portainer_is_planned_whole_when_foreign_layers_are_allowed() {
    let manifest = image(PORTAINER);
    let plan = policy::plan(&manifest, true).unwrap();
    assert_eq!(plan.blobs.len(), 8);
    assert_eq!(plan.blobs[0].role, BlobRole::Config);
    assert_eq!(plan.blobs[0].descriptor, manifest.config);
    assert_eq!(plan.blobs[0].kind, None);
    for (planned, layer) in plan.blobs[1..].iter().zip(&manifest.layers) {
        assert_eq!(planned.role, BlobRole::Layer);
        assert_eq!(&planned.descriptor, layer);
        assert_eq!(planned.kind, Some(classify(layer)));
    }
    let sizes: Vec<u64> = plan.blobs[1..].iter().map(|b| b.descriptor.size).collect();
    assert_eq!(sizes, PORTAINER_SIZES);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn report_json_keeps_the_fixed_field_names() {
    let report = InspectReport::from_document(&document(PORTAINER));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["media_type"], "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(json["digest"], "sha256:85e23a38d40eedd2363f997a5c1bc043beb68ca5c59431abe72f2272273ecdfe");
    assert_eq!(json["foreign_count"], 2);
    assert_eq!(json["total_size"], 380_305_301u64);
    let first = &json["layers"][0];
    assert_eq!(first["digest"], PORTAINER_FOREIGN_1);
    assert_eq!(first["size"], 252691002u64);
    assert_eq!(first["media_type"], FOREIGN);
    assert_eq!(first["foreign"], true);
    assert_eq!(first["urls"][0], "https://go.microsoft.com/fwlink/?linkid=837858");
    assert_eq!(first["compression"], "gzip");
    let last = &json["layers"][6];
    assert_eq!(last["foreign"], false);
    assert_eq!(last["urls"], serde_json::json!([]));
    // And the report reads back, as the app does with the Worker's /api/inspect.
    let back: InspectReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn pulp_verdicts_follow_the_policy() {
    let report = InspectReport::from_document(&document(PORTAINER));
    assert!(report.layers[0].pulp.push.starts_with("not uploaded"), "{}", report.layers[0].pulp.push);
    assert!(report.layers[0].pulp.sync.contains("include_foreign_layers"));
    assert!(report.layers[2].pulp.sync.starts_with("synced"));
    let allowed = report.allowing_foreign_layers(true);
    assert!(allowed.allow_foreign_layers);
    assert_eq!(
        allowed.layers[0].pulp.push,
        "uploaded to the repository; Pulp accepts the manifest and keeps the urls"
    );

    let foreign_without_urls = kind(true, false, Compression::Gzip, false);
    let verdict = pulp_verdict(&foreign_without_urls, true);
    assert!(verdict.push.contains("400 MANIFEST_INVALID"), "{}", verdict.push);
    assert!(verdict.push.contains("The URL of a foreign layer must be specified"));
    let verdict = pulp_verdict(&foreign_without_urls, false);
    assert!(verdict.push.contains("unless foreign layers are allowed"), "{}", verdict.push);
    assert!(!verdict.push.contains("--"), "no CLI flag in a verdict every shell shows: {}", verdict.push);
}

#[test]
fn the_two_signals_are_reported_apart() {
    let manifest = image(SIGNALS);
    let kinds: Vec<LayerKind> = manifest.layers.iter().map(classify).collect();
    assert_eq!(
        kinds,
        vec![
            kind(true, false, Compression::Gzip, false),
            kind(false, true, Compression::Gzip, false),
            kind(false, false, Compression::Gzip, true),
        ]
    );
    let report = InspectReport::from_document(&document(SIGNALS));
    assert_eq!((report.layers[0].foreign, report.layers[0].has_urls), (true, false));
    assert_eq!((report.layers[1].foreign, report.layers[1].has_urls), (false, true));
    assert_eq!(report.foreign_count, 1);
    assert_eq!(report.foreign_size, 1048576);
    assert!(report.layers[2].empty);
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
}

#[test]
fn a_foreign_layer_without_urls_is_rejected_then_warned_about() {
    let manifest = image(SIGNALS);
    let rejections = policy::plan(&manifest, false).unwrap_err();
    assert_eq!(rejections.len(), 1);
    assert_eq!(rejections[0].digest, manifest.layers[0].digest);
    assert!(rejections[0].urls.is_empty());
    assert!(rejections[0].reason.contains("no urls"), "{}", rejections[0].reason);

    let plan = policy::plan(&manifest, true).unwrap();
    assert_eq!(plan.blobs.len(), 4);
    assert_eq!(plan.warnings.len(), 2, "{:?}", plan.warnings);
    assert!(plan.warnings[0].contains("layer 1 of 3"), "{}", plan.warnings[0]);
    assert!(plan.warnings[0].contains("\"The URL of a foreign layer must be specified\""));
    assert!(plan.warnings[1].contains("layer 2 of 3"), "{}", plan.warnings[1]);
    assert!(plan.warnings[1].contains("https://example.com/blobs/layer.tar.gz"));
    assert!(plan.warnings[1].contains("validation.manifests.urls.allow"));
}

#[test]
fn a_distributable_layer_with_urls_is_not_rejected() {
    let mut manifest = image(SIGNALS);
    manifest.layers.remove(0);
    let plan = policy::plan(&manifest, false).unwrap();
    assert_eq!(plan.blobs.len(), 3);
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
}

#[test]
fn repeated_layers_are_planned_once() {
    let mut manifest = image(SIGNALS);
    let empty = manifest.layers[2].clone();
    manifest.layers.push(empty.clone());
    manifest.layers.insert(1, empty.clone());
    let plan = policy::plan(&manifest, true).unwrap();
    let digests: Vec<&Digest> = plan.blobs.iter().map(|b| &b.descriptor.digest).collect();
    assert_eq!(
        digests,
        [&manifest.config.digest, &manifest.layers[0].digest, &empty.digest, &manifest.layers[2].digest,]
    );
}

#[test]
fn several_manifests_are_planned_as_one_union_or_refused_together() {
    let portainer = image(PORTAINER);
    let mut sibling = image(PORTAINER);
    // A second platform sharing the foreign base layers and one more layer of its own.
    let own = descriptor(
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        &format!("sha256:{}", "ab".repeat(32)),
        7,
    );
    sibling.layers.push(own.clone());

    let rejections = policy::plan_all([&portainer, &sibling], false).unwrap_err();
    let digests: Vec<String> = rejections.iter().map(|r| r.digest.to_string()).collect();
    assert_eq!(digests, [PORTAINER_FOREIGN_1, PORTAINER_FOREIGN_2], "each refused layer once");
    let text = policy::refusal_text(&rejections);
    assert!(text.starts_with("the foreign-layer policy refuses 2 layers; nothing was uploaded:"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");

    let plan = policy::plan_all([&portainer, &sibling], true).unwrap();
    let mut expected: Vec<&Digest> = vec![&portainer.config.digest];
    expected.extend(portainer.layers.iter().map(|l| &l.digest));
    expected.push(&own.digest);
    let planned: Vec<&Digest> = plan.blobs.iter().map(|b| &b.descriptor.digest).collect();
    assert_eq!(planned, expected, "the union, in order, each digest once");
}

#[test]
fn oci_nondistributable_zstd_is_foreign_by_media_type() {
    let manifest = image(OCI_NONDIST);
    let kinds: Vec<LayerKind> = manifest.layers.iter().map(classify).collect();
    assert_eq!(
        kinds,
        vec![
            kind(true, true, Compression::Zstd, false),
            kind(false, false, Compression::Zstd, false),
            kind(false, false, Compression::None, false),
        ]
    );
    let rejections = policy::plan(&manifest, false).unwrap_err();
    assert_eq!(rejections.len(), 1);
    assert_eq!(rejections[0].media_type, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");
    assert_eq!(rejections[0].size, 98304512);
    let report = InspectReport::from_document(&document(OCI_NONDIST));
    assert_eq!(serde_json::to_value(&report).unwrap()["layers"][0]["compression"], "zstd");
    assert_eq!(serde_json::to_value(&report).unwrap()["layers"][2]["compression"], "none");
}

#[test]
fn artifact_manifest_is_classified_and_planned() {
    let manifest = image(ARTIFACT);
    assert_eq!(manifest.artifact_type.as_deref(), Some("application/spdx+json"));
    assert_eq!(manifest.config.media_type, media::OCI_EMPTY);
    assert_eq!(manifest.config.data.as_deref(), Some("e30="));
    assert!(classify(&manifest.config).empty);
    let sbom = classify(&manifest.layers[0]);
    assert_eq!(sbom, kind(false, false, Compression::None, false));
    let info = lookup(&manifest.layers[0].media_type).unwrap();
    assert_eq!((info.role, info.family), (Role::Artifact, Family::Artifact));
    let plan = policy::plan(&manifest, false).unwrap();
    assert_eq!(plan.blobs.len(), 2);

    let report = InspectReport::from_document(&document(ARTIFACT));
    assert_eq!(report.artifact_type.as_deref(), Some("application/spdx+json"));
    assert_eq!(
        report.subject.unwrap().to_string(),
        "sha256:81d2ba4863aa48e32506510919ce08e89a83297fe4b60278bb4bb0bebe7f2528"
    );
    assert_eq!(report.config.unwrap().media_type, media::OCI_EMPTY);
}

#[test]
fn the_media_type_table_covers_docker_oci_and_artifacts() {
    let cases: &[(&str, Role, Option<Compression>, bool, Family)] = &[
        (media::DOCKER_MANIFEST_V2, Role::Manifest, None, false, Family::Docker),
        (media::DOCKER_MANIFEST_LIST, Role::Index, None, false, Family::Docker),
        (media::DOCKER_MANIFEST_V1, Role::Schema1, None, false, Family::Docker),
        (media::DOCKER_MANIFEST_V1_SIGNED, Role::Schema1, None, false, Family::Docker),
        (media::DOCKER_CONFIG, Role::Config, None, false, Family::Docker),
        (media::DOCKER_PLUGIN_CONFIG, Role::Config, None, false, Family::Docker),
        (GZIP, Role::Layer, Some(Compression::Gzip), false, Family::Docker),
        (media::DOCKER_LAYER_TAR, Role::Layer, Some(Compression::None), false, Family::Docker),
        (FOREIGN, Role::Layer, Some(Compression::Gzip), true, Family::Docker),
        (media::OCI_MANIFEST, Role::Manifest, None, false, Family::Oci),
        (media::OCI_INDEX, Role::Index, None, false, Family::Oci),
        (media::OCI_CONFIG, Role::Config, None, false, Family::Oci),
        (media::OCI_LAYER_TAR, Role::Layer, Some(Compression::None), false, Family::Oci),
        (media::OCI_LAYER_GZIP, Role::Layer, Some(Compression::Gzip), false, Family::Oci),
        (media::OCI_LAYER_ZSTD, Role::Layer, Some(Compression::Zstd), false, Family::Oci),
        (media::OCI_NONDIST_TAR, Role::Layer, Some(Compression::None), true, Family::Oci),
        (media::OCI_NONDIST_GZIP, Role::Layer, Some(Compression::Gzip), true, Family::Oci),
        (media::OCI_NONDIST_ZSTD, Role::Layer, Some(Compression::Zstd), true, Family::Oci),
        (media::OCI_EMPTY, Role::Config, None, false, Family::Oci),
        ("application/vnd.cncf.helm.config.v1+json", Role::Config, None, false, Family::Artifact),
        (
            "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            Role::Artifact,
            Some(Compression::Gzip),
            false,
            Family::Artifact,
        ),
        (
            "application/vnd.wasm.content.layer.v1+wasm",
            Role::Artifact,
            Some(Compression::None),
            false,
            Family::Artifact,
        ),
        ("application/vnd.wasm.config.v0+json", Role::Config, None, false, Family::Artifact),
        ("application/vnd.in-toto+json", Role::Artifact, Some(Compression::None), false, Family::Artifact),
        (
            "application/vnd.dev.sigstore.bundle.v0.3+json",
            Role::Artifact,
            Some(Compression::None),
            false,
            Family::Artifact,
        ),
    ];
    for &(name, role, compression, non_distributable, family) in cases {
        let info = lookup(name).unwrap_or_else(|| panic!("{name} is not in the table"));
        assert_eq!(info.name, name);
        assert_eq!(
            (info.role, info.compression, info.non_distributable, info.family),
            (role, compression, non_distributable, family),
            "{name}"
        );
    }
    // Every row names a distinct media type.
    for (i, a) in media::TABLE.iter().enumerate() {
        assert!(media::TABLE[i + 1..].iter().all(|b| !a.name.eq_ignore_ascii_case(b.name)), "{}", a.name);
    }
}

#[test]
fn the_string_constants_are_the_registered_media_types() {
    assert_eq!(media::DOCKER_MANIFEST_V2, "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(media::DOCKER_MANIFEST_LIST, "application/vnd.docker.distribution.manifest.list.v2+json");
    assert_eq!(media::DOCKER_MANIFEST_V1, "application/vnd.docker.distribution.manifest.v1+json");
    assert_eq!(media::DOCKER_MANIFEST_V1_SIGNED, "application/vnd.docker.distribution.manifest.v1+prettyjws");
    assert_eq!(media::DOCKER_CONFIG, "application/vnd.docker.container.image.v1+json");
    assert_eq!(media::DOCKER_LAYER_GZIP, GZIP);
    assert_eq!(media::DOCKER_LAYER_TAR, "application/vnd.docker.image.rootfs.diff.tar");
    assert_eq!(media::DOCKER_FOREIGN_LAYER, FOREIGN);
    assert_eq!(media::OCI_MANIFEST, "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(media::OCI_INDEX, "application/vnd.oci.image.index.v1+json");
    assert_eq!(media::OCI_CONFIG, "application/vnd.oci.image.config.v1+json");
    assert_eq!(media::OCI_LAYER_TAR, "application/vnd.oci.image.layer.v1.tar");
    assert_eq!(media::OCI_LAYER_GZIP, "application/vnd.oci.image.layer.v1.tar+gzip");
    assert_eq!(media::OCI_LAYER_ZSTD, "application/vnd.oci.image.layer.v1.tar+zstd");
    assert_eq!(media::OCI_NONDIST_TAR, "application/vnd.oci.image.layer.nondistributable.v1.tar");
    assert_eq!(media::OCI_NONDIST_GZIP, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
    assert_eq!(media::OCI_NONDIST_ZSTD, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");
    assert_eq!(media::OCI_EMPTY, "application/vnd.oci.empty.v1+json");
    assert_eq!(
        media::MANIFEST_ACCEPT,
        [
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
        ]
    );
}

#[test]
fn lookup_ignores_parameters_and_case() {
    let info = lookup("Application/VND.OCI.image.manifest.v1+json; charset=utf-8").unwrap();
    assert_eq!(info.name, media::OCI_MANIFEST);
    assert!(lookup("application/json").is_none());
    assert!(lookup("").is_none());
}

#[test]
fn unknown_layer_types_are_valid_and_compression_comes_from_the_suffix() {
    let digest = "sha256:2fa4ff826f16cae6ec6346ff7e3a87d26fb3e2ee1ba04cfc458d5e1c8b34f6ed";
    let cases = [
        ("application/vnd.example.layer.v1.tar+gzip", Compression::Gzip),
        ("application/vnd.example.layer.v1.tar+zstd", Compression::Zstd),
        ("application/vnd.example.rootfs.diff.tar.gzip", Compression::Gzip),
        ("application/vnd.example.layer.v1.tar", Compression::None),
        ("application/octet-stream", Compression::None),
        // Not foreign: only the table decides, whatever the name suggests.
        ("application/vnd.example.nondistributable.v1.tar+gzip", Compression::Gzip),
    ];
    for (media_type, compression) in cases {
        let expected = LayerKind { known_media_type: false, ..kind(false, false, compression, false) };
        assert_eq!(classify(&descriptor(media_type, digest, 10)), expected, "{media_type}");
    }
}

#[test]
fn the_empty_blob_digests_are_what_they_claim() {
    // The bytes of distribution's `gzippedEmptyTar`; `gzip.decompress` turns them into 1024 NULs.
    let gzipped_empty_tar: [u8; 32] = [
        31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88, 0, 8, 0, 0, 255, 255, 46,
        175, 181, 239, 0, 4, 0, 0,
    ];
    let blobs: [&[u8]; 3] = [&gzipped_empty_tar, &[0u8; 1024], b"{}"];
    assert_eq!(media::EMPTY_BLOBS.len(), 3);
    for ((digest, size), bytes) in media::EMPTY_BLOBS.iter().zip(blobs) {
        assert_eq!(Digest::sha256_of(bytes).to_string(), *digest);
        assert_eq!(bytes.len() as u64, *size);
    }
}

#[test]
fn an_empty_digest_with_another_size_is_not_an_empty_layer() {
    let empty_tar = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
    assert!(classify(&descriptor(media::OCI_LAYER_TAR, empty_tar, 1024)).empty);
    assert!(!classify(&descriptor(media::OCI_LAYER_TAR, empty_tar, 1025)).empty);
}

#[test]
fn compression_names() {
    assert_eq!(Compression::None.to_string(), "none");
    assert_eq!(Compression::Gzip.to_string(), "gzip");
    assert_eq!(Compression::Zstd.to_string(), "zstd");
}

#[test]
fn human_sizes_use_binary_units_with_one_decimal() {
    let cases: &[(u64, &str)] = &[
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1126, "1.1 KiB"),    // 1.0996
        (1075, "1.0 KiB"),    // 1.0498
        (1048575, "1.0 MiB"), // 1023.999 KiB rounds into the next unit
        (5637573, "5.4 MiB"),
        (121971948, "116.3 MiB"),
        (252691002, "241.0 MiB"),
        (1 << 30, "1.0 GiB"),
        (u64::MAX, "16.0 EiB"),
    ];
    for &(bytes, shown) in cases {
        assert_eq!(human(bytes), shown, "{bytes}");
    }
}
