//! `waybill inspect/verify/push <ARCHIVE>` on archives written by real tools (skopeo's
//! docker-archive: and oci-archive:, gzip, GNU tar), pushed into the real Pulp and read back with
//! skopeo and curl, every blob hashed here.
//!
//! Needs `scripts/pulp up`, `scripts/registry up && scripts/registry seed`, and their `env`
//! output exported; a missing server fails the test with how to start it.

mod support;

use serde_json::Value;
use support::archives::{
    Foreign, docker_archive, gzip_file, merge_docker_archives, oci_archive, pull_back_and_check,
    registry_blob, with_layer_sources, work_dir,
};
use support::{Pulp, Registries, foreign_layers, sha256, unique, waybill};

const DOCKER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
const DOCKER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const DOCKER_FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

fn login(pulp: &Pulp) -> [(&'static str, String); 2] {
    [("WAYBILL_USERNAME", pulp.user.clone()), ("WAYBILL_PASSWORD", pulp.password.clone())]
}

fn with_login<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn diff_ids(fixture: &Value) -> Vec<String> {
    fixture["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["diffId"].as_str().expect("diffId").to_owned())
        .collect()
}

fn json(run: &support::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn manifest_layers(raw: &[u8]) -> Vec<Value> {
    let manifest: Value = serde_json::from_slice(raw).expect("manifest JSON");
    manifest["layers"].as_array().expect("layers").clone()
}

#[test]
fn skopeo_docker_archive_inspects_verifies_and_pushes_into_pulp() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let name = "fixtures/plain:v1";
    let fixture = registries.fixture(name);
    let archive = work_dir("docker-archive").join("plain.tar");
    docker_archive(&registries, name, &archive, &[]);
    let path = archive.display().to_string();

    let report = json(&waybill(&["inspect", "--json", &path], &[]).expect(0));
    assert_eq!(report["formats"], serde_json::json!(["docker-save"]));
    let image = &report["images"][0];
    assert_eq!(image["names"], serde_json::json!([format!("docker.io/{name}")]));
    let rows = image["manifests"][0]["layers"].as_array().expect("layers");
    // skopeo stores each layer uncompressed: the digest shown is the diff ID the generator made.
    for (row, diff_id) in rows.iter().zip(diff_ids(fixture)) {
        assert_eq!(row["digest"], diff_id.as_str());
        assert_eq!(row["media_type"], DOCKER_TAR);
        assert_eq!(row["presence"], "present");
    }
    let run = waybill(&["verify", &path], &[]).expect(0);
    assert!(run.stdout.ends_with("verified\n"), "{}", run.stdout);

    let repository = unique("archive-plain");
    let destination = format!("{}/{repository}:v1", pulp.host());
    let creds = login(&pulp);
    // By default the plain layers are gzip'd while they upload, as docker push and skopeo do.
    let run = waybill(&["push", &path, &destination], &with_login(&creds)).expect(0);
    assert!(run.stdout.contains("3 blobs: 3 uploaded"), "{}", run.stdout);
    assert!(run.stderr.contains("gzip compression: 2 layer(s) compressed"), "{}", run.stderr);
    let raw = pull_back_and_check(&pulp, &repository, "v1");
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest");
    assert_eq!(manifest["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(manifest["config"]["digest"], fixture["config"]["digest"], "the config is pushed as saved");
    let layers = manifest_layers(&raw);
    for (layer, diff_id) in layers.iter().zip(diff_ids(fixture)) {
        assert_eq!(layer["mediaType"], DOCKER_GZIP);
        let digest = layer["digest"].as_str().expect("digest");
        assert_eq!(system_decompress("gzip", &pulp_layer(&pulp, &repository, digest)), diff_id);
        assert!(
            run.stderr.contains(&format!("{diff_id} → {digest}")),
            "the new digest is said: {}",
            run.stderr
        );
    }
    assert!(
        run.stdout.contains(&sha256(&raw)),
        "the printed digest is the stored manifest's: {}",
        run.stdout
    );

    // Again: the layers Pulp has for this image are reused, not compressed again; the same
    // manifest, every blob already there.
    let again = waybill(&["push", &path, &destination], &with_login(&creds)).expect(0);
    assert!(again.stdout.contains("3 blobs: 0 uploaded (0 B), 3 already present"), "{}", again.stdout);
    assert!(again.stdout.contains(&sha256(&raw)));

    // As stored: each layer is the saved tar, its digest the diff ID.
    let stored = format!("{}/{repository}:stored", pulp.host());
    waybill(&["push", "--compress", "none", &path, &stored], &with_login(&creds)).expect(0);
    let raw = pull_back_and_check(&pulp, &repository, "stored");
    for (layer, diff_id) in manifest_layers(&raw).iter().zip(diff_ids(fixture)) {
        assert_eq!(
            (layer["mediaType"].as_str(), layer["digest"].as_str()),
            (Some(DOCKER_TAR), Some(diff_id.as_str()))
        );
    }
}

/// A layer as Pulp serves it.
fn pulp_layer(pulp: &Pulp, repository: &str, digest: &str) -> Vec<u8> {
    support::archives::pulp_blob(pulp, repository, digest)
}

/// The sha256 of `bytes` decompressed by the system's `gzip` or `zstd`: a layer's diff ID.
fn system_decompress(tool: &str, bytes: &[u8]) -> String {
    sha256(&support::archives::system_decompress(tool, bytes))
}

#[test]
fn gzipped_docker_save_pushes_with_compress_zstd() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let name = "fixtures/origin-story:windows-amd64-1.13.0";
    let fixture = registries.fixture(name);
    let dir = work_dir("docker-archive-gz");
    let plain = dir.join("origin.tar");
    docker_archive(&registries, name, &plain, &[]);
    let archive = gzip_file(&plain);
    let path = archive.display().to_string();

    let report = json(&waybill(&["inspect", "--json", &path], &[]).expect(0));
    assert_eq!(report["compression"], "gzip");
    // skopeo's docker-archive writer records no LayerSources: the foreign layers come out as
    // ordinary ones (a fact about skopeo 1.9, reported, not hidden).
    assert_eq!(report["images"][0]["foreign_count"], 0);
    waybill(&["verify", &path], &[]).expect(0);

    let repository = unique("archive-gz");
    let destination = format!("{}/{repository}:w", pulp.host());
    let creds = login(&pulp);
    // The foreign layers lost their marks: pushed as ordinary layers only when that is accepted.
    let refused =
        waybill(&["push", "--compress", "zstd", &path, &destination], &with_login(&creds)).expect(3);
    assert!(refused.stderr.contains("may have lost their marks"), "{}", refused.stderr);
    let run = waybill(
        &["push", "--compress", "zstd", "--accept-lost-foreign-marks", &path, &destination],
        &with_login(&creds),
    )
    .expect(0);
    assert!(
        run.stderr.contains("zstd compression: 7 layer(s) compressed, which changes their digests"),
        "{}",
        run.stderr
    );
    let raw = pull_back_and_check(&pulp, &repository, "w");
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest");
    assert_eq!(
        manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json",
        "Docker has no zstd type"
    );
    let layers = manifest_layers(&raw);
    assert_eq!(layers.len(), 7);
    for (layer, diff_id) in layers.iter().zip(diff_ids(fixture)) {
        assert_eq!(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd");
        let digest = layer["digest"].as_str().expect("digest");
        assert_ne!(digest, diff_id, "a compressed layer has a new digest");
        // The system zstd reads what Pulp serves back into the layer: its diff ID holds.
        assert_eq!(system_decompress("zstd", &pulp_layer(&pulp, &repository, digest)), diff_id);
    }
}

#[test]
fn skopeo_oci_archives_push_byte_for_byte() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let creds = login(&pulp);
    for (name, all) in [("fixtures/plain:v1", false), ("fixtures/multi:v1", true)] {
        let fixture = registries.fixture(name);
        let dir = work_dir("oci-archive");
        let archive = dir.join("image.oci.tar");
        oci_archive(&registries, name, &archive, all);
        let path = archive.display().to_string();
        // What skopeo stored: index.json's entry, read with GNU tar.
        support::archives::untar(&archive, &dir.join("x"));
        let index: Value =
            serde_json::from_slice(&std::fs::read(dir.join("x/index.json")).expect("index.json"))
                .expect("JSON");
        let stored = index["manifests"][0]["digest"].as_str().expect("digest").to_owned();
        if all {
            // An OCI index already: skopeo keeps it as it is.
            assert_eq!(stored, fixture["manifest"]["digest"].as_str().expect("digest"));
        }
        let report = json(&waybill(&["inspect", "--json", &path], &[]).expect(0));
        assert_eq!(report["formats"], serde_json::json!(["oci-layout"]));
        assert_eq!(report["images"][0]["digest"], stored.as_str(), "{name}");
        waybill(&["verify", &path], &[]).expect(0);
        let repository = unique("archive-oci");
        let destination = format!("{}/{repository}:v1", pulp.host());
        waybill(&["push", &path, &destination], &with_login(&creds)).expect(0);
        // The stored manifest (or index, with its images) is pushed as it is.
        let raw = pull_back_and_check(&pulp, &repository, "v1");
        assert_eq!(sha256(&raw), stored, "{name}");
    }
}

#[test]
fn one_archive_two_images_three_tags_and_image_picks_one() {
    // skopeo writes one image per docker-archive (--additional-tag adds tags to it); GNU tar
    // combines two such archives into one, manifest.json entries concatenated.
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let dir = work_dir("two-images");
    let (a, b, merged) = (dir.join("a.tar"), dir.join("b.tar"), dir.join("both.tar"));
    docker_archive(&registries, "fixtures/plain:v1", &a, &["example.com/plain:extra"]);
    docker_archive(&registries, "fixtures/oci-nondist:v1", &b, &[]);
    merge_docker_archives(&[&a, &b], &merged);
    let path = merged.display().to_string();

    let report = json(&waybill(&["inspect", "--json", &path], &[]).expect(0));
    let images = report["images"].as_array().expect("images");
    assert_eq!(images.len(), 2);
    let names: Vec<&str> =
        images.iter().flat_map(|i| i["names"].as_array().unwrap()).filter_map(Value::as_str).collect();
    assert_eq!(
        names,
        ["docker.io/fixtures/plain:v1", "example.com/plain:extra", "docker.io/fixtures/oci-nondist:v1"]
    );
    waybill(&["verify", &path], &[]).expect(0);
    waybill(&["verify", "--image", "fixtures/oci-nondist:v1", &path], &[]).expect(0);

    let creds = login(&pulp);
    let repository = unique("archive-pick");
    let destination = format!("{}/{repository}:picked", pulp.host());
    let run = waybill(&["push", &path, &destination], &with_login(&creds)).expect(1);
    assert!(run.stderr.contains("holds 2 images; pick one"), "{}", run.stderr);
    assert!(run.stderr.contains("pass --image NAME:TAG"), "the CLI words the remedy: {}", run.stderr);
    assert!(run.stderr.contains("example.com/plain:extra"), "{}", run.stderr);
    waybill(&["push", "--image", "example.com/plain:extra", &path, &destination], &with_login(&creds))
        .expect(0);
    let raw = pull_back_and_check(&pulp, &repository, "picked");
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest");
    let plain = registries.fixture("fixtures/plain:v1");
    assert_eq!(manifest["config"]["digest"], plain["config"]["digest"], "--image picked the plain image");
}

#[test]
fn foreign_layers_with_their_blobs_push_with_the_flag_and_keep_urls() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let name = "fixtures/origin-story:windows-amd64-1.13.0";
    let fixture = registries.fixture(name);
    let dir = work_dir("foreign-blobs");
    let saved = dir.join("saved.tar");
    docker_archive(&registries, name, &saved, &[]);
    // As `docker save` describes foreign layers, with the blobs themselves in the archive.
    let foreign: Vec<Foreign> = fixture["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter(|l| l["foreign"] == true)
        .map(|l| Foreign {
            diff_id: l["diffId"].as_str().expect("diffId").to_owned(),
            descriptor: serde_json::json!({"mediaType": l["mediaType"], "size": l["size"], "digest": l["digest"], "urls": l["urls"]}),
            with_blob: Some(registry_blob(&registries, "fixtures/origin-story", l["digest"].as_str().expect("digest"))),
        })
        .collect();
    let archive = dir.join("foreign.tar");
    with_layer_sources(&saved, &archive, &foreign);
    let path = archive.display().to_string();
    let report = json(&waybill(&["inspect", "--json", &path], &[]).expect(0));
    assert_eq!(report["images"][0]["foreign_count"], 2);
    assert_eq!(report["images"][0]["foreign_absent"], 0);
    waybill(&["verify", &path], &[]).expect(0);

    let creds = login(&pulp);
    let repository = unique("archive-foreign");
    let destination = format!("{}/{repository}:w", pulp.host());
    let run =
        waybill(&["push", "--allow-foreign-layers", &path, &destination], &with_login(&creds)).expect(0);
    assert!(run.stdout.contains("8 blobs: 8 uploaded"), "{}", run.stdout);
    let raw = pull_back_and_check(&pulp, &repository, "w");
    let layers = manifest_layers(&raw);
    let expected_foreign = foreign_layers(fixture);
    for (i, layer) in layers.iter().enumerate() {
        let fixture_layer = &fixture["layers"][i];
        if i < 2 {
            // Foreign layers are never compressed again: their digests stay the publisher's.
            assert_eq!(layer["mediaType"], DOCKER_FOREIGN);
            assert_eq!(layer["digest"].as_str(), Some(expected_foreign[i].as_str()));
            assert_eq!(layer["size"], fixture_layer["size"]);
            assert_eq!(layer["urls"], fixture_layer["urls"], "urls kept");
        } else {
            assert_eq!(layer["mediaType"], DOCKER_GZIP, "the plain layers are gzip'd");
            let digest = layer["digest"].as_str().expect("digest");
            assert_eq!(
                system_decompress("gzip", &pulp_layer(&pulp, &repository, digest)),
                fixture_layer["diffId"]
            );
        }
    }
}
