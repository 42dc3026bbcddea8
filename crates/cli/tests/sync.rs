//! `waybill sync` against the real distribution and Pulp, skopeo as the independent reader, and a
//! relay in front of the destination counting what is sent; the source repository (six tags, a
//! signature, an SBOM with a subject) is tests/support/mirror.rs's.

mod support;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::mirror::source;
use support::relay::{Fault, Relay};
use support::{Pulp, Registries, foreign_layers, head_status, skopeo_raw, unique, waybill, waybill_bin};

fn tag_of<'a>(report: &'a Value, tag: &str) -> &'a Value {
    report["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tag"] == tag)
        .unwrap_or_else(|| panic!("{tag} in {report}"))
}

fn uploads(relay: &Relay) -> Vec<String> {
    relay
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("POST") || r.starts_with("PATCH") || r.starts_with("PUT"))
        .collect()
}

#[test]
fn a_repository_into_pulp_foreign_tags_refused_then_allowed_then_up_to_date() {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let src = source(&registries);
    let path = unique("mirror-dst");
    let creds = pulp.creds();
    let in_pulp = |tag: &str| format!("{}/{path}:{tag}", pulp.host());
    let sync = |relay: &Relay, flags: &[&str], code: i32| -> Value {
        let dst = format!("{}/{path}", relay.host());
        let mut args = vec!["sync", &src.repo, &dst, "--json"];
        args.extend_from_slice(flags);
        serde_json::from_str(&waybill(&args, &login).expect(code).stdout).unwrap()
    };

    // Without the flag: the Windows tag refused and absent, every other tag identical, the
    // companions along.
    let report = sync(&Relay::start(&pulp.host(), Fault::None), &[], 3);
    assert_eq!(report["tags"].as_array().unwrap().len(), 6, "companions are not tags of their own: {report}");
    assert_eq!(tag_of(&report, "win")["outcome"], "refused");
    assert!(tag_of(&report, "win")["reason"].as_str().unwrap().contains("2 foreign layer(s)"));
    assert_eq!(head_status(&format!("{}/v2/{path}/manifests/win", pulp.url), Some(&creds)), "404");
    for tag in src.tags.iter().filter(|t| **t != "win") {
        assert_eq!(tag_of(&report, tag)["outcome"], "copied", "{tag}");
        assert_eq!(
            skopeo_raw(&in_pulp(tag), Some(&creds)),
            skopeo_raw(&format!("{}:{tag}", src.repo), None),
            "{tag}"
        );
    }
    assert_eq!(tag_of(&report, "multi")["platforms"].as_array().unwrap().len(), 3);
    let companions: Vec<String> =
        serde_json::from_value(tag_of(&report, "plain")["companions"].clone()).unwrap();
    assert_eq!(companions.iter().collect::<std::collections::BTreeSet<_>>(), src.companions.iter().collect());
    for companion in &src.companions {
        assert_eq!(
            skopeo_raw(&in_pulp(companion), Some(&creds)),
            skopeo_raw(&format!("{}:{companion}", src.repo), None)
        );
    }

    // With the flag: the Windows tag too, its foreign blobs in Pulp.
    let report = sync(&Relay::start(&pulp.host(), Fault::None), &["--allow-foreign-layers"], 0);
    assert_eq!(tag_of(&report, "win")["outcome"], "copied");
    assert_eq!(skopeo_raw(&in_pulp("win"), Some(&creds)), skopeo_raw(&format!("{}:win", src.repo), None));
    let foreign = foreign_layers(registries.fixture("fixtures/origin-story:windows-amd64-1.13.0"));
    assert_eq!(foreign.len(), 2);
    for digest in &foreign {
        // Pulp answers for a blob it holds with a redirect to its content app (404 if not).
        let status = head_status(&format!("{}/v2/{path}/blobs/{digest}", pulp.url), Some(&creds));
        assert_eq!(status, "302", "{digest} in Pulp");
    }

    // Again: every tag up to date, and not one upload request.
    let relay = Relay::start(&pulp.host(), Fault::None);
    let report = sync(&relay, &["--allow-foreign-layers"], 0);
    for tag in &src.tags {
        assert_eq!(tag_of(&report, tag)["outcome"], "up_to_date", "{tag}");
    }
    assert_eq!(uploads(&relay), Vec::<String>::new());
}

/// The digests of the blob uploads the relay saw finished (their `PUT …?digest=`), in order.
fn finished_blobs(relay: &Relay) -> Vec<String> {
    uploads(relay)
        .into_iter()
        .filter(|r| r.starts_with("PUT") && r.contains("digest="))
        .map(|r| r.split("digest=").nth(1).unwrap().split([' ', '&']).next().unwrap().replace("%3A", ":"))
        .collect()
}

/// Tags that share their blobs, mirrored four at a time: every tag's HEAD finds the blobs missing
/// at first, yet each blob goes up once — the other tags wait for it, then find it there.
#[test]
fn tags_sharing_blobs_upload_each_blob_once_however_many_jobs() {
    let registries = Registries::from_env();
    let repo = format!("{}/{}", registries.foreign(), unique("mirror-shared"));
    let tags = ["a", "b", "c", "d"];
    for tag in tags {
        waybill(&["copy", &registries.source("fixtures/plain:v1"), &format!("{repo}:{tag}")], &[]).expect(0);
    }
    let relay = Relay::start(&registries.strict(), Fault::None);
    let dst = format!("{}/{}", relay.host(), unique("mirror-shared-dst"));
    let run = waybill(&["sync", &repo, &dst, "--jobs", "4", "--json"], &[]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    for tag in tags {
        assert_eq!(tag_of(&report, tag)["outcome"], "copied", "{tag}");
    }
    let finished = finished_blobs(&relay);
    let fixture = registries.fixture("fixtures/plain:v1");
    let mut expected = support::fixture_blobs(fixture);
    expected.sort();
    let mut sent = finished.clone();
    sent.sort();
    assert_eq!(sent, expected, "each blob uploaded exactly once: {:#?}", relay.requests());
}

#[test]
fn an_interrupted_sync_continues_and_sends_nothing_twice() {
    let registries = Registries::from_env();
    let path = unique("mirror-big");
    let repo = format!("{}/{path}", registries.foreign());
    for (fixture, tag) in
        [("fixtures/big:v1", "big"), ("fixtures/plain:v1", "plain"), ("fixtures/multi:v1", "multi")]
    {
        let flag = if tag == "multi" { "--all-platforms" } else { "--chunk-size=8MiB" };
        waybill(&["copy", flag, &registries.source(fixture), &format!("{repo}:{tag}")], &[]).expect(0);
    }
    let relay = Relay::start(&registries.strict(), Fault::None);
    let dst = format!("{}/{}", relay.host(), unique("mirror-dst"));
    let mut child = Command::new(waybill_bin())
        .args(["sync", &repo, &dst, "--jobs", "1", "--chunk-size", "1MiB"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed in the middle of the big layer's chunks: some of it is on the registry, not all.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while relay.patches() < 5 {
        assert!(child.try_wait().unwrap().is_none(), "the sync ended before it could be interrupted");
        assert!(std::time::Instant::now() < deadline, "no upload started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let finished = finished_blobs(&relay);

    assert!(!finished.is_empty(), "the kill came before any blob was complete: {:?}", relay.requests());
    let again = Relay::start(&registries.strict(), Fault::None);
    let dst = dst.replace(&relay.host(), &again.host());
    let run = waybill(&["sync", &repo, &dst, "--jobs", "1", "--json"], &[]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    for tag in ["big", "plain", "multi"] {
        let outcome = tag_of(&report, tag)["outcome"].as_str().unwrap().to_owned();
        assert!(outcome == "copied" || outcome == "up_to_date", "{tag}: {outcome}");
        assert_eq!(
            skopeo_raw(&format!("{}/{}:{tag}", registries.strict(), dst.split_once('/').unwrap().1), None),
            skopeo_raw(&format!("{repo}:{tag}"), None)
        );
    }
    let resent: Vec<String> = uploads(&again)
        .into_iter()
        .filter(|r| finished.iter().any(|d| r.contains(d.trim_start_matches("sha256:"))))
        .collect();
    assert!(
        resent.is_empty(),
        "blobs finished before the kill were sent again: {resent:?} (finished: {finished:?})"
    );
}

/// `--no-referrers`: the image goes, and none of what travels with it by default — neither the
/// companion tags of the source's list nor the manifests they name.
#[test]
fn without_referrers_no_companion_travels() {
    let registries = Registries::from_env();
    let src = source(&registries);
    let path = unique("mirror-alone");
    let dst = format!("{}/{path}", registries.strict());
    let run = waybill(&["sync", &src.repo, &dst, "--include-tags", "plain", "--no-referrers", "--json"], &[]);
    let report: Value = serde_json::from_str(&run.expect(0).stdout).unwrap();
    assert_eq!(tag_of(&report, "plain")["outcome"], "copied");
    assert_eq!(tag_of(&report, "plain")["companions"], serde_json::json!([]), "{report}");
    assert_eq!(skopeo_raw(&format!("{dst}:plain"), None), skopeo_raw(&format!("{}:plain", src.repo), None));
    for companion in &src.companions {
        let url = format!("{}/v2/{path}/manifests/{companion}", registries.strict_url);
        assert_eq!(head_status(&url, None), "404", "{companion} stayed behind");
    }
}
