//! Pulp's Bearer tokens expiring in the middle of a push: `waybill push` of an archive into the
//! Pulp of `scripts/pulp` whose tokens live 15 s (:24819), through the test relay, which holds
//! one chunk longer than a token lives. Pulp itself refuses that chunk's token (401
//! `invalid_token`); Waybill fetches a new one, sends the chunk again and goes on, renewing tokens
//! as they age. The image is read back whole.
//!
//! Needs `scripts/pulp up` and `scripts/registry up && scripts/registry seed`, with both `env`
//! outputs exported.

mod support;
use std::time::Duration;

use serde_json::Value;
use support::archives::{docker_archive, pull_back_and_check, work_dir};
use support::relay::{Fault, Relay, Requests};
use support::{Pulp, Registries, host_of, sha256, unique, waybill};

const FIXTURE: &str = "fixtures/plain:v1";

/// The Pulp API whose tokens expire quickly, and their lifetime.
fn short_token_pulp() -> (String, Duration) {
    let missing =
        |name: &str| format!("{name} is not set: run scripts/pulp up && eval \"$(scripts/pulp env)\"");
    let url = std::env::var("PULP_SHORT_TOKEN_URL")
        .unwrap_or_else(|_| panic!("{}", missing("PULP_SHORT_TOKEN_URL")));
    let lifetime: u64 = std::env::var("PULP_SHORT_TOKEN_LIFETIME")
        .unwrap_or_else(|_| panic!("{}", missing("PULP_SHORT_TOKEN_LIFETIME")))
        .parse()
        .expect("PULP_SHORT_TOKEN_LIFETIME in seconds");
    (host_of(&url), Duration::from_secs(lifetime))
}

#[test]
fn a_push_outlives_its_pulp_token_and_goes_on() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let (upstream, lifetime) = short_token_pulp();
    let archive = work_dir("pulp-tokens").join("plain.tar");
    docker_archive(&registries, FIXTURE, &archive, &[]);

    // The first chunk reaches Pulp after its token has expired, however fresh Waybill sent it.
    let held = Requests { method: "PATCH", path: "/blobs/uploads/" };
    let relay =
        Relay::start(&upstream, Fault::Hold { to: held, times: 1, by: lifetime + Duration::from_secs(1) });
    let repository = unique("short-token");
    let destination = format!("{}/{repository}:v1", relay.host());
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let run =
        // As stored, so that the layers are read back by their diff IDs.
        waybill(
            &["push", "--compress", "none", "--chunk-size", "4KiB", &archive.display().to_string(), &destination],
            &login,
        )
        .expect(0);

    let seen = relay.seen();
    let at = seen.iter().position(|s| s.faulted).expect("a PATCH was held");
    assert_eq!(seen[at].status, Some(401), "Pulp refused the expired token: {seen:#?}");
    let again = seen[at + 1..].iter().find(|s| s.line == seen[at].line).expect("the chunk was sent again");
    assert_eq!(again.status, Some(202), "{seen:#?}");
    assert!(seen.last().expect("requests").at - seen[0].at > lifetime, "the push outlived a token");

    // Read back from Pulp's Basic-auth API (the same database), every blob hashed.
    let raw = pull_back_and_check(&pulp, &repository, "v1");
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest");
    let fixture = registries.fixture(FIXTURE);
    assert_eq!(manifest["config"]["digest"], fixture["config"]["digest"]);
    let layers: Vec<&Value> =
        manifest["layers"].as_array().expect("layers").iter().map(|l| &l["digest"]).collect();
    let diff_ids: Vec<&Value> =
        fixture["layers"].as_array().expect("layers").iter().map(|l| &l["diffId"]).collect();
    assert_eq!(layers, diff_ids, "skopeo saved the layers uncompressed: their digests are the diff IDs");
    assert!(run.stdout.contains(&sha256(&raw)), "{}", run.stdout);
}
