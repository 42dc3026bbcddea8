//! What the layer explorer's suites share: the fixture images make_images.py recorded under
//! "explorer" (every layer's file list, each merged view, the expected diff), and `waybill ls`,
//! `cat` and `diff` run and compared against them.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::process::{Command, Stdio};

use serde_json::Value;

use super::{Registries, waybill, waybill_bin};

/// The explorer fixtures: `images` (repo:tag → summary) and `diffs`.
pub fn explorer(registries: &Registries) -> &Value {
    let explorer = &registries.fixtures["explorer"];
    assert!(
        explorer["images"].as_object().is_some_and(|m| !m.is_empty()),
        "no explorer fixtures in the seed summary: run scripts/registry seed"
    );
    explorer
}

/// The repo:tag names of the explorer fixtures, sorted.
pub fn fixture_names(registries: &Registries) -> Vec<String> {
    let mut names: Vec<String> =
        explorer(registries)["images"].as_object().expect("images").keys().cloned().collect();
    names.sort();
    names
}

/// One fixture's summary.
pub fn fixture<'a>(registries: &'a Registries, name: &str) -> &'a Value {
    let summary = &explorer(registries)["images"][name];
    assert!(summary.is_object(), "fixture {name} missing: run scripts/registry seed");
    summary
}

/// The first (only) recorded diff: {"a", "b", "layers", "config", "files"}.
pub fn expected_diff(registries: &Registries) -> &Value {
    &explorer(registries)["diffs"][0]
}

/// `waybill ARGS` that must succeed; its stdout parsed as JSON.
pub fn json(args: &[&str]) -> Value {
    let run = waybill(args, &[]).expect(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("waybill {args:?}: {e}: {}", run.stdout))
}

/// Listed entries reduced to what both sides record: path, type, size, mode, link, and the layer
/// when `with_layer`.
pub fn comparable(entries: &Value, with_layer: bool) -> Vec<Value> {
    entries
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let mut v = serde_json::json!({
                "path": e["path"], "type": e["type"], "size": e["size"], "mode": e["mode"], "link": e["link"],
            });
            if with_layer {
                v["layer"] = e["layer"].clone();
            }
            v
        })
        .collect()
}

/// Checks `ls --layer N --json` of every layer, and `ls --json` and `ls --merged --json`, of
/// `target` against the fixture's recorded lists; `digest` is what the listing must name.
pub fn check_listings(target: &str, summary: &Value, digest: &str) {
    let layers = summary["layers"].as_array().expect("layers");
    for (i, layer) in layers.iter().enumerate() {
        let n = (i + 1).to_string();
        let listing = json(&["ls", target, "--layer", &n, "--json"]);
        assert_eq!(listing["reference"], target);
        assert_eq!(listing["digest"], digest, "{target} layer {n}");
        assert_eq!(
            comparable(&listing["entries"], false),
            comparable(&layer["files"], false),
            "{target} layer {n}"
        );
        for e in listing["entries"].as_array().expect("entries") {
            assert_eq!(e["layer"], i + 1, "{target} layer {n}: {e}");
        }
    }
    let expected = comparable(&summary["merged"], true);
    for args in [&["ls", target, "--json"][..], &["ls", target, "--merged", "--json"]] {
        let listing = json(args);
        assert_eq!(comparable(&listing["entries"], true), expected, "{args:?}");
    }
}

/// `waybill cat TARGET PATH`: exit code, stdout bytes and stderr.
pub fn cat(target: &str, path: &str) -> (i32, Vec<u8>, String) {
    let output = Command::new(waybill_bin())
        .args(["cat", target, path])
        .stdin(Stdio::null())
        .env_remove("WAYBILL_USERNAME")
        .env_remove("WAYBILL_PASSWORD")
        .output()
        .expect("run waybill cat");
    (output.status.code().unwrap_or(-1), output.stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

/// `cat` of every regular file and hard link of the merged view gives bytes with the recorded
/// sha256 (a hard link: its target's).
pub fn check_cat(target: &str, summary: &Value) {
    let merged = summary["merged"].as_array().expect("merged");
    let sha_of = |path: &str| merged.iter().find(|e| e["path"] == path).and_then(|e| e["sha256"].as_str());
    let mut files = 0;
    for e in merged {
        let path = e["path"].as_str().expect("path");
        let expected = match e["type"].as_str() {
            Some("file") => e["sha256"].as_str(),
            Some("hardlink") => sha_of(e["link"].as_str().expect("link")),
            _ => continue,
        };
        let (code, bytes, stderr) = cat(target, path);
        assert_eq!(code, 0, "cat {target} {path}: {stderr}");
        assert_eq!(Some(super::sha256(&bytes).as_str()), expected, "cat {target} {path}");
        files += 1;
    }
    assert!(files > 0, "{target}: no file to cat");
}

/// `diff --json` of `a` and `b` is exactly the recorded diff (config compared as a map, changed
/// files by path and fields). Layers are compared by count when `by_digest` is off (an archive
/// stores layers uncompressed, under other digests).
pub fn check_diff(a: &str, b: &str, expected: &Value, by_digest: bool) {
    let diff = json(&["diff", a, b, "--json"]);
    for side in ["shared", "only_a", "only_b"] {
        let (got, want) = (&diff["layers"][side], &expected["layers"][side]);
        if by_digest {
            assert_eq!(got, want, "layers.{side}");
        } else {
            assert_eq!(got.as_array().map(Vec::len), want.as_array().map(Vec::len), "layers.{side}: {got}");
        }
    }
    let config: serde_json::Map<String, Value> = diff["config"]
        .as_array()
        .expect("config")
        .iter()
        .map(|c| {
            (c["field"].as_str().expect("field").to_owned(), serde_json::json!({"a": c["a"], "b": c["b"]}))
        })
        .collect();
    assert_eq!(Value::Object(config), expected["config"]);
    assert_eq!(diff["files"]["added"], expected["files"]["added"]);
    assert_eq!(diff["files"]["removed"], expected["files"]["removed"]);
    let changed: serde_json::Map<String, Value> = diff["files"]["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .map(|c| (c["path"].as_str().expect("path").to_owned(), c["fields"].clone()))
        .collect();
    assert_eq!(Value::Object(changed), expected["files"]["changed"]);
}

/// `ls --hash` of every layer and of the merged view of `target`: each regular file's `sha256` is
/// the one the fixture generator recorded from the bytes it wrote, and what `cat` reads back
/// hashes to the merged listing's; nothing but regular files carries one. Without `--hash` the
/// JSON has no `sha256` at all (the field names scripts depend on are unchanged).
pub fn check_hashes(target: &str, summary: &Value) {
    let hashed = |entries: &Value, want: &Value, what: &str| {
        let (got, want) = (entries.as_array().expect("entries"), want.as_array().expect("recorded"));
        assert_eq!(got.len(), want.len(), "{what}");
        let mut files = 0;
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g["path"], w["path"], "{what}");
            if w["type"] == "file" {
                assert!(w["sha256"].is_string(), "{what}: the fixture records no sha256 for {w}");
                assert_eq!(g["sha256"], w["sha256"], "{what}: {}", g["path"]);
                files += 1;
            } else {
                assert!(g.get("sha256").is_none(), "{what}: a {} with a sha256: {g}", g["type"]);
            }
        }
        files
    };
    let mut files = 0;
    for (i, layer) in summary["layers"].as_array().expect("layers").iter().enumerate() {
        let n = (i + 1).to_string();
        let listing = json(&["ls", target, "--layer", &n, "--hash", "--json"]);
        files += hashed(&listing["entries"], &layer["files"], &format!("{target} layer {n}"));
        let plain = json(&["ls", target, "--layer", &n, "--json"]);
        let entries = plain["entries"].as_array().expect("entries");
        assert!(
            entries.iter().all(|e| e.get("sha256").is_none()),
            "{target} layer {n} hashed without --hash"
        );
    }
    let merged = json(&["ls", target, "--hash", "--json"]);
    files += hashed(&merged["entries"], &summary["merged"], &format!("{target} merged"));
    assert!(files > 0, "{target}: no regular file listed");
    for e in merged["entries"].as_array().expect("entries").iter().filter(|e| e["type"] == "file") {
        let path = e["path"].as_str().expect("path");
        let (code, bytes, stderr) = cat(target, path);
        assert_eq!(code, 0, "cat {target} {path}: {stderr}");
        assert_eq!(Some(super::sha256(&bytes).as_str()), e["sha256"].as_str(), "cat {target} {path}");
    }
    // As text: the hex digest in a column before the path, `-` for what is not a regular file.
    let text = waybill(&["ls", target, "--hash"], &[]).expect(0).stdout;
    for e in merged["entries"].as_array().expect("entries") {
        let path = e["path"].as_str().expect("path");
        let column = e["sha256"].as_str().map_or("-", |d| d.trim_start_matches("sha256:"));
        let line =
            text.lines().find(|l| l.ends_with(&format!("  {path}")) || l.contains(&format!("  {path} ")));
        let line = line.unwrap_or_else(|| panic!("{path} not in the text listing:\n{text}"));
        assert!(line.contains(&format!("  {column:<64}  {path}")), "{path}: {line}");
    }
}
