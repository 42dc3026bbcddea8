//! `waybill ls`, `cat` and `diff` against the real distribution registry, on the fixture images
//! make_images.py built with known contents (`scripts/registry up && scripts/registry seed`):
//! every layer's listing and the merged view equal the generator's lists, the whiteout fixture's
//! merged view hides what it must, `cat` returns each file's bytes, `diff` of the two tags gives
//! exactly the recorded differences, and `ls --history` lines the layers up with the history.

mod support;
use support::explorer::{
    check_cat, check_diff, check_hashes, check_listings, expected_diff, fixture, fixture_names, json,
};
use support::{Registries, waybill};

fn reference(registries: &Registries, name: &str) -> String {
    registries.source(name)
}

#[test]
fn listings_of_every_layer_and_the_merged_view_are_the_generators() {
    let registries = Registries::from_env();
    let names = fixture_names(&registries);
    assert_eq!(names.len(), 3, "{names:?}");
    for name in &names {
        let summary = fixture(&registries, name);
        let digest = summary["manifest"]["digest"].as_str().expect("digest");
        check_listings(&reference(&registries, name), summary, digest);
    }
}

#[test]
fn ls_hash_gives_each_files_sha256_as_recorded_and_as_cat_reads_it() {
    let registries = Registries::from_env();
    for name in fixture_names(&registries) {
        check_hashes(&reference(&registries, &name), fixture(&registries, &name));
    }
}

#[test]
fn the_whiteout_fixtures_merged_view_hides_what_its_layers_delete() {
    let registries = Registries::from_env();
    let name =
        fixture_names(&registries).into_iter().find(|n| n.contains("explorer-whiteout")).expect("fixture");
    let listing = json(&["ls", &reference(&registries, &name), "--json"]);
    let entries = listing["entries"].as_array().expect("entries");
    let at = |path: &str| entries.iter().find(|e| e["path"] == path);
    // A whiteout of a file, of a directory (and its contents), and an opaque directory.
    for gone in
        ["etc/remove-me.txt", "var/cache", "var/cache/x.cache", "usr/share/doc/a.txt", "usr/share/doc/b.txt"]
    {
        assert!(at(gone).is_none(), "{gone} is still listed");
    }
    assert!(!entries.iter().any(|e| e["path"].as_str().is_some_and(|p| p.contains("long-long"))), "opaque");
    assert_eq!(at("usr/share/doc/c.txt").map(|e| e["layer"].clone()), Some(2.into()));
    assert_eq!(
        at("opt/app/run.sh").map(|e| (e["layer"].clone(), e["mode"].clone())),
        Some((3.into(), 0o700.into()))
    );
    assert_eq!(at("opt/app/data.bin").map(|e| e["size"].clone()), Some(5000.into()));
    assert!(entries.iter().all(|e| e["type"] != "whiteout" && e["type"] != "opaque"), "markers listed");
}

#[test]
fn cat_returns_every_files_bytes_and_refuses_deleted_ones() {
    let registries = Registries::from_env();
    for name in fixture_names(&registries) {
        check_cat(&reference(&registries, &name), fixture(&registries, &name));
    }
    let whiteout =
        fixture_names(&registries).into_iter().find(|n| n.contains("explorer-whiteout")).expect("fixture");
    let target = reference(&registries, &whiteout);
    let (code, bytes, stderr) = support::explorer::cat(&target, "/etc/remove-me.txt");
    assert_eq!((code, bytes.len()), (1, 0), "{stderr}");
    assert!(stderr.contains("layer 2 deleted etc/remove-me.txt"), "{stderr}");
    let (code, _, stderr) = support::explorer::cat(&target, "usr/share/doc/a.txt");
    assert_eq!(code, 1);
    assert!(stderr.contains("layer 2 made usr/share/doc opaque"), "{stderr}");
    // A symbolic link is followed inside the image.
    let (code, bytes, _) = support::explorer::cat(&target, "bin/ls");
    let busybox = fixture(&registries, &whiteout)["layers"][0]["files"][1]["sha256"].clone();
    assert_eq!((code, serde_json::Value::from(support::sha256(&bytes))), (0, busybox));
}

#[test]
fn diff_of_the_two_tags_is_exactly_the_known_differences() {
    let registries = Registries::from_env();
    let expected = expected_diff(&registries);
    let (a, b) = (expected["a"].as_str().expect("a"), expected["b"].as_str().expect("b"));
    check_diff(&reference(&registries, a), &reference(&registries, b), expected, true);
    // The same image on both sides: nothing differs, every layer is shared.
    let same = json(&["diff", &reference(&registries, a), &reference(&registries, a), "--json"]);
    assert_eq!(same["config"], serde_json::json!([]));
    assert_eq!(same["files"], serde_json::json!({"added": [], "removed": [], "changed": []}));
    assert_eq!(same["layers"]["shared"].as_array().map(Vec::len), Some(2));
    let text =
        waybill(&["diff", &reference(&registries, a), &reference(&registries, b)], &[]).expect(0).stdout;
    assert!(text.contains("~ app/mode.sh (mode 0644 -> 0755)"), "{text}");
}

#[test]
fn history_lines_up_with_the_layers_and_marks_empty_steps() {
    let registries = Registries::from_env();
    let name =
        fixture_names(&registries).into_iter().find(|n| n.contains("explorer-whiteout")).expect("fixture");
    let summary = fixture(&registries, &name);
    let history = json(&["ls", &reference(&registries, &name), "--history", "--json"]);
    let steps = history["history"]["steps"].as_array().expect("steps");
    let recorded = summary["history"].as_array().expect("history");
    assert_eq!(steps.len(), recorded.len());
    let mut next = 0;
    for (step, want) in steps.iter().zip(recorded) {
        assert_eq!(step["created_by"], want["created_by"]);
        assert_eq!(step["empty_layer"], want["empty_layer"]);
        if want["empty_layer"] == true {
            assert!(step.get("layer").is_none(), "{step}");
        } else {
            next += 1;
            assert_eq!(step["layer"], next, "{step}");
        }
    }
    assert!(history["history"].get("mismatch").is_none());
    let layers = history["layers"].as_array().expect("layers");
    let digests: Vec<&serde_json::Value> =
        summary["layers"].as_array().expect("layers").iter().map(|l| &l["digest"]).collect();
    assert_eq!(layers.iter().map(|l| &l["digest"]).collect::<Vec<_>>(), digests);
}

#[test]
fn a_layer_number_past_the_end_and_a_platform_on_a_single_image_are_errors() {
    let registries = Registries::from_env();
    let name = &fixture_names(&registries)[0];
    let run = waybill(&["ls", &reference(&registries, name), "--layer", "9"], &[]).expect(1);
    assert!(run.stderr.contains("there is no layer 9"), "{}", run.stderr);
    let run = waybill(&["ls", &reference(&registries, name), "--platform", "linux/arm64"], &[]).expect(1);
    assert!(run.stderr.contains("single image"), "{}", run.stderr);
}

/// The 40 MiB file of `fixtures/big:v1` is never held: listing its layer and writing it out both
/// peak under 32 MiB (waybill's own VmHWM, debug build).
#[test]
fn a_layer_larger_than_the_memory_bound_is_listed_and_read_in_bounded_memory() {
    let registries = Registries::from_env();
    let size = registries.fixture("fixtures/big:v1")["layers"][0]["size"].as_u64().expect("size");
    let target = registries.source("fixtures/big:v1");
    let (run, listing_peak) = support::waybill_peak_rss(&["ls", &target, "--layer", "1"]);
    let run = run.expect(0);
    assert!(run.stdout.contains(" 41943040 ") && run.stdout.contains("big/random.bin"), "{}", run.stdout);
    let (run, cat_peak) = support::waybill_peak_rss(&["cat", &target, "big/random.bin"]);
    run.expect(0);
    eprintln!(
        "a {size}-byte gzip layer: ls peak {} KiB, cat peak {} KiB",
        listing_peak >> 10,
        cat_peak >> 10
    );
    assert!(listing_peak < 32 << 20, "ls peaked at {listing_peak} bytes");
    assert!(cat_peak < 32 << 20, "cat peaked at {cat_peak} bytes");
    let (code, bytes, stderr) = support::explorer::cat(&target, "big/random.bin");
    assert_eq!((code, bytes.len()), (0, 41_943_040), "{stderr}");
}
