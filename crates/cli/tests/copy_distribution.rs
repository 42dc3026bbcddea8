//! `waybill copy` against the real distribution registries: the default configuration refuses
//! foreign urls (a clear error, no manifest), the urls-allow one takes them (blobs mounted within
//! the registry), and index copies by platform, by several platforms (a new index of only them),
//! or whole — an index's attestation manifests going with the images they describe.

mod support;
use serde_json::Value;
use support::{Registries, head_status, sha256, skopeo_raw, unique, waybill};

const ORIGIN: &str = "fixtures/origin-story:windows-amd64-1.13.0";

#[test]
fn strict_registry_refuses_foreign_urls_with_a_clear_error() {
    let registries = Registries::from_env();
    let repository = unique("strict-origin");
    let destination = format!("{}/{repository}:1", registries.strict());
    waybill(&["copy", &registries.source(ORIGIN), &destination], &[]).expect(3);
    let run =
        waybill(&["copy", "--allow-foreign-layers", &registries.source(ORIGIN), &destination], &[]).expect(1);
    assert!(run.stderr.contains("validation.manifests.urls.allow"), "{}", run.stderr);
    for digest in support::foreign_layers(registries.fixture(ORIGIN)) {
        assert!(run.stderr.contains(&digest), "names {digest}: {}", run.stderr);
    }
    assert_eq!(head_status(&format!("{}/v2/{repository}/manifests/1", registries.strict_url), None), "404");
}

#[test]
fn urls_allow_registry_takes_the_image_and_mounts_its_blobs() {
    let registries = Registries::from_env();
    let fixture = registries.fixture(ORIGIN);
    let repository = unique("allow-origin");
    let destination = format!("{}/{repository}:1", registries.foreign());
    let run =
        waybill(&["copy", "--allow-foreign-layers", &registries.source(ORIGIN), &destination], &[]).expect(0);
    // Same registry, another repository: every blob is mounted, none re-uploaded.
    assert!(run.stdout.contains("8 blobs: 0 uploaded (0 B), 0 already present, 8 mounted"), "{}", run.stdout);
    let raw = skopeo_raw(&destination, None);
    assert_eq!(sha256(&raw), fixture["manifest"]["digest"].as_str().expect("digest"));
    let report: Value =
        serde_json::from_str(&waybill(&["verify", "--json", &destination], &[]).expect(0).stdout)
            .expect("JSON");
    assert_eq!(report["ok"], true);
    // A second copy finds everything in place.
    let again =
        waybill(&["copy", "--allow-foreign-layers", &registries.source(ORIGIN), &destination], &[]).expect(0);
    assert!(again.stdout.contains("8 already present"), "{}", again.stdout);
    assert!(again.stdout.contains("already had this manifest"), "{}", again.stdout);
}

#[test]
fn oci_nondistributable_layer_is_refused_then_copied_where_allowed() {
    let registries = Registries::from_env();
    let name = "fixtures/oci-nondist:v1";
    let fixture = registries.fixture(name);
    let strict = format!("{}/{}:v1", registries.strict(), unique("nondist"));
    let run = waybill(&["copy", &registries.source(name), &strict], &[]).expect(3);
    for digest in support::foreign_layers(fixture) {
        assert!(run.stderr.contains(&digest), "{}", run.stderr);
    }
    let allowed = format!("{}/{}:v1", registries.foreign(), unique("nondist"));
    waybill(&["copy", "--allow-foreign-layers", &registries.source(name), &allowed], &[]).expect(0);
    assert_eq!(sha256(&skopeo_raw(&allowed, None)), fixture["manifest"]["digest"].as_str().expect("digest"));
}

#[test]
fn index_copies_one_platform_or_all() {
    let registries = Registries::from_env();
    let name = "fixtures/multi:v1";
    let fixture = registries.fixture(name);
    let source = registries.source(name);

    let unspecified = format!("{}/{}:v1", registries.strict(), unique("multi"));
    let run = waybill(&["copy", &source, &unspecified], &[]).expect(1);
    assert!(run.stderr.contains("--platform") && run.stderr.contains("linux/arm64/v8"), "{}", run.stderr);

    let whole = format!("{}/{}:v1", registries.strict(), unique("multi"));
    waybill(&["copy", "--all-platforms", &source, &whole], &[]).expect(0);
    assert_eq!(sha256(&skopeo_raw(&whole, None)), fixture["manifest"]["digest"].as_str().expect("digest"));
    let report: Value = serde_json::from_str(
        &waybill(&["verify", "--all-platforms", "--json", &whole], &[]).expect(0).stdout,
    )
    .expect("JSON");
    assert_eq!(report["images"].as_array().map(Vec::len), Some(3));

    let arm = format!("{}/{}:v1", registries.strict(), unique("multi-arm"));
    waybill(&["copy", "--platform", "linux/arm64", &source, &arm], &[]).expect(0);
    let index: Value = serde_json::from_slice(&skopeo_raw(&source, None)).expect("index");
    let arm_entry = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|m| m["platform"]["architecture"] == "arm64")
        .expect("arm64 entry");
    assert_eq!(sha256(&skopeo_raw(&arm, None)), arm_entry["digest"].as_str().expect("digest"));
}

#[test]
fn index_copies_several_platforms_under_a_new_index_of_only_them() {
    let registries = Registries::from_env();
    let name = "fixtures/multi:v1";
    let source = registries.source(name);
    let index: Value = serde_json::from_slice(&skopeo_raw(&source, None)).expect("index");
    let entries = index["manifests"].as_array().expect("manifests");
    let linux: Vec<&Value> = entries.iter().filter(|m| m["platform"]["os"] == "linux").collect();
    assert_eq!(linux.len(), 2, "the fixture has two linux images");

    let destination = format!("{}/{}:v1", registries.strict(), unique("multi-linux"));
    let run = waybill(
        &["copy", "--platform", "linux/amd64", "--platform", "linux/arm64/v8", &source, &destination],
        &[],
    )
    .expect(0);
    let raw = skopeo_raw(&destination, None);
    let pushed: Value = serde_json::from_slice(&raw).expect("pushed index");
    // Only the two linux entries, exactly as the source wrote them, in its order.
    assert_eq!(pushed["manifests"].as_array().expect("manifests").iter().collect::<Vec<_>>(), linux);
    assert_eq!(pushed["mediaType"], index["mediaType"]);
    let digest = sha256(&raw);
    assert_ne!(digest, registries.fixture(name)["manifest"]["digest"].as_str().expect("digest"));
    assert!(run.stdout.contains(&digest), "the copy reports the new index's digest: {}", run.stdout);
    // Every image it lists is there, and verifies.
    let report: Value = serde_json::from_str(
        &waybill(&["verify", "--all-platforms", "--json", &destination], &[]).expect(0).stdout,
    )
    .expect("JSON");
    assert_eq!(report["ok"], true);
    assert_eq!(report["images"].as_array().map(Vec::len), Some(2));

    // A platform the index does not have stops the copy before anything is sent.
    let repository = unique("multi-missing");
    let missing = format!("{}/{repository}:v1", registries.strict());
    let refused =
        waybill(&["copy", "--platform", "linux/amd64", "--platform", "linux/s390x", &source, &missing], &[])
            .expect(1);
    assert!(refused.stderr.contains("linux/s390x"), "{}", refused.stderr);
    assert_eq!(head_status(&format!("{}/v2/{repository}/manifests/v1", registries.strict_url), None), "404");
}

#[test]
fn attestations_go_with_their_images_and_are_never_a_platform() {
    let registries = Registries::from_env();
    let name = "fixtures/attested:v1";
    let fixture = registries.fixture(name);
    let source = registries.source(name);
    let image = |arch: &str| -> String {
        let images = fixture["manifests"].as_array().expect("manifests");
        let found = images.iter().find(|m| m["platform"]["architecture"] == arch).expect("that image");
        found["manifest"]["digest"].as_str().expect("digest").to_owned()
    };
    let attestation_of = |digest: &str| -> String {
        let attestations = fixture["attestations"].as_array().expect("attestations");
        let found = attestations.iter().find(|a| a["attests"] == digest).expect("its attestation");
        found["digest"].as_str().expect("digest").to_owned()
    };

    // The platforms offered are the images' only, not the attestations' unknown/unknown.
    let unspecified = format!("{}/{}:v1", registries.strict(), unique("attested"));
    let run = waybill(&["copy", &source, &unspecified], &[]).expect(1);
    assert!(
        run.stderr.contains("index of 3 platforms") && run.stderr.contains("linux/arm/v7"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("unknown/unknown"), "{}", run.stderr);

    // Two platforms: a new index of their images and of exactly their attestations, as the source
    // listed them.
    let destination = format!("{}/{}:v1", registries.strict(), unique("attested-two"));
    waybill(&["copy", "--platform", "linux/amd64", "--platform", "linux/arm/v7", &source, &destination], &[])
        .expect(0);
    let source_index: Value = serde_json::from_slice(&skopeo_raw(&source, None)).expect("index");
    let kept = [image("amd64"), image("arm"), attestation_of(&image("amd64")), attestation_of(&image("arm"))];
    let expected: Vec<&Value> = source_index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .filter(|m| kept.iter().any(|k| m["digest"] == k.as_str()))
        .collect();
    let pushed: Value = serde_json::from_slice(&skopeo_raw(&destination, None)).expect("pushed index");
    assert_eq!(pushed["manifests"].as_array().expect("manifests").iter().collect::<Vec<_>>(), expected);
    assert_eq!(expected.len(), 4);
    let report: Value = serde_json::from_str(
        &waybill(&["verify", "--all-platforms", "--json", &destination], &[]).expect(0).stdout,
    )
    .expect("JSON");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["images"].as_array().map(Vec::len), Some(4), "the images and their attestations");

    // One platform: its image manifest is the tag, and the copy says which attestation stayed.
    let arm64 = format!("{}/{}:v1", registries.strict(), unique("attested-arm64"));
    let run = waybill(&["copy", "--platform", "linux/arm64", &source, &arm64], &[]).expect(0);
    assert_eq!(sha256(&skopeo_raw(&arm64, None)), image("arm64"));
    assert!(
        run.stderr.contains(&format!("warning: 1 attestation manifest(s) of {}", image("arm64")))
            && run.stderr.contains(&attestation_of(&image("arm64"))),
        "{}",
        run.stderr
    );
}
