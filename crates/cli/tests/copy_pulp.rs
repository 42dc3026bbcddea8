//! `waybill copy` and `waybill verify` against the real Pulp: foreign layers allowed (blobs
//! uploaded, urls kept, skopeo sees the same manifest, everything verifies), the Bearer token
//! flow of Pulp's token-auth API, and a blob stored under the wrong digest (Pulp accepts that
//! from a monolithic upload) caught before any manifest is pushed; a buildx index cut down to two
//! platforms, their attestation manifests with them.

mod support;
use serde_json::{Value, json};
use support::relay::{Fault, Relay};
use support::{
    Pulp, Registries, curl, fixture_blobs, foreign_layers, head_status, noise, sha256, skopeo_raw, unique,
    waybill,
};

fn creds(pulp: &Pulp) -> [(&'static str, String); 2] {
    [("WAYBILL_USERNAME", pulp.user.clone()), ("WAYBILL_PASSWORD", pulp.password.clone())]
}

fn env_pairs<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn copy_with_foreign_layers_allowed_uploads_them_and_keeps_urls() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let name = "fixtures/origin-story:windows-amd64-1.13.0";
    let fixture = registries.fixture(name);
    let repository = unique("origin");
    let destination = format!("{}/{repository}:windows-amd64-1.13.0", pulp.host());
    let login = creds(&pulp);
    let run = waybill(
        &["copy", "--allow-foreign-layers", &registries.source(name), &destination],
        &env_pairs(&login),
    )
    .expect(0);
    assert!(run.stdout.contains("8 blobs: 8 uploaded"), "{}", run.stdout);

    // An independent client reads back exactly the bytes of the source manifest.
    let raw = skopeo_raw(&destination, Some(&pulp.creds()));
    assert_eq!(sha256(&raw), fixture["manifest"]["digest"].as_str().expect("digest"));
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest JSON");
    let foreign = foreign_layers(fixture);
    for layer in manifest["layers"].as_array().expect("layers") {
        let digest = layer["digest"].as_str().expect("digest");
        if foreign.iter().any(|f| f == digest) {
            assert!(layer["urls"][0].as_str().is_some_and(|u| u.ends_with(digest)), "urls kept: {layer}");
        }
    }
    // Every blob, the foreign ones included, is in the repository (Pulp redirects blob HEADs to
    // its content app).
    for digest in fixture_blobs(fixture) {
        let status =
            head_status(&format!("{}/v2/{repository}/blobs/{digest}", pulp.url), Some(&pulp.creds()));
        assert_eq!(status, "302", "{digest} in Pulp");
    }
    // Pulled back from Pulp, every blob verifies and every diff_id matches the generator's.
    let run = waybill(&["verify", "--json", &destination], &env_pairs(&login)).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("verify JSON");
    assert_eq!(report["ok"], true);
    let blobs = report["images"][0]["blobs"].as_array().expect("blobs");
    assert_eq!(blobs.len(), 8);
    for blob in blobs {
        assert_eq!(blob["status"]["status"], "verified", "{blob}");
    }
    for (check, layer) in blobs[1..].iter().zip(fixture["layers"].as_array().expect("layers")) {
        assert_eq!(check["digest"], layer["digest"]);
        assert_eq!(check["diff_id"], layer["diffId"], "diff_id of {}", layer["digest"]);
    }
}

#[test]
fn bearer_token_flow_against_pulp_in_token_mode() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    // The token-mode API really asks for Bearer tokens.
    let headers = curl(&["-s", "-D", "-", "-o", "/dev/null", &format!("{}/v2/", pulp.token_url)]);
    assert!(headers.starts_with("HTTP/1.1 401"), "{headers}");
    assert!(headers.to_ascii_lowercase().contains("www-authenticate: bearer realm="), "{headers}");

    let name = "fixtures/plain:v1";
    let repository = unique("token");
    let destination = format!("{}/{repository}:v1", pulp.token_host());
    // Without credentials the push cannot get a token with push rights.
    let refused = waybill(&["copy", &registries.source(name), &destination], &[]).expect(1);
    assert!(refused.stderr.contains("401") || refused.stderr.contains("UNAUTHORIZED"), "{}", refused.stderr);

    let login = creds(&pulp);
    waybill(&["copy", &registries.source(name), &destination], &env_pairs(&login)).expect(0);
    let raw = skopeo_raw(&destination, Some(&pulp.creds()));
    assert_eq!(sha256(&raw), registries.fixture(name)["manifest"]["digest"].as_str().expect("digest"));
    let run = waybill(&["verify", "--json", &destination], &env_pairs(&login)).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("verify JSON");
    assert_eq!(report["ok"], true);
}

/// Pushes, with curl, an image whose only layer is stored under a digest that is not its
/// content's: Pulp takes a monolithic upload without checking it. Returns the claimed digest.
fn seed_corrupt_image(pulp: &Pulp, repository: &str, layer: &[u8]) -> String {
    let mut other = layer.to_vec();
    other[0] ^= 0xff;
    let claimed = sha256(&other);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [claimed]},
    }))
    .expect("config JSON");
    upload_monolithic(pulp, repository, &config, &sha256(&config));
    upload_monolithic(pulp, repository, layer, &claimed);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": config.len(), "digest": sha256(&config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": layer.len(), "digest": claimed}],
    }))
    .expect("manifest JSON");
    let file = temp_file("manifest.json", &manifest);
    let status = support::curl_status(&[
        "-u",
        &pulp.creds(),
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/vnd.docker.distribution.manifest.v2+json",
        "--data-binary",
        &format!("@{file}"),
        &format!("{}/v2/{repository}/manifests/1", pulp.url),
    ]);
    assert_eq!(status, "201", "Pulp takes the manifest");
    claimed
}

fn upload_monolithic(pulp: &Pulp, repository: &str, bytes: &[u8], digest: &str) {
    let headers = curl(&[
        "-s",
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-u",
        &pulp.creds(),
        "-X",
        "POST",
        &format!("{}/v2/{repository}/blobs/uploads/", pulp.url),
    ]);
    let location = headers
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no Location in {headers}"));
    let file = temp_file("blob.bin", bytes);
    let status = support::curl_status(&[
        "-u",
        &pulp.creds(),
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        &format!("@{file}"),
        &format!("{}{location}?digest={digest}", pulp.url),
    ]);
    assert_eq!(status, "201", "Pulp stores the blob under {digest} unchecked");
}

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("waybill-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}-{name}", support::unique("f").replace('/', "_")));
    std::fs::write(&path, bytes).expect("write temp file");
    path.to_string_lossy().into_owned()
}

fn copy_corrupt(layer_len: usize, chunk_size: &str) -> (Relay, String, String, support::Run) {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let source_repository = unique("corrupt-src");
    let claimed = seed_corrupt_image(&pulp, &source_repository, &noise(layer_len, layer_len as u64));
    let relay = Relay::start(&registries.strict(), Fault::None);
    let destination_repository = unique("corrupt-dst");
    let run = waybill(
        &[
            "copy",
            "--chunk-size",
            chunk_size,
            "--concurrency",
            "1",
            &format!("{}/{source_repository}:1", pulp.host()),
            &format!("{}/{destination_repository}:1", relay.host()),
        ],
        &[("WAYBILL_SRC_USERNAME", &pulp.user), ("WAYBILL_SRC_PASSWORD", &pulp.password)],
    );
    // Whatever happened, the destination has neither the manifest nor the bad blob.
    let strict = &registries.strict_url;
    assert_eq!(head_status(&format!("{strict}/v2/{destination_repository}/manifests/1"), None), "404");
    assert_eq!(head_status(&format!("{strict}/v2/{destination_repository}/blobs/{claimed}"), None), "404");
    (relay, destination_repository, claimed, run)
}

fn assert_no_manifest_put_nor_finalisation(relay: &Relay, repository: &str, claimed: &str) {
    let requests = relay.requests();
    let encoded = claimed.replace(':', "%3A");
    assert!(
        !requests.iter().any(|r| r.starts_with(&format!("PUT /v2/{repository}/manifests/"))),
        "{requests:#?}"
    );
    assert!(
        !requests.iter().any(|r| r.starts_with("PUT") && (r.contains(&encoded) || r.contains(claimed))),
        "{requests:#?}"
    );
}

#[test]
fn a_chunked_blob_that_does_not_match_its_digest_is_never_finalised() {
    let (relay, repository, claimed, run) = copy_corrupt(300 * 1024, "64KiB");
    let run = run.expect(1);
    assert!(
        run.stderr.contains(&claimed) && run.stderr.contains("does not match its digest"),
        "{}",
        run.stderr
    );
    assert_no_manifest_put_nor_finalisation(&relay, &repository, &claimed);
    let requests = relay.requests();
    assert!(relay.patches() >= 4, "the chunks went up before the end of the stream: {requests:#?}");
    assert!(requests.iter().any(|r| r.starts_with("DELETE ")), "the session is cancelled: {requests:#?}");
}

#[test]
fn a_small_blob_that_does_not_match_its_digest_is_caught_before_any_byte_is_sent() {
    let (relay, repository, claimed, run) = copy_corrupt(2000, "8MiB");
    let run = run.expect(1);
    assert!(
        run.stderr.contains(&claimed) && run.stderr.contains("does not match its digest"),
        "{}",
        run.stderr
    );
    assert_no_manifest_put_nor_finalisation(&relay, &repository, &claimed);
    assert_eq!(relay.patches(), 0, "{:#?}", relay.requests());
}

#[test]
fn verify_reports_the_blob_stored_under_the_wrong_digest() {
    let pulp = Pulp::from_env();
    let repository = unique("corrupt-verify");
    let claimed = seed_corrupt_image(&pulp, &repository, &noise(5000, 7));
    let login = creds(&pulp);
    let run = waybill(&["verify", &format!("{}/{repository}:1", pulp.host())], &env_pairs(&login)).expect(1);
    let line = run.stdout.lines().find(|l| l.contains(&claimed)).unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("FAILED") && line.contains("does not match its digest"), "{line}");
}

#[test]
fn pulp_takes_a_buildx_index_cut_down_to_two_platforms_with_their_attestations() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let name = "fixtures/attested:v1";
    let source = registries.source(name);
    let destination = format!("{}/{}:v1", pulp.host(), unique("attested"));
    let login = creds(&pulp);
    waybill(
        &["copy", "--platform", "linux/amd64", "--platform", "linux/arm64", &source, &destination],
        &env_pairs(&login),
    )
    .expect(0);

    // Pulp serves the new index: the two images and their two attestations (in-toto layers,
    // platform unknown/unknown), and every one of them verifies when read back.
    let pushed: Value =
        serde_json::from_slice(&skopeo_raw(&destination, Some(&pulp.creds()))).expect("index");
    let entries = pushed["manifests"].as_array().expect("manifests");
    let attested: Vec<&str> =
        entries.iter().filter_map(|m| m["annotations"]["vnd.docker.reference.digest"].as_str()).collect();
    let images: Vec<&str> = entries
        .iter()
        .filter(|m| m["platform"]["os"] == "linux")
        .filter_map(|m| m["digest"].as_str())
        .collect();
    assert_eq!(entries.len(), 4, "{pushed}");
    assert_eq!(attested, images, "each image's attestation, in the index's order");
    let run = waybill(&["verify", "--all-platforms", "--json", &destination], &env_pairs(&login)).expect(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("verify JSON");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["images"].as_array().map(Vec::len), Some(4));
}
