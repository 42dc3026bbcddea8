//! Bad input to the mirroring commands, each a clear error with nothing pushed: a tag filter that
//! matches nothing, a source repository that does not exist, and a bundle whose index.json names a
//! blob the archive lacks (written by `waybill save`, then the blob removed with GNU tar).

mod support;
use std::process::Command;

use support::archives::work_dir;
use support::{Registries, unique, waybill};

fn nothing_at(registries: &Registries, repository: &str) {
    let url = format!("{}/v2/{repository}/tags/list", registries.strict_url);
    let status = support::curl_status(&[&url]);
    assert_eq!(status, "404", "{repository} received something");
}

#[test]
fn a_filter_that_matches_nothing_and_a_missing_source() {
    let registries = Registries::from_env();
    let destination = unique("bad-sync");
    let dst = format!("{}/{destination}", registries.strict());
    let run =
        waybill(&["sync", &registries.source("fixtures/plain"), &dst, "--include-tags", "ltsc2019*"], &[])
            .expect(1);
    assert!(
        run.stderr.contains("no tag of the source matches") && run.stderr.contains("v1"),
        "{}",
        run.stderr
    );
    let missing = format!("{}/{}", registries.foreign(), unique("no-such-repository"));
    let run = waybill(&["sync", &missing, &dst], &[]).expect(1);
    assert!(run.stderr.contains("NAME_UNKNOWN") && run.stderr.contains("does not exist"), "{}", run.stderr);
    nothing_at(&registries, &destination);
}

#[test]
fn a_bundle_missing_a_blob_loads_nothing() {
    let registries = Registries::from_env();
    let bundle = work_dir("bad-bundle").join("bundle.tar");
    let path = bundle.display().to_string();
    waybill(&["save", &registries.source("fixtures/plain:v1"), "-o", &path], &[]).expect(0);
    let layer = registries.fixture("fixtures/plain:v1")["layers"][0]["digest"].as_str().unwrap().to_owned();
    let member = format!("blobs/sha256/{}", layer.trim_start_matches("sha256:"));
    let deleted = Command::new("tar").args(["--delete", "-f", &path, &member]).status().unwrap();
    assert!(deleted.success(), "tar --delete {member}");
    let destination = unique("bad-load");
    let run = waybill(&["load", &path, &format!("{}/{destination}", registries.strict())], &[]).expect(1);
    assert!(
        run.stdout.contains(&format!("{member}: the layer file is not in the archive")),
        "{}",
        run.stdout
    );
    nothing_at(&registries, &destination);
}
