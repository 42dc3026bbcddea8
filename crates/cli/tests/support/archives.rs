//! Archive files for the integration tests, written by real third-party tools and generated at
//! test time (nothing committed): `skopeo copy … docker-archive:` and `oci-archive:` from the
//! seeded distribution registry, `gzip` for a compressed docker-save, GNU `tar` to combine two
//! skopeo archives into one (skopeo writes one image per docker-archive) and to add what skopeo
//! cannot write (`LayerSources`). And the check that a pushed image reads back whole: every blob
//! pulled from Pulp with curl and hashed here with sha2.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{Pulp, Registries, curl, sha256, skopeo_raw};

/// A fresh directory under Cargo's per-target temp dir.
/// `bytes` decompressed by the system's `gzip` or `zstd` (`-dc`), not by the code that
/// compressed them.
pub fn system_decompress(tool: &str, bytes: &[u8]) -> Vec<u8> {
    let file = work_dir("decompress").join("blob");
    std::fs::write(&file, bytes).expect("write the blob");
    let out = Command::new(tool).arg("-dc").arg(&file).output().expect("run the decompressor");
    assert!(out.status.success(), "{tool} -dc: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

pub fn work_dir(name: &str) -> PathBuf {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}-{nanos:x}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the work dir");
    dir
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `skopeo copy docker://<fixture on the urls-allow registry> docker-archive:<path>:<name>`,
/// with `--additional-tag` for each of `more_tags`.
pub fn docker_archive(registries: &Registries, fixture: &str, path: &Path, more_tags: &[&str]) {
    let mut args = vec!["copy".to_owned(), "-q".into(), "--src-tls-verify=false".into()];
    for tag in more_tags {
        args.push(format!("--additional-tag={tag}"));
    }
    args.push(format!("docker://{}", registries.source(fixture)));
    args.push(format!("docker-archive:{}:{fixture}", path.display()));
    run("skopeo", &args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// `skopeo copy … oci-archive:<path>:<fixture>`; `--all` keeps every platform of an index.
pub fn oci_archive(registries: &Registries, fixture: &str, path: &Path, all: bool) {
    let source = format!("docker://{}", registries.source(fixture));
    let dest = format!("oci-archive:{}:{fixture}", path.display());
    let mut args = vec!["copy", "-q", "--src-tls-verify=false"];
    if all {
        args.push("--all");
    }
    args.extend([source.as_str(), dest.as_str()]);
    run("skopeo", &args);
}

/// `gzip -c <path> > <path>.gz` with the system gzip.
pub fn gzip_file(path: &Path) -> PathBuf {
    let out = PathBuf::from(format!("{}.gz", path.display()));
    let output = Command::new("gzip").args(["-c", "-6"]).arg(path).output().expect("run gzip");
    assert!(output.status.success(), "gzip: {}", String::from_utf8_lossy(&output.stderr));
    std::fs::write(&out, output.stdout).expect("write the .gz");
    out
}

/// Extracts a tar with GNU tar.
pub fn untar(archive: &Path, into: &Path) {
    std::fs::create_dir_all(into).expect("mkdir");
    run("tar", &["-xf", &archive.display().to_string(), "-C", &into.display().to_string()]);
}

/// Packs a directory with GNU tar (entries come out as `./name`, with a `./` root entry).
pub fn tar_dir(dir: &Path, out: &Path) {
    run("tar", &["-cf", &out.display().to_string(), "-C", &dir.display().to_string(), "."]);
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read JSON")).expect("parse JSON")
}

/// One docker-save archive holding the images of several: the files of all, and the entries of
/// every `manifest.json` (and tags of every `repositories`) concatenated.
pub fn merge_docker_archives(parts: &[&Path], out: &Path) {
    let dir = work_dir("merge");
    let mut entries = Vec::new();
    let mut repositories = serde_json::Map::new();
    for (i, part) in parts.iter().enumerate() {
        let sub = dir.join(format!("part{i}"));
        untar(part, &sub);
        entries
            .extend(read_json(&sub.join("manifest.json")).as_array().expect("manifest.json array").clone());
        if let Some(repos) = read_json(&sub.join("repositories")).as_object() {
            repositories.extend(repos.clone());
        }
        run("cp", &["-a", &format!("{}/.", sub.display()), &dir.join("all").display().to_string()]);
    }
    std::fs::write(dir.join("all/manifest.json"), serde_json::to_vec(&entries).expect("JSON"))
        .expect("write");
    std::fs::write(dir.join("all/repositories"), serde_json::to_vec(&repositories).expect("JSON"))
        .expect("write");
    tar_dir(&dir.join("all"), out);
}

/// A foreign layer to describe in `LayerSources`.
pub struct Foreign {
    /// Its diff ID (the key).
    pub diff_id: String,
    /// Its registry descriptor (`mediaType`, `size`, `digest`, `urls`).
    pub descriptor: Value,
    /// Replace the layer's uncompressed tar with the blob itself (the bytes at `descriptor`'s
    /// digest), as an archive that carries the blob does.
    pub with_blob: Option<Vec<u8>>,
}

/// Rewrites a skopeo docker-archive as `docker save` would have written it for an image with
/// foreign layers: `LayerSources` in manifest.json, and optionally the blob in place of the tar.
pub fn with_layer_sources(archive: &Path, out: &Path, foreign: &[Foreign]) {
    let dir = work_dir("layersources");
    untar(archive, &dir);
    let mut manifest = read_json(&dir.join("manifest.json"));
    let entry = &mut manifest[0];
    let mut sources = serde_json::Map::new();
    for f in foreign {
        sources.insert(f.diff_id.clone(), f.descriptor.clone());
        if let Some(blob) = &f.with_blob {
            // skopeo names each layer file for its diff ID.
            let hex = f.diff_id.trim_start_matches("sha256:");
            let layers = entry["Layers"].as_array_mut().expect("Layers");
            let position =
                layers.iter().position(|l| l.as_str() == Some(&format!("{hex}.tar"))).expect("layer file");
            let digest_hex =
                f.descriptor["digest"].as_str().expect("digest").trim_start_matches("sha256:").to_owned();
            std::fs::write(dir.join(format!("{digest_hex}.tar.gz")), blob).expect("write blob");
            layers[position] = Value::String(format!("{digest_hex}.tar.gz"));
        }
    }
    entry["LayerSources"] = Value::Object(sources);
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec(&manifest).expect("JSON")).expect("write");
    tar_dir(&dir, out);
}

/// A blob from the urls-allow registry, by digest.
pub fn registry_blob(registries: &Registries, repository: &str, digest: &str) -> Vec<u8> {
    let out = work_dir("blob").join("blob");
    let status = curl(&[
        "-s",
        "-o",
        &out.display().to_string(),
        "-w",
        "%{http_code}",
        &format!("{}/v2/{repository}/blobs/{digest}", registries.foreign_url),
    ]);
    assert_eq!(status, "200", "GET {digest} from {repository}");
    let bytes = std::fs::read(&out).expect("read blob");
    assert_eq!(sha256(&bytes), digest);
    bytes
}

/// Reads an image back from Pulp: the manifest with skopeo (`inspect --raw`), every blob it
/// references with curl (following Pulp's redirect to its content app), each hashed here and
/// checked against its descriptor's digest and size. For an index, every image of it too.
/// Returns the top manifest's bytes.
pub fn pull_back_and_check(pulp: &Pulp, repository: &str, reference: &str) -> Vec<u8> {
    let raw =
        skopeo_raw(&format!("{}/{repository}{}", pulp.host(), separator(reference)), Some(&pulp.creds()));
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest JSON");
    if let Some(children) = manifest["manifests"].as_array() {
        for child in children {
            let digest = child["digest"].as_str().expect("digest");
            let bytes = pull_back_and_check(pulp, repository, digest);
            assert_eq!(sha256(&bytes), digest);
            assert_eq!(bytes.len() as u64, child["size"].as_u64().expect("size"));
        }
        return raw;
    }
    let mut descriptors = vec![manifest["config"].clone()];
    descriptors.extend(manifest["layers"].as_array().expect("layers").iter().cloned());
    for d in descriptors {
        let digest = d["digest"].as_str().expect("digest");
        let bytes = pulp_blob(pulp, repository, digest);
        assert_eq!(sha256(&bytes), digest, "blob {digest} read back from Pulp");
        assert_eq!(bytes.len() as u64, d["size"].as_u64().expect("size"), "size of {digest}");
    }
    raw
}

fn separator(reference: &str) -> String {
    if reference.contains(':') && reference.starts_with("sha256") {
        format!("@{reference}")
    } else {
        format!(":{reference}")
    }
}

/// One blob from Pulp's registry API.
pub fn pulp_blob(pulp: &Pulp, repository: &str, digest: &str) -> Vec<u8> {
    let out = work_dir("pulled").join("blob");
    let status = curl(&[
        "-s",
        "-L",
        "-u",
        &pulp.creds(),
        "-o",
        &out.display().to_string(),
        "-w",
        "%{http_code}",
        &format!("{}/v2/{repository}/blobs/{digest}", pulp.url),
    ]);
    assert_eq!(status, "200", "GET {digest} from Pulp's {repository}");
    std::fs::read(&out).expect("read the pulled blob")
}
