//! The real problem, reproduced with Pulp's own sync: a Pulp remote on the fixture registry's
//! Windows-like repository, synced by Pulp, keeps the manifest and drops its two foreign blobs.
//! `waybill audit` names exactly that manifest, the two missing blobs and the tag; a repository
//! that `waybill copy --allow-foreign-layers` pushed is clean, and so is the synced one once
//! `waybill sync --allow-foreign-layers` has brought the tag's blobs into it.

mod support;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Pulp, Registries, curl, foreign_layers, unique, waybill};

const TAG: &str = "windows-amd64-1.13.0";

/// A Pulp REST call with a JSON body; returns the answer.
fn post(pulp: &Pulp, path: &str, body: &Value) -> Value {
    let url = if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", pulp.url) };
    let out = curl(&[
        "-sf",
        "-u",
        &pulp.creds(),
        "-H",
        "Content-Type: application/json",
        "-d",
        &body.to_string(),
        &url,
    ]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{path}: {e}: {out}"))
}

/// Waits for a Pulp task to finish (its state is the condition), failing on its error.
fn wait_for(pulp: &Pulp, task: &Value) {
    let href = task["task"].as_str().unwrap_or_else(|| panic!("no task in {task}"));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let state: Value =
            serde_json::from_str(&curl(&["-sf", "-u", &pulp.creds(), &format!("{}{href}", pulp.url)]))
                .unwrap();
        match state["state"].as_str() {
            Some("completed") => return,
            Some("failed" | "canceled") => panic!("Pulp task {href}: {state}"),
            _ => assert!(Instant::now() < deadline, "Pulp task {href} still {}", state["state"]),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn audit(pulp: &Pulp, repository: &str, code: i32) -> Value {
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let run = waybill(&["audit", &pulp.url, "--repository", repository, "--json"], &login).expect(code);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn pulps_own_sync_drops_foreign_blobs_and_the_audit_names_them() {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let fixture = registries.fixture(&format!("fixtures/origin-story:{TAG}"));
    let name = unique("pulp-synced").replace('/', "-");
    let remote = post(
        &pulp,
        "/pulp/api/v3/remotes/container/container/",
        &json!({
            "name": name, "url": registries.foreign_url, "upstream_name": "fixtures/origin-story", "include_tags": [TAG],
        }),
    );
    let repository = post(&pulp, "/pulp/api/v3/repositories/container/container/", &json!({ "name": name }));
    let sync = format!("{}sync/", repository["pulp_href"].as_str().unwrap());
    wait_for(&pulp, &post(&pulp, &sync, &json!({ "remote": remote["pulp_href"] })));
    wait_for(
        &pulp,
        &post(
            &pulp,
            "/pulp/api/v3/distributions/container/container/",
            &json!({
                "name": name, "base_path": name, "repository": repository["pulp_href"],
            }),
        ),
    );

    let report = audit(&pulp, &name, 3);
    let repositories = report["repositories"].as_array().unwrap();
    assert_eq!(repositories.len(), 1, "{report}");
    let manifests = repositories[0]["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1, "{report}");
    assert_eq!(manifests[0]["digest"], fixture["manifest"]["digest"]);
    assert_eq!(manifests[0]["tags"], json!([TAG]));
    let mut missing: Vec<String> = manifests[0]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_owned())
        .collect();
    missing.sort();
    let mut expected = foreign_layers(fixture);
    expected.sort();
    assert_eq!(missing, expected, "exactly the two foreign blobs");
    assert_eq!(report["missing_blobs"], 2);
    let sizes: u64 = fixture["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["foreign"] == true)
        .map(|l| l["size"].as_u64().unwrap())
        .sum();
    assert_eq!(report["missing_bytes"], sizes);
    assert!(manifests[0]["missing"][0]["urls"][0].as_str().unwrap().starts_with("https://"), "{report}");

    // What the audit suggests: the tag copied in with its foreign layers allowed is whole.
    let pushed = unique("pulp-pushed");
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let destination = format!("{}/{pushed}:{TAG}", pulp.host());
    waybill(
        &[
            "copy",
            "--allow-foreign-layers",
            &registries.source(&format!("fixtures/origin-story:{TAG}")),
            &destination,
        ],
        &login,
    )
    .expect(0);
    let report = audit(&pulp, &pushed, 0);
    let manifests = report["repositories"][0]["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1, "{report}");
    assert_eq!(manifests[0]["missing"], json!([]), "{report}");
    assert_eq!(report["missing_blobs"], 0);

    // Into the synced repository itself, by `sync`: it has the manifest, not the blobs, so the tag
    // is not "up to date"; its foreign blobs are uploaded and Pulp adds a version that is whole.
    let synced = format!("{}/{name}", pulp.host());
    let source = registries.source("fixtures/origin-story");
    let out = waybill(
        &[
            "sync",
            "--allow-foreign-layers",
            "--include-tags",
            TAG,
            "--no-referrers",
            "--json",
            &source,
            &synced,
        ],
        &login,
    )
    .expect(0);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["tags"][0]["tag"], TAG, "{summary}");
    assert_eq!(summary["tags"][0]["outcome"], "copied", "{summary}");
    let report = audit(&pulp, &name, 0);
    assert_eq!(report["repositories"][0]["manifests"][0]["missing"], json!([]), "{report}");
    assert_eq!(report["repositories"][0]["version"], 2, "{report}");
}
