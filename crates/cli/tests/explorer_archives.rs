//! `waybill ls`, `cat` and `diff` on archive files skopeo wrote from the fixture images
//! (`docker-archive:`, which stores layers uncompressed, and `oci-archive:`, which keeps them
//! gzip'd), and on a gzip'd docker-archive: the same listings, bytes and differences as in the
//! registry — and a diff of an archive against a registry image shares the base layer by its
//! diff ID although the two store it under other digests.

mod support;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::archives::{docker_archive, gzip_file, oci_archive, work_dir};
use support::explorer::{
    check_cat, check_diff, check_hashes, check_listings, expected_diff, fixture, fixture_names, json,
};
use support::{Registries, waybill};

/// Every explorer fixture written by skopeo in both formats: (fixture, docker-archive, oci-archive).
fn skopeo_archives(registries: &Registries) -> Vec<(String, PathBuf, PathBuf)> {
    let dir = work_dir("explorer-archives");
    fixture_names(registries)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let (docker, oci) = (dir.join(format!("{i}-docker.tar")), dir.join(format!("{i}-oci.tar")));
            docker_archive(registries, &name, &docker, &[]);
            oci_archive(registries, &name, &oci, false);
            (name, docker, oci)
        })
        .collect()
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

/// What an archive's listing names: an OCI layout's manifest (skopeo keeps the registry's bytes
/// only when it need not convert them, so the digest is read back from the archive's own report);
/// a docker-save's config digest, as it has no manifest.
fn archive_digest(archive: &Path, summary: &Value) -> String {
    let report = json(&["inspect", &text(archive), "--json"]);
    match report["images"][0]["digest"].as_str() {
        Some(manifest) => manifest.to_owned(),
        None => summary["config"]["digest"].as_str().expect("config digest").to_owned(),
    }
}

#[test]
fn listings_and_cat_from_skopeo_archives_are_the_generators() {
    let registries = Registries::from_env();
    for (name, docker, oci) in skopeo_archives(&registries) {
        let summary = fixture(&registries, &name);
        for archive in [&docker, &oci] {
            check_listings(&text(archive), summary, &archive_digest(archive, summary));
            check_cat(&text(archive), summary);
        }
        // `ls --hash` from a gzip'd layer (OCI) and a plain one (docker-archive).
        check_hashes(&text(&oci), summary);
        check_hashes(&text(&docker), summary);
        let gzipped = gzip_file(&docker);
        check_listings(&text(&gzipped), summary, &archive_digest(&gzipped, summary));
    }
}

#[test]
fn diff_of_archives_and_of_an_archive_against_the_registry() {
    let registries = Registries::from_env();
    let expected = expected_diff(&registries);
    let (a, b) = (expected["a"].as_str().expect("a"), expected["b"].as_str().expect("b"));
    let dir = work_dir("explorer-diff");
    let (a_docker, b_oci) = (dir.join("a-docker.tar"), dir.join("b-oci.tar"));
    docker_archive(&registries, a, &a_docker, &[]);
    oci_archive(&registries, b, &b_oci, false);
    // The OCI archive keeps the registry's gzip'd blobs: layers compare by digest as recorded.
    check_diff(&registries.source(a), &text(&b_oci), expected, true);
    // The docker-archive stores layers uncompressed (other digests, same diff IDs).
    check_diff(&text(&a_docker), &registries.source(b), expected, false);
    check_diff(&text(&a_docker), &text(&b_oci), expected, false);
    let mixed = json(&["diff", &text(&a_docker), &registries.source(a), "--json"]);
    assert_eq!(mixed["layers"]["shared"].as_array().map(Vec::len), Some(2), "{mixed}");
    assert_eq!(mixed["files"], serde_json::json!({"added": [], "removed": [], "changed": []}));
}

#[test]
fn an_archive_of_several_images_needs_image_and_a_missing_path_is_clear() {
    let registries = Registries::from_env();
    let expected = expected_diff(&registries);
    let (a, b) = (expected["a"].as_str().expect("a"), expected["b"].as_str().expect("b"));
    let dir = work_dir("explorer-several");
    let (one, two, both) = (dir.join("a.tar"), dir.join("b.tar"), dir.join("both.tar"));
    docker_archive(&registries, a, &one, &[]);
    docker_archive(&registries, b, &two, &[]);
    support::archives::merge_docker_archives(&[&one, &two], &both);
    let run = waybill(&["ls", &text(&both)], &[]).expect(1);
    assert!(run.stderr.contains(a) && run.stderr.contains(b), "{}", run.stderr);
    let listing = json(&["ls", &text(&both), "--image", b, "--json"]);
    let merged = &fixture(&registries, b)["merged"];
    assert_eq!(
        support::explorer::comparable(&listing["entries"], true),
        support::explorer::comparable(merged, true)
    );
    let (code, _, stderr) = support::explorer::cat(&text(&one), "no/such/file");
    assert_eq!(code, 1);
    assert!(stderr.contains("\"no\" is not in the image"), "{stderr}");
}
