//! `waybill inspect --file`: the classified layer table and the JSON report of a manifest on
//! disk or on stdin (no server involved).

mod support;
use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{Run, waybill};

const PORTAINER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/manifests/portainer-windows-amd64-1.13.0.json"
);
const FOREIGN_1: &str = "sha256:e863a0d98de7f3a110a6a27c3e3af268411925bf1be443d3a48053f942e61327";
const FOREIGN_2: &str = "sha256:3154cc7e1fd97ba3f0b7dcca7d5aaf7c1b670881555af390d60b5c7c3e358071";

#[test]
fn table_marks_both_foreign_layers_and_totals() {
    let run = waybill(&["inspect", "--file", PORTAINER], &[]).expect(0);
    let foreign_rows: Vec<&str> =
        run.stdout.lines().filter(|l| l.contains("FOREIGN") && l.contains("sha256:")).collect();
    assert_eq!(foreign_rows.len(), 2, "{}", run.stdout);
    assert!(
        foreign_rows[0].contains(FOREIGN_1) && foreign_rows[0].contains("241.0 MiB"),
        "{}",
        foreign_rows[0]
    );
    assert!(
        foreign_rows[1].contains(FOREIGN_2) && foreign_rows[1].contains("116.3 MiB"),
        "{}",
        foreign_rows[1]
    );
    assert!(run.stdout.contains("urls: https://go.microsoft.com/fwlink/?linkid=837858"), "{}", run.stdout);
    // 252691002 + 121971948 + 1228 + 1188 + 5637573 + 1192 + 1170 = 380305301 bytes = 362.7 MiB.
    assert!(run.stdout.contains("7 layers, 362.7 MiB total; 2 foreign (357.3 MiB)"), "{}", run.stdout);
}

#[test]
fn json_keeps_the_agreed_field_names() {
    let run = waybill(&["inspect", "--file", PORTAINER, "--json"], &[]).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_eq!(report["media_type"], "application/vnd.docker.distribution.manifest.v2+json");
    let bytes = std::fs::read(PORTAINER).expect("fixture");
    assert_eq!(report["digest"], support::sha256(&bytes));
    assert_eq!(report["foreign_count"], 2);
    assert_eq!(report["total_size"], 380_305_301);
    let layers = report["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 7);
    assert_eq!(layers[0]["digest"], FOREIGN_1);
    assert_eq!(layers[0]["size"], 252_691_002);
    assert_eq!(layers[0]["foreign"], true);
    assert_eq!(layers[0]["compression"], "gzip");
    assert_eq!(layers[0]["urls"][0], "https://go.microsoft.com/fwlink/?linkid=837858");
    assert_eq!(layers[2]["foreign"], false);
    assert_eq!(layers[2]["urls"].as_array().map(Vec::len), Some(0));
}

#[test]
fn dash_reads_stdin() {
    let mut child = Command::new(support::waybill_bin())
        .args(["inspect", "--file", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn waybill");
    child.stdin.take().expect("stdin").write_all(&std::fs::read(PORTAINER).expect("fixture")).expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["foreign_count"], 2);
}

#[test]
fn errors_exit_1_with_a_message() {
    let Run { code, stderr, .. } = waybill(&["inspect", "--file", "/nonexistent/manifest.json"], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/manifest.json"), "{stderr}");
    let dir = std::env::temp_dir().join(format!("waybill-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("truncated.json");
    std::fs::write(&bad, br#"{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {"#).expect("write");
    let run = waybill(&["inspect", "--file", bad.to_str().expect("path")], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("truncated.json"), "{}", run.stderr);
    // Usage errors are errors too (exit 1), and --help is not.
    assert_eq!(waybill(&["inspect"], &[]).code, 1);
    assert_eq!(waybill(&["--help"], &[]).code, 0);
}
