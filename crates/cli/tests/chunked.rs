//! Chunked uploads of the 40 MiB fixture layer into the real Pulp and distribution, through a
//! relay that counts the PATCHes and breaks one connection: the upload resumes from the
//! registry's `Range`, and the result verifies.

mod support;
use serde_json::Value;
use support::relay::{Fault, Relay};
use support::{Pulp, Registries, sha256, skopeo_raw, unique, waybill};

const BIG: &str = "fixtures/big:v1";
const CHUNK: u64 = 8 * 1024 * 1024;

struct Target {
    upstream: String,
    creds: Option<(String, String)>,
}

fn pulp() -> Target {
    let pulp = Pulp::from_env();
    Target { upstream: pulp.host(), creds: Some((pulp.user, pulp.password)) }
}

fn distribution() -> Target {
    Target { upstream: Registries::from_env().strict(), creds: None }
}

/// PATCHes an upload of the big layer takes with 8 MiB chunks.
fn chunks_of_big_layer(registries: &Registries) -> usize {
    let size = registries.fixture(BIG)["layers"][0]["size"].as_u64().expect("layer size");
    assert!(size >= 40 * 1024 * 1024, "the big layer is at least 40 MiB");
    usize::try_from(size.div_ceil(CHUNK)).expect("chunk count")
}

fn copy_through(target: &Target, fault: Fault) -> (Relay, String, support::Run) {
    let registries = Registries::from_env();
    let relay = Relay::start(&target.upstream, fault);
    let destination = format!("{}/{}:v1", relay.host(), unique("big"));
    let creds: Vec<(&str, &str)> = match &target.creds {
        Some((user, password)) => vec![("WAYBILL_USERNAME", user), ("WAYBILL_PASSWORD", password)],
        None => Vec::new(),
    };
    let run = waybill(&["copy", "--chunk-size", "8MiB", &registries.source(BIG), &destination], &creds);
    (relay, destination, run)
}

fn assert_copied_and_verified(target: &Target, destination: &str) {
    let registries = Registries::from_env();
    let creds = target.creds.as_ref().map(|(u, p)| format!("{u}:{p}"));
    let raw = skopeo_raw(destination, creds.as_deref());
    assert_eq!(sha256(&raw), registries.fixture(BIG)["manifest"]["digest"].as_str().expect("digest"));
    let env: Vec<(&str, &str)> = match &target.creds {
        Some((user, password)) => vec![("WAYBILL_USERNAME", user), ("WAYBILL_PASSWORD", password)],
        None => Vec::new(),
    };
    let report: Value =
        serde_json::from_str(&waybill(&["verify", "--json", destination], &env).expect(0).stdout)
            .expect("JSON");
    assert_eq!(report["ok"], true);
    let layer = &report["images"][0]["blobs"][1];
    assert_eq!(layer["diff_id"], registries.fixture(BIG)["layers"][0]["diffId"]);
}

fn chunked_push(target: &Target) {
    let expected = chunks_of_big_layer(&Registries::from_env());
    let (relay, destination, run) = copy_through(target, Fault::None);
    run.expect(0);
    assert!(expected >= 5);
    assert_eq!(relay.patches(), expected, "{:#?}", relay.requests());
    assert_copied_and_verified(target, &destination);
}

fn resumes_after_a_dropped_chunk(target: &Target) {
    let expected = chunks_of_big_layer(&Registries::from_env());
    let (relay, destination, run) = copy_through(target, Fault::DropPatchBeforeForwarding(3));
    run.expect(0);
    assert_eq!(relay.faults(), 1);
    // The dropped third chunk is sent again, once; nothing else is repeated.
    assert_eq!(relay.patches(), expected + 1, "{:#?}", relay.requests());
    let requests = relay.requests();
    assert!(
        requests.iter().any(|r| r.starts_with("GET ") && r.contains("/blobs/uploads/")),
        "asked for the Range: {requests:#?}"
    );
    assert_copied_and_verified(target, &destination);
}

#[test]
fn pulp_takes_the_40_mib_layer_in_chunks() {
    chunked_push(&pulp());
}

#[test]
fn distribution_takes_the_40_mib_layer_in_chunks() {
    chunked_push(&distribution());
}

#[test]
fn pulp_upload_resumes_after_a_dropped_connection() {
    resumes_after_a_dropped_chunk(&pulp());
}

#[test]
fn distribution_upload_resumes_after_a_dropped_connection() {
    resumes_after_a_dropped_chunk(&distribution());
}

#[test]
fn pulp_upload_resumes_when_a_chunk_landed_but_its_answer_was_lost() {
    let target = pulp();
    let expected = chunks_of_big_layer(&Registries::from_env());
    let (relay, destination, run) = copy_through(&target, Fault::DropPatchResponse(2));
    run.expect(0);
    assert_eq!(relay.faults(), 1);
    // Pulp's Range says it holds the second chunk: it is not sent again.
    assert_eq!(relay.patches(), expected, "{:#?}", relay.requests());
    assert_copied_and_verified(&target, &destination);
}

#[test]
fn distribution_cannot_resume_when_a_chunk_answer_was_lost_and_says_so() {
    // distribution 2.8 encodes the offset in the session URL's _state; after a lost answer the
    // client only has the stale one, and distribution cancels such a session instead of
    // reporting its Range. Waybill reports both failures and pushes no manifest.
    let target = distribution();
    let (relay, destination, run) = copy_through(&target, Fault::DropPatchResponse(2));
    let run = run.expect(1);
    assert_eq!(relay.faults(), 1);
    assert!(run.stderr.contains("resuming failed too"), "{}", run.stderr);
    assert!(run.stderr.contains("BLOB_UPLOAD_INVALID"), "{}", run.stderr);
    let repository = destination.split_once('/').map(|(_, r)| r.trim_end_matches(":v1")).expect("repository");
    let registries = Registries::from_env();
    assert_eq!(
        support::head_status(&format!("{}/v2/{repository}/manifests/v1", registries.strict_url), None),
        "404"
    );
}
