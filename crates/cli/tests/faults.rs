//! Network faults on the way to the real distribution registry, injected by the test relay
//! (tests/support/relay.rs) into `waybill copy` and `waybill push` of an archive, each upload in
//! several small chunks: a 500 once to a blob's final PUT, a 429 with `Retry-After`, a stalled
//! request, a connection broken mid-PATCH. Each ends either in success, read back with skopeo and
//! curl and hashed here, or in a clear failure with no manifest PUT in the relay's log.
//!
//! Needs `scripts/registry up && scripts/registry seed` and `eval "$(scripts/registry env)"`.

mod support;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use support::relay::{Fault, Relay, Requests, Seen};
use support::{Registries, Run, curl, head_status, sha256, skopeo_raw, unique, waybill};

/// A fixture of two small layers: with chunks of a few hundred bytes every blob takes several
/// PATCHes, and a test takes seconds, not minutes.
const FIXTURE: &str = "fixtures/plain:v1";
const CHUNK: &str = "100B";

const BLOB_PUT: Requests = Requests { method: "PUT", path: "/blobs/uploads/" };
const MANIFEST_PUT: Requests = Requests { method: "PUT", path: "/manifests/" };
const PATCH: Requests = Requests { method: "PATCH", path: "/blobs/uploads/" };

/// A transfer through a relay in front of the strict distribution registry.
struct Transfer {
    relay: Relay,
    repository: String,
    run: Run,
}

impl Transfer {
    fn destination(relay: &Relay, repository: &str) -> String {
        format!("{}/{repository}:v1", relay.host())
    }

    /// `waybill copy` of the fixture from the urls-allow registry, through the relay.
    fn copy(fault: Fault, extra: &[&str]) -> Transfer {
        let registries = Registries::from_env();
        let relay = Relay::start(&registries.strict(), fault);
        let repository = unique("faults-copy");
        let source = registries.source(FIXTURE);
        let destination = Transfer::destination(&relay, &repository);
        let mut args = vec!["copy", "--chunk-size", CHUNK, source.as_str(), destination.as_str()];
        args.extend(extra);
        let run = waybill(&args, &[]);
        Transfer { relay, repository, run }
    }

    /// `waybill push` of the fixture saved by skopeo as a docker archive, through the relay.
    fn push(fault: Fault, extra: &[&str]) -> Transfer {
        let registries = Registries::from_env();
        let relay = Relay::start(&registries.strict(), fault);
        let repository = unique("faults-push");
        let archive = archive().display().to_string();
        let destination = Transfer::destination(&relay, &repository);
        let mut args = vec!["push", "--chunk-size", CHUNK, archive.as_str(), destination.as_str()];
        args.extend(extra);
        let run = waybill(&args, &[]);
        Transfer { relay, repository, run }
    }

    fn succeeded(self) -> Transfer {
        Transfer { run: self.run.expect(0), ..self }
    }

    /// The image as the registry holds it (straight from it, not through the relay): the
    /// manifest with skopeo, every blob with curl, each hashed and sized here. Returns the
    /// manifest's digest and its blobs' digests and bytes, config first.
    fn read_back(&self) -> (String, Vec<(String, Vec<u8>)>) {
        let registries = Registries::from_env();
        let raw = skopeo_raw(&format!("{}/{}:v1", registries.strict(), self.repository), None);
        let manifest: Value = serde_json::from_slice(&raw).expect("manifest JSON");
        let mut blobs = vec![manifest["config"].clone()];
        blobs.extend(manifest["layers"].as_array().expect("layers").iter().cloned());
        let digests = blobs
            .iter()
            .map(|descriptor| {
                let digest = descriptor["digest"].as_str().expect("digest");
                let out = support::archives::work_dir("faults-blob").join("blob");
                let url = format!("{}/v2/{}/blobs/{digest}", registries.strict_url, self.repository);
                let status = curl(&["-s", "-o", &out.display().to_string(), "-w", "%{http_code}", &url]);
                assert_eq!(status, "200", "GET {url}");
                let bytes = std::fs::read(&out).expect("read the blob");
                assert_eq!(sha256(&bytes), digest, "blob read back");
                assert_eq!(bytes.len() as u64, descriptor["size"].as_u64().expect("size"), "{digest}");
                (digest.to_owned(), bytes)
            })
            .collect();
        (sha256(&raw), digests)
    }

    fn assert_copied_whole(&self) {
        let registries = Registries::from_env();
        let fixture = registries.fixture(FIXTURE);
        let (manifest, blobs) = self.read_back();
        assert_eq!(manifest, fixture["manifest"]["digest"].as_str().expect("digest"));
        let digests: Vec<String> = blobs.into_iter().map(|(digest, _)| digest).collect();
        assert_eq!(digests, support::fixture_blobs(fixture));
    }

    fn assert_pushed_whole(&self) {
        let registries = Registries::from_env();
        let fixture = registries.fixture(FIXTURE);
        let (manifest, blobs) = self.read_back();
        // skopeo saves the layers uncompressed; they go up gzip'd (the default), so their blobs
        // are new, and each gunzips to its diff ID.
        let (config, layers) = blobs.split_first().expect("the config");
        assert_eq!(config.0, fixture["config"]["digest"].as_str().expect("config"));
        let diff_ids: Vec<&str> = fixture["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| l["diffId"].as_str().expect("diffId"))
            .collect();
        assert_eq!(layers.len(), diff_ids.len());
        for ((digest, bytes), diff_id) in layers.iter().zip(diff_ids) {
            assert_ne!(digest, diff_id, "a gzip'd layer");
            assert_eq!(
                sha256(&support::archives::system_decompress("gzip", bytes)),
                diff_id,
                "{digest} gunzips to its diff ID"
            );
        }
        assert!(
            self.run.stdout.contains(&manifest),
            "the printed digest is the stored one: {}",
            self.run.stdout
        );
    }

    /// The command failed, saying `what`, and no manifest went to the registry.
    fn assert_failed_without_manifest(&self, what: &str) {
        assert_eq!(self.run.code, 1, "stdout:\n{}\nstderr:\n{}", self.run.stdout, self.run.stderr);
        assert!(self.run.stderr.contains(what), "wanted {what:?} in:\n{}", self.run.stderr);
        let requests = self.relay.requests();
        assert!(
            !requests.iter().any(|r| r.starts_with("PUT ") && r.contains("/manifests/")),
            "a manifest was PUT: {requests:#?}"
        );
        let registries = Registries::from_env();
        let url = format!("{}/v2/{}/manifests/v1", registries.strict_url, self.repository);
        assert_eq!(head_status(&url, None), "404");
    }

    /// The faulted request and the next one with the same request line, and the time between.
    fn resent_after(&self) -> (Seen, Duration) {
        let seen = self.relay.seen();
        let at = seen.iter().position(|s| s.faulted).expect("a fault was injected");
        let again = seen[at + 1..]
            .iter()
            .find(|s| s.line == seen[at].line)
            .unwrap_or_else(|| panic!("{} was not sent again: {:#?}", seen[at].line, self.relay.requests()));
        (seen[at].clone(), again.at - seen[at].at)
    }
}

/// Whether the blob a request finalises (`…?digest=…`) is one the push compressed: neither the
/// config nor a layer as the archive stores it.
fn finalises_a_compressed_layer(line: &str) -> bool {
    let registries = Registries::from_env();
    let fixture = registries.fixture(FIXTURE);
    let mut known = support::fixture_blobs(fixture);
    let diff_ids = fixture["layers"].as_array().expect("layers").iter();
    known.extend(diff_ids.map(|l| l["diffId"].as_str().expect("diffId").to_owned()));
    let Some((_, digest)) = line.split_once("digest=") else { return false };
    let digest = digest.split([' ', '&']).next().unwrap_or_default().replace("%3A", ":");
    digest.starts_with("sha256:") && !known.contains(&digest)
}

/// The docker archive of the fixture, written once per test binary.
fn archive() -> PathBuf {
    static ARCHIVE: OnceLock<PathBuf> = OnceLock::new();
    ARCHIVE
        .get_or_init(|| {
            let path = support::archives::work_dir("faults-archive").join("plain.tar");
            support::archives::docker_archive(&Registries::from_env(), FIXTURE, &path, &[]);
            path
        })
        .clone()
}

fn once(to: Requests, status: u16, retry_after: Option<u64>) -> Fault {
    Fault::Answer { to, times: 1, status, retry_after }
}

#[test]
fn copy_sends_a_blob_put_answered_500_again() {
    let transfer = Transfer::copy(once(BLOB_PUT, 500, None), &[]).succeeded();
    let (put, _) = transfer.resent_after();
    assert!(put.line.contains("digest=sha256"), "the faulted PUT finalises a blob: {}", put.line);
    transfer.assert_copied_whole();
}

#[test]
fn push_sends_a_blob_put_answered_500_again() {
    let transfer = Transfer::push(once(BLOB_PUT, 500, None), &[]).succeeded();
    let (put, _) = transfer.resent_after();
    // skopeo's archive holds the layers first: the faulted PUT finalises a layer gzip'd on the way.
    assert!(finalises_a_compressed_layer(&put.line), "{}", put.line);
    transfer.assert_pushed_whole();
}

#[test]
fn copy_waits_out_retry_after_on_a_chunk() {
    let transfer = Transfer::copy(once(PATCH, 429, Some(1)), &[]).succeeded();
    let (patch, waited) = transfer.resent_after();
    assert!(patch.line.starts_with("PATCH "), "{}", patch.line);
    assert!(waited >= Duration::from_secs(1), "the PATCH was sent again after {waited:?}");
    transfer.assert_copied_whole();
}

#[test]
fn push_waits_out_retry_after_on_the_manifest() {
    let transfer = Transfer::push(once(MANIFEST_PUT, 429, Some(1)), &[]).succeeded();
    let (_, waited) = transfer.resent_after();
    assert!(waited >= Duration::from_secs(1), "the manifest was PUT again after {waited:?}");
    transfer.assert_pushed_whole();
}

#[test]
fn copy_resumes_after_a_chunk_that_got_no_answer() {
    let transfer = Transfer::copy(Fault::Stall { to: PATCH, times: 1 }, &["--timeout", "2"]).succeeded();
    assert_eq!(transfer.relay.faults(), 1);
    transfer.assert_copied_whole();
}

/// The time from the dropped PATCH to the request asking the registry for its `Range`.
fn asked_for_the_range_after(transfer: &Transfer) -> Duration {
    let seen = transfer.relay.seen();
    let dropped = seen.iter().position(|s| s.faulted).expect("a PATCH was dropped");
    let status = seen[dropped + 1..]
        .iter()
        .find(|s| s.line.starts_with("GET ") && s.line.contains("/blobs/uploads/"))
        .expect("the registry was asked for its Range");
    status.at - seen[dropped].at
}

#[test]
fn copy_resumes_after_a_connection_broken_mid_chunk_waiting_first() {
    let transfer = Transfer::copy(Fault::DropPatchBeforeForwarding(2), &[]).succeeded();
    // Not at once: a registry that just broke a connection gets the backoff's half second.
    let waited = asked_for_the_range_after(&transfer);
    assert!(waited >= Duration::from_millis(500), "asked after {waited:?}");
    transfer.assert_copied_whole();
}

#[test]
fn push_resumes_a_compressed_layer_after_a_connection_broken_mid_chunk_waiting_first() {
    let transfer = Transfer::push(Fault::DropPatchBeforeForwarding(2), &[]).succeeded();
    let waited = asked_for_the_range_after(&transfer);
    assert!(waited >= Duration::from_millis(500), "asked after {waited:?}");
    // The upload broken off was a layer being gzip'd: the first blob finalised after the fault.
    let seen = transfer.relay.seen();
    let dropped = seen.iter().position(|s| s.faulted).expect("a PATCH was dropped");
    let finalised = seen[dropped..].iter().find(|s| s.line.starts_with("PUT ") && s.line.contains("digest="));
    assert!(finalises_a_compressed_layer(&finalised.expect("a blob PUT").line), "{seen:#?}");
    transfer.assert_pushed_whole();
}

#[test]
fn copy_fails_clearly_when_the_registry_stops_answering_chunks() {
    let transfer = Transfer::copy(Fault::Stall { to: PATCH, times: usize::MAX }, &["--timeout", "1"]);
    transfer.assert_failed_without_manifest("no answer within 1 s");
}

#[test]
fn push_fails_clearly_when_a_blob_put_keeps_failing_after_one_retry() {
    let transfer = Transfer::push(
        Fault::Answer { to: BLOB_PUT, times: usize::MAX, status: 500, retry_after: None },
        &[],
    );
    transfer.assert_failed_without_manifest("answered 500");
    // One blob failed twice (sent once more, not hammered) and the push stopped there: a layer
    // being gzip'd, whose upload never finalised.
    let (put, _) = transfer.resent_after();
    assert!(finalises_a_compressed_layer(&put.line), "{}", put.line);
    let sends = transfer.relay.requests().iter().filter(|r| **r == put.line).count();
    assert_eq!(sends, 2, "{:#?}", transfer.relay.requests());
}

#[test]
fn a_retry_after_beyond_the_cap_fails_at_once_saying_so() {
    let transfer = Transfer::copy(
        Fault::Answer { to: PATCH, times: usize::MAX, status: 429, retry_after: Some(3600) },
        &[],
    );
    transfer.assert_failed_without_manifest("Retry-After");
    let seen = transfer.relay.seen();
    let elapsed = seen.last().expect("requests").at - seen[0].at;
    assert!(elapsed < Duration::from_secs(30), "it waited: {elapsed:?}");
}
