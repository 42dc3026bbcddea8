//! After a `sync` or `load` into the real Pulp, the summary names each repository, its latest
//! version and its distribution (base path, pull command) — compared with what curl reads from
//! Pulp's REST API, and the pull command's reference read back with skopeo; into distribution,
//! nothing of the kind.

mod support;
use serde_json::Value;
use support::{Pulp, Registries, curl, skopeo_raw, unique, waybill};

/// The first result of a REST listing, read with curl.
fn listed(pulp: &Pulp, what: &str, key: &str, value: &str) -> Value {
    let url = format!("{}/pulp/api/v3/{what}/container/container/?{key}={value}", pulp.url);
    let body = curl(&["-sf", "-u", &pulp.creds(), &url]);
    let listing: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    listing["results"][0].clone()
}

/// What the summary should say of `path`, from Pulp's REST API.
fn expected_lines(pulp: &Pulp, path: &str, tag: &str) -> (Vec<String>, Value) {
    let repository = listed(pulp, "repositories", "name", path);
    let distribution = listed(pulp, "distributions", "base_path", path);
    let version = repository["latest_version_href"].as_str().unwrap();
    let number = version.trim_end_matches('/').rsplit('/').next().unwrap();
    let registry_path = distribution["registry_path"].as_str().unwrap();
    let lines = vec![
        format!("in Pulp: repository {path} ({})", repository["pulp_href"].as_str().unwrap()),
        format!("  latest version {number} ({version})"),
        format!("  distribution {path} ({})", distribution["pulp_href"].as_str().unwrap()),
        format!("  pull: docker pull {registry_path}:{tag}"),
    ];
    let json = serde_json::json!({
        "repository": repository["pulp_href"], "name": path, "latest_version": version,
        "distribution": distribution["pulp_href"], "base_path": path, "registry_path": registry_path,
        "version": number.parse::<u64>().unwrap(), "pull": format!("docker pull {registry_path}:{tag}"),
    });
    (lines, json)
}

fn assert_lines(stdout: &str, lines: &[String]) {
    let start = stdout.find(&lines[0]).unwrap_or_else(|| panic!("no {:?} in:\n{stdout}", lines[0]));
    let printed: Vec<&str> = stdout[start..].lines().take(lines.len()).collect();
    assert_eq!(printed, lines, "{stdout}");
}

#[test]
fn a_sync_into_pulp_names_the_repository_its_version_and_distribution() {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let src = format!("{}/{}", registries.foreign(), unique("pulp-summary-src"));
    for tag in ["a", "b"] {
        waybill(&["copy", &registries.source("fixtures/plain:v1"), &format!("{src}:{tag}")], &[]).expect(0);
    }
    let path = unique("pulp-summary");
    let dst = format!("{}/{path}", pulp.host());
    // One tag at a time: two tags of one image mirrored at once into a fresh Pulp repository can
    // fail one of them with BLOB_UNKNOWN (a race of their shared blobs, not this test's subject).
    let run = waybill(&["sync", &src, &dst, "--jobs", "1"], &login).expect(0);
    let (lines, _) = expected_lines(&pulp, &path, "a");
    assert_lines(&run.stdout, &lines);
    assert_eq!(run.stdout.matches("in Pulp:").count(), 1, "one repository: {}", run.stdout);
    let pull = lines[3].trim_start_matches("  pull: docker pull ");
    assert_eq!(skopeo_raw(pull, Some(&pulp.creds())), skopeo_raw(&format!("{src}:a"), None));

    // Again, with --json: the same, under "pulp", and the version is still the latest.
    let run = waybill(&["sync", &src, &dst, "--json"], &login).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let (_, json) = expected_lines(&pulp, &path, "a");
    assert_eq!(report["pulp"], serde_json::json!([json]), "{report}");
}

#[test]
fn a_load_into_pulp_names_every_repository_it_filled() {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("two.tar").display().to_string();
    let (plain, multi) = (registries.source("fixtures/plain:v1"), registries.source("fixtures/multi:v1"));
    waybill(&["save", &plain, &multi, "-o", &archive], &[]).expect(0);
    let prefix = unique("pulp-summary-load");
    let run = waybill(&["load", &archive, &format!("{}/{prefix}", pulp.host())], &login).expect(0);
    for name in ["plain", "multi"] {
        let (lines, _) = expected_lines(&pulp, &format!("{prefix}/fixtures/{name}"), "v1");
        assert_lines(&run.stdout, &lines);
    }
}

#[test]
fn into_distribution_nothing_is_said_of_pulp() {
    let registries = Registries::from_env();
    let dst = format!("{}/{}", registries.strict(), unique("pulp-summary-not"));
    let run = waybill(&["sync", &format!("{}/fixtures/plain", registries.foreign()), &dst, "--json"], &[]);
    let report: Value = serde_json::from_str(&run.expect(0).stdout).unwrap();
    assert!(report.get("pulp").is_none(), "{report}");
    let run = waybill(&["sync", &format!("{}/fixtures/plain", registries.foreign()), &dst], &[]).expect(0);
    assert!(!run.stdout.contains("Pulp") && !run.stderr.contains("Pulp"), "{}{}", run.stdout, run.stderr);
}
