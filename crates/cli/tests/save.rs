//! `waybill save` from the real distribution, read by skopeo (`oci-archive:FILE:TAG`) and by
//! `waybill load` into the real Pulp: every tag's digest unchanged, foreign blobs inside when
//! allowed, the same bytes twice, and a blob the registry serves wrong leaves no file behind.

mod support;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::archives::work_dir;
use support::mirror::source;
use support::{Pulp, Registries, foreign_layers, skopeo_raw, unique, waybill};

fn skopeo_digest(reference: &str) -> String {
    let out = Command::new("skopeo").args(["inspect", reference]).output().unwrap();
    assert!(out.status.success(), "skopeo inspect {reference}: {}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["Digest"].as_str().unwrap().to_owned()
}

fn members(archive: &Path) -> String {
    let out = Command::new("tar").args(["-tf", &archive.display().to_string()]).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_repository_saved_reads_in_skopeo_loads_into_pulp_and_is_the_same_twice() {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let src = source(&registries);
    let dir = work_dir("save");
    let (first, second) = (dir.join("first.tar"), dir.join("second.tar"));
    for file in [&first, &second] {
        let out = file.display().to_string();
        let run =
            waybill(&["save", &src.repo, "--allow-foreign-layers", "-o", &out, "--json"], &[]).expect(0);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["tags"].as_array().unwrap().len(), src.tags.len(), "{report}");
    }
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
        "saving twice gave different bytes"
    );
    assert!(!Path::new(&format!("{}.partial", first.display())).exists());

    // One repository: each tag is its own ref name, with the source's digest. skopeo
    // (containers/image) names only OCI-typed manifests in a layout; Docker-typed tags keep their
    // Docker manifests, digests unchanged (what Pulp and signatures need), and are read by name
    // by waybill and containerd.
    let archive = first.display().to_string();
    let index = Command::new("tar").args(["-xOf", &archive, "index.json"]).output().unwrap();
    let index: Value = serde_json::from_slice(&index.stdout).unwrap();
    for tag in &src.tags {
        let raw = skopeo_raw(&format!("{}:{tag}", src.repo), None);
        let digest = support::sha256(&raw);
        let entry = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == *tag)
            .unwrap_or_else(|| panic!("{tag} in {index}"));
        assert_eq!(entry["digest"], digest.as_str(), "{tag}");
        let manifest: Value = serde_json::from_slice(&raw).unwrap();
        if manifest["mediaType"].as_str().is_some_and(|m| m.starts_with("application/vnd.oci.")) {
            assert_eq!(
                skopeo_digest(&format!("oci-archive:{archive}:{tag}")),
                digest,
                "{tag} through skopeo"
            );
        }
    }
    let foreign = foreign_layers(registries.fixture("fixtures/origin-story:windows-amd64-1.13.0"));
    let listed = members(&first);
    for digest in &foreign {
        assert!(
            listed.contains(&format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"))),
            "{digest} saved"
        );
    }

    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let path = unique("loaded");
    let dest = format!("{}/{path}", pulp.host());
    waybill(&["load", &archive, &dest, "--allow-foreign-layers"], &login).expect(0);
    for tag in &src.tags {
        let loaded = skopeo_raw(&format!("{dest}:{tag}"), Some(&pulp.creds()));
        assert_eq!(loaded, skopeo_raw(&format!("{}:{tag}", src.repo), None), "{tag} loaded into Pulp");
    }
}

#[test]
fn without_the_flag_the_foreign_tag_is_left_out() {
    let registries = Registries::from_env();
    let src = source(&registries);
    let out = work_dir("save-refused").join("bundle.tar");
    let run = waybill(&["save", &src.repo, "-o", &out.display().to_string(), "--json"], &[]).expect(3);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let refused: Vec<&Value> =
        report["tags"].as_array().unwrap().iter().filter(|t| t["outcome"] == "refused").collect();
    assert_eq!(refused.len(), 1);
    assert!(refused[0]["tag"].as_str().unwrap().ends_with(":win"));
    let index =
        Command::new("tar").args(["-xOf", &out.display().to_string(), "index.json"]).output().unwrap();
    let index: Value = serde_json::from_slice(&index.stdout).unwrap();
    let names: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"win") && names.contains(&"plain"), "{names:?}");
}

#[test]
fn a_wrong_blob_leaves_no_file() {
    let registries = Registries::from_env();
    let path = unique("save-corrupt");
    let layer = unique_image(&registries, &path, "v1", "corrupt");
    // distribution keeps no digest cache here: the file it serves is the one on disk.
    let blobs =
        std::env::var("REGISTRY_FOREIGN_BLOBS").expect("REGISTRY_FOREIGN_BLOBS (scripts/registry env)");
    let hex = layer.trim_start_matches("sha256:");
    let data = Path::new(&blobs).join("sha256").join(&hex[..2]).join(hex).join("data");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();
    let out = work_dir("save-corrupt").join("bundle.tar");
    let run = waybill(
        &["save", &format!("{}/{path}:v1", registries.foreign()), "-o", &out.display().to_string()],
        &[],
    )
    .expect(1);
    assert!(run.stderr.contains(&layer) && run.stderr.contains("was not written"), "{}", run.stderr);
    assert!(!out.exists(), "a failed save left {}", out.display());
    assert!(
        !Path::new(&format!("{}.partial", out.display())).exists(),
        "a failed save left its partial file"
    );
}

/// Pushes an image no other test has (its layer is `seed`-unique bytes) to `path` on the
/// urls-allowing registry under `tag`, and returns its layer's digest.
pub fn unique_image(registries: &Registries, path: &str, tag: &str, seed: &str) -> String {
    let base = &registries.foreign_url;
    let layer_bytes = format!("layer of {seed} {}", unique("bytes")).repeat(64).into_bytes();
    let layer = support::mirror::push_blob(base, path, &layer_bytes);
    let config = support::mirror::push_blob(
        base,
        path,
        &serde_json::to_vec(&json!({ "architecture": "amd64", "os": "linux",
            "rootfs": { "type": "layers", "diff_ids": [layer["digest"]] } }))
        .unwrap(),
    );
    let manifest = json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config["digest"], "size": config["size"] },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer["digest"], "size": layer["size"] }] });
    support::mirror::put_manifest(base, path, tag, "application/vnd.oci.image.manifest.v1+json", &manifest);
    layer["digest"].as_str().unwrap().to_owned()
}
