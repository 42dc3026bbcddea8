//! A source repository for the mirroring suites (sync, save), built on the urls-allowing registry
//! from the seeded fixtures: six tags (a Windows-like image with two foreign layers, a
//! multi-platform index, an attested index, plain images) and, for the plain image, a
//! cosign-style signature tag and an SBOM artifact with a `subject` reachable through the
//! referrers tag schema (distribution 2.8 has no referrers API).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Registries, curl, sha256, unique, waybill};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// The source repository and what the tests compare against.
pub struct Source {
    /// `host:port/path`.
    pub repo: String,
    /// The six tags.
    pub tags: Vec<&'static str>,
    /// The companion tags of `plain` (the save suite, which leaves companions out, reads none).
    #[allow(dead_code)]
    pub companions: Vec<String>,
}

fn tmp_file(bytes: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sync-{}", sha256(bytes)));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Uploads a blob (POST, then PUT with the digest) straight to distribution.
pub fn push_blob(base: &str, repo: &str, bytes: &[u8]) -> Value {
    let head = curl(&[
        "-s",
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-X",
        "POST",
        &format!("{base}/v2/{repo}/blobs/uploads/"),
    ]);
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("Location: ").or_else(|| l.strip_prefix("location: ")))
        .expect("upload location")
        .trim()
        .to_owned();
    let location = if location.starts_with("http") { location } else { format!("{base}{location}") };
    let separator = if location.contains('?') { '&' } else { '?' };
    let digest = sha256(bytes);
    let file = tmp_file(bytes);
    let url = format!("{location}{separator}digest={digest}");
    let status = super::curl_status(&[
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        &format!("@{}", file.display()),
        &url,
    ]);
    assert_eq!(status, "201", "blob upload");
    json!({ "digest": digest, "size": bytes.len() })
}

/// PUTs a manifest under `reference` and returns its descriptor.
pub fn put_manifest(base: &str, repo: &str, reference: &str, media_type: &str, manifest: &Value) -> Value {
    let bytes = serde_json::to_vec(manifest).unwrap();
    let file = tmp_file(&bytes);
    let status = super::curl_status(&[
        "-X",
        "PUT",
        "-H",
        &format!("Content-Type: {media_type}"),
        "--data-binary",
        &format!("@{}", file.display()),
        &format!("{base}/v2/{repo}/manifests/{reference}"),
    ]);
    assert_eq!(status, "201", "manifest {reference}");
    json!({ "mediaType": media_type, "digest": sha256(&bytes), "size": bytes.len() })
}

/// Builds the source repository on the urls-allowing registry, from the seeded fixtures.
pub fn source(registries: &Registries) -> Source {
    let path = unique("mirror-src");
    let repo = format!("{}/{path}", registries.foreign());
    let copies: [(&str, &str, &[&str]); 6] = [
        ("fixtures/origin-story:windows-amd64-1.13.0", "win", &["--allow-foreign-layers"]),
        ("fixtures/multi:v1", "multi", &["--all-platforms"]),
        ("fixtures/attested:v1", "attested", &["--all-platforms"]),
        ("fixtures/plain:v1", "plain", &[]),
        ("fixtures/plain:v1", "1.0", &[]),
        ("fixtures/plain:v1", "1.1", &[]),
    ];
    for (fixture, tag, flags) in copies {
        let mut args = vec!["copy"];
        args.extend_from_slice(flags);
        let (from, to) = (registries.source(fixture), format!("{repo}:{tag}"));
        args.extend([from.as_str(), to.as_str()]);
        waybill(&args, &[]).expect(0);
    }
    let base = &registries.foreign_url;
    let plain = registries.fixture("fixtures/plain:v1")["manifest"].clone();
    let hex = plain["digest"].as_str().unwrap().trim_start_matches("sha256:").to_owned();
    // cosign's signature: a manifest under sha256-<hex>.sig.
    let payload = push_blob(base, &path, br#"{"critical":{"type":"cosign container image signature"}}"#);
    let config = push_blob(base, &path, b"{}");
    let empty = |d: &Value| json!({ "mediaType": "application/vnd.oci.empty.v1+json", "digest": d["digest"], "size": 2 });
    let signature = json!({ "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": empty(&config),
        "layers": [{ "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": payload["digest"], "size": payload["size"],
                     "annotations": { "dev.cosignproject.cosign/signature": "MEUCIQ" } }] });
    put_manifest(base, &path, &format!("sha256-{hex}.sig"), OCI_MANIFEST, &signature);
    // An SBOM with a subject, and the referrers tag schema's index naming it.
    let sbom = push_blob(base, &path, br#"{"spdxVersion":"SPDX-2.3"}"#);
    let artifact = json!({ "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/spdx+json",
        "config": empty(&config), "layers": [{ "mediaType": "application/spdx+json", "digest": sbom["digest"], "size": sbom["size"] }],
        "subject": plain });
    let digest = sha256(&serde_json::to_vec(&artifact).unwrap());
    let mut entry = put_manifest(base, &path, &digest, OCI_MANIFEST, &artifact);
    entry["artifactType"] = json!("application/spdx+json");
    put_manifest(
        base,
        &path,
        &format!("sha256-{hex}"),
        OCI_INDEX,
        &json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry] }),
    );
    Source {
        repo,
        tags: copies.iter().map(|(_, tag, _)| *tag).collect(),
        companions: vec![format!("sha256-{hex}"), format!("sha256-{hex}.sig")],
    }
}
