//! `waybill load <ARCHIVE> <DEST>` into the real distribution, archives written by skopeo: a
//! docker-save of three images of three repositories (DEST becomes a prefix), one image saved
//! under two tags of one repository (DEST is the repository), an OCI layout with two refs
//! (digests kept, read back with skopeo), a truncated archive that sends nothing, and a bundle
//! whose last image has a corrupted layer, which sends nothing either (not the images before it).

mod support;
use std::process::Command;

use serde_json::Value;
use support::archives::{docker_archive, merge_docker_archives, tar_dir, work_dir};
use support::{Registries, curl, skopeo_raw, unique, waybill};

fn tags_of(registries: &Registries, repository: &str) -> Vec<String> {
    let body = curl(&["-s", &format!("{}/v2/{repository}/tags/list", registries.strict_url)]);
    let listing: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let mut tags: Vec<String> = serde_json::from_value(listing["tags"].clone()).unwrap_or_default();
    tags.sort();
    tags
}

fn report(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// A docker-save of three images of three repositories (plain, multi, attested), merged by GNU tar.
fn three_repositories(dir: &std::path::Path) -> std::path::PathBuf {
    let registries = Registries::from_env();
    let parts: Vec<_> = ["fixtures/plain:v1", "fixtures/multi:v1", "fixtures/attested:v1"]
        .iter()
        .enumerate()
        .map(|(i, fixture)| {
            let part = dir.join(format!("part{i}.tar"));
            docker_archive(&registries, fixture, &part, &[]);
            part
        })
        .collect();
    let archive = dir.join("three.tar");
    merge_docker_archives(&parts.iter().map(|p| p.as_path()).collect::<Vec<_>>(), &archive);
    archive
}

#[test]
fn a_docker_save_of_three_repositories_loads_under_a_prefix() {
    let registries = Registries::from_env();
    let archive = three_repositories(&work_dir("load-three"));
    let prefix = unique("load");
    let dest = format!("{}/{prefix}", registries.strict());
    let run = waybill(&["load", &archive.display().to_string(), &dest, "--json"], &[]).expect(0);
    let summary = report(&run.stdout);
    assert_eq!(summary["tags"].as_array().unwrap().len(), 3, "{summary}");
    for name in ["plain", "multi", "attested"] {
        let repository = format!("{prefix}/fixtures/{name}");
        assert_eq!(tags_of(&registries, &repository), ["v1"], "{repository}");
        waybill(&["verify", &format!("{}/{repository}:v1", registries.strict())], &[]).expect(0);
    }
}

#[test]
fn one_repository_loads_into_dest_with_every_tag() {
    let registries = Registries::from_env();
    let archive = work_dir("load-tags").join("plain.tar");
    docker_archive(&registries, "fixtures/plain:v1", &archive, &["fixtures/plain:extra"]);
    let repository = unique("load");
    let dest = format!("{}/{repository}", registries.strict());
    let run = waybill(&["load", &archive.display().to_string(), &dest], &[]).expect(0);
    assert!(run.stdout.contains("2 tags: 2 copied"), "{}", run.stdout);
    assert_eq!(tags_of(&registries, &repository), ["extra", "v1"]);
}

#[test]
fn an_oci_layout_with_two_refs_keeps_its_digests() {
    let registries = Registries::from_env();
    let dir = work_dir("load-oci");
    let layout = dir.join("layout");
    for (fixture, reference, all) in
        [("fixtures/plain:v1", "v1", false), ("fixtures/multi:v1", "multi", true)]
    {
        let mut args = vec!["copy", "-q", "--src-tls-verify=false"];
        if all {
            args.push("--all");
        }
        let (source, dest) = (
            format!("docker://{}", registries.source(fixture)),
            format!("oci:{}:{reference}", layout.display()),
        );
        args.extend([source.as_str(), dest.as_str()]);
        assert!(Command::new("skopeo").args(&args).status().unwrap().success(), "skopeo {args:?}");
    }
    let archive = dir.join("layout.tar");
    tar_dir(&layout, &archive);
    let repository = unique("load");
    let dest = format!("{}/{repository}", registries.strict());
    waybill(&["load", &archive.display().to_string(), &dest], &[]).expect(0);
    assert_eq!(tags_of(&registries, &repository), ["multi", "v1"]);
    // skopeo writes an OCI layout in OCI's media types, so the manifests to compare are the
    // layout's own, as skopeo reads them back from it.
    for reference in ["v1", "multi"] {
        let layout_ref = format!("oci:{}:{reference}", layout.display());
        let saved = Command::new("skopeo").args(["inspect", "--raw", &layout_ref]).output().unwrap();
        assert!(saved.status.success(), "skopeo inspect {layout_ref}");
        assert_eq!(skopeo_raw(&format!("{dest}:{reference}"), None), saved.stdout, "{reference}");
    }
}

/// Flips one byte in the middle of the archive's last layer file (`<hex>.tar`), found by walking
/// the tar headers.
fn corrupt_last_layer(archive: &std::path::Path) {
    let mut bytes = std::fs::read(archive).expect("read the archive");
    let (mut at, mut last) = (0, None);
    while at + 512 <= bytes.len() && bytes[at..at + 512].iter().any(|b| *b != 0) {
        let field = |range: std::ops::Range<usize>| {
            String::from_utf8_lossy(&bytes[at + range.start..at + range.end])
                .trim_matches(['\0', ' '])
                .to_owned()
        };
        let size = usize::from_str_radix(&field(124..136), 8).expect("an octal size");
        if field(0..100).ends_with(".tar") && size > 0 {
            last = Some((at + 512, size));
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    let (start, size) = last.expect("a layer file");
    bytes[start + size / 2] ^= 0xff;
    std::fs::write(archive, bytes).expect("write the archive");
}

#[test]
fn a_bundle_with_one_corrupted_layer_sends_nothing() {
    let registries = Registries::from_env();
    let archive = three_repositories(&work_dir("load-corrupt"));
    corrupt_last_layer(&archive);
    let prefix = unique("load");
    let dest = format!("{}/{prefix}", registries.strict());
    let run = waybill(&["load", &archive.display().to_string(), &dest, "--json"], &[]).expect(1);
    let summary = report(&run.stdout);
    let tags = summary["tags"].as_array().expect("tags");
    assert_eq!(tags.len(), 3, "{summary}");
    for tag in tags {
        assert_eq!(tag["outcome"], "failed", "{summary}");
        let reason = tag["reason"].as_str().expect("a reason");
        assert!(reason.contains("nothing was loaded") && reason.contains("failed verification"), "{reason}");
    }
    for name in ["plain", "multi", "attested"] {
        let url = format!("{}/v2/{prefix}/fixtures/{name}/tags/list", registries.strict_url);
        assert_eq!(support::curl_status(&[&url]), "404", "{name}: nothing reached the registry");
    }
}

#[test]
fn a_truncated_archive_sends_nothing() {
    let registries = Registries::from_env();
    let archive = work_dir("load-cut").join("plain.tar");
    docker_archive(&registries, "fixtures/plain:v1", &archive, &[]);
    let bytes = std::fs::read(&archive).unwrap();
    let cut = archive.with_file_name("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let repository = unique("load");
    let run =
        waybill(&["load", &cut.display().to_string(), &format!("{}/{repository}", registries.strict())], &[])
            .expect(1);
    assert!(run.stderr.contains("truncated") || run.stderr.contains("ends"), "{}", run.stderr);
    let status = support::curl_status(&[&format!("{}/v2/{repository}/tags/list", registries.strict_url)]);
    assert_eq!(status, "404", "nothing reached the registry");
}
