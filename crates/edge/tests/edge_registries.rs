//! The Worker (crates/edge) in local workerd in front of the real registries from the harness:
//! `/api/inspect` against distribution (the same JSON as `waybill inspect --json`) and, with the
//! caller's login, against a private repository of Pulp; and the scenarios of waybill-test-support
//! (crates/test-support/src/scenarios.rs) that crates/cli's `serve_registry` and `serve_pulp` run
//! through `waybill serve`: a chunked push and pulls to distribution, Pulp's redirected blob
//! downloads, and Pulp's token flow through the rewritten realm.
//!
//! Needs `scripts/registry up && scripts/registry seed`, `scripts/pulp up`, `scripts/edge up`, and
//! their `env` exports (REGISTRY_*, PULP_*, EDGE_*); and the built `waybill` (support::waybill_bin).

mod support;

use std::process::Command;

use std::time::Instant;

use support::{Edge, waybill_bin};
use waybill_test_support::registry_client::{Auth, Image, ProxiedRegistry};
use waybill_test_support::scenarios::{
    Pulp, chunked_push_and_redirected_blob_download, push_and_pull_through_distribution,
    token_auth_through_the_rewritten_realm,
};
use waybill_test_support::{PATIENCE, authority, client, error_of, harness_env, unique};

/// `waybill inspect --json REF [--platform P]`, parsed.
fn cli_inspect(reference: &str, platform: Option<&str>) -> serde_json::Value {
    let mut command = Command::new(waybill_bin());
    command.args(["inspect", "--json", reference]);
    if let Some(platform) = platform {
        command.args(["--platform", platform]);
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "waybill inspect {reference}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `/api/inspect?ref=REF[&platform=P]` on the Worker, parsed.
async fn edge_inspect(edge: &Edge, reference: &str, platform: Option<&str>) -> serde_json::Value {
    let mut url = edge.url("/api/inspect");
    url.query_pairs_mut().append_pair("ref", reference);
    if let Some(platform) = platform {
        url.query_pairs_mut().append_pair("platform", platform);
    }
    let r = client().get(url).send().await.unwrap();
    let status = r.status();
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{reference}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The fixture summary `scripts/registry seed` wrote (made independently of Waybill).
fn fixtures() -> serde_json::Value {
    let path = harness_env("REGISTRY_FIXTURES", "registry");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn inspect_gives_the_same_json_as_the_cli() {
    let edge = Edge::from_env();
    let registry = authority(&harness_env("REGISTRY_FOREIGN_URL", "registry"));
    let fixtures = fixtures();

    let name = "fixtures/origin-story:windows-amd64-1.13.0";
    let reference = format!("{registry}/{name}");
    let report = edge_inspect(&edge, &reference, None).await;
    assert_eq!(report, cli_inspect(&reference, None));
    // And the values themselves, against the seed's own summary.
    let seeded = &fixtures["images"][name];
    let layers = seeded["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 7);
    assert_eq!(layers.iter().filter(|l| l["foreign"] == true).count(), 2);
    assert_eq!(report["layer_count"], 7);
    assert_eq!(report["foreign_count"], 2);
    assert_eq!(report["digest"], seeded["manifest"]["digest"]);
    for (got, want) in report["layers"].as_array().unwrap().iter().zip(layers) {
        assert_eq!(got["digest"], want["digest"]);
        assert_eq!(got["size"], want["size"]);
        assert_eq!(got["foreign"], want["foreign"]);
    }
    assert_eq!(report["config"]["digest"], seeded["config"]["digest"]);

    // An index: as a whole, and one platform's image with the index's platforms listed.
    let multi = format!("{registry}/fixtures/multi:v1");
    assert_eq!(edge_inspect(&edge, &multi, None).await, cli_inspect(&multi, None));
    let entry = &fixtures["images"]["fixtures/multi:v1"]["manifests"][1];
    let platform = format!(
        "{}/{}",
        entry["platform"]["os"].as_str().unwrap(),
        entry["platform"]["architecture"].as_str().unwrap()
    );
    let one = edge_inspect(&edge, &multi, Some(&platform)).await;
    assert_eq!(one, cli_inspect(&multi, Some(&platform)));
    assert_eq!(one["digest"], entry["manifest"]["digest"]);
    edge.assert_no_alarm();
}

#[tokio::test]
async fn inspect_failures_are_json_errors() {
    let edge = Edge::from_env();
    let registry = authority(&harness_env("REGISTRY_FOREIGN_URL", "registry"));
    let mut url = edge.url("/api/inspect");
    url.query_pairs_mut().append_pair("ref", &format!("{registry}/fixtures/no-such-image:v1"));
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_FAILED");
    assert!(message.contains("fixtures/no-such-image"), "{message}");
    // A platform for a single image.
    let mut url = edge.url("/api/inspect");
    url.query_pairs_mut()
        .append_pair("ref", &format!("{registry}/fixtures/plain:v1"))
        .append_pair("platform", "linux/arm64");
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_BAD_REQUEST");
    assert!(message.contains("not an index"), "{message}");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn chunked_push_and_pulls_through_the_worker_to_distribution() {
    let edge = Edge::from_env();
    push_and_pull_through_distribution(edge.base.clone(), "waybill-edge", 0xed9e).await;
    edge.assert_no_alarm();
}

#[tokio::test]
async fn pulp_chunked_push_and_redirected_blob_download() {
    let edge = Edge::from_env();
    let p = Pulp::from_env();
    chunked_push_and_redirected_blob_download(&p, edge.base.clone(), "waybill-edge", 0xb10c).await;
    edge.assert_no_alarm();
}

#[tokio::test]
async fn pulp_token_auth_through_the_rewritten_realm() {
    let edge = Edge::from_env();
    let p = Pulp::from_env();
    token_auth_through_the_rewritten_realm(&p, edge.base.clone(), "waybill-edge", 0x70c4).await;
    edge.assert_no_alarm();
}

/// Makes the Pulp distribution serving `repo` private (only logins with pull rights may read it
/// through the token API), through Pulp's REST API, and waits for Pulp's task to finish.
async fn make_private(p: &Pulp, repo: &str) {
    let rest = |request: reqwest::RequestBuilder| async move {
        let text = request.basic_auth(&p.user, Some(&p.password)).send().await.unwrap().text().await.unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let found = rest(
        client().get(format!("{}/pulp/api/v3/distributions/container/container/?base_path={repo}", p.api)),
    )
    .await;
    let href =
        found["results"][0]["pulp_href"].as_str().expect("Pulp made a distribution for the push").to_owned();
    let private = serde_json::json!({ "private": true }).to_string();
    let started = rest(
        client().patch(format!("{}{href}", p.api)).header("content-type", "application/json").body(private),
    )
    .await;
    let task = started["task"].as_str().unwrap_or_else(|| panic!("no task: {started}")).to_owned();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let state = rest(client().get(format!("{}{task}", p.api))).await;
        match state["state"].as_str() {
            Some("completed") => return,
            Some("failed" | "canceled") => panic!("Pulp could not make {repo} private: {state}"),
            _ => assert!(Instant::now() < deadline, "Pulp's task {task} did not finish: {state}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `/api/inspect?ref=REF` with `authorization` sent as is: status, headers and body.
async fn inspect_as(edge: &Edge, reference: &str, authorization: Option<&str>) -> reqwest::Response {
    let mut url = edge.url("/api/inspect");
    url.query_pairs_mut().append_pair("ref", reference);
    let mut request = client().get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn inspect_takes_a_login_for_the_registry_it_names() {
    let edge = Edge::from_env();
    let p = Pulp::from_env();
    // An image in a private repository of Pulp, read through its token API.
    let pusher = ProxiedRegistry {
        proxy: edge.base.clone(),
        route: format!("/r/{}", authority(&p.api)),
        auth: Auth::Basic(p.user.clone(), p.password.clone()),
    };
    let repo = unique("waybill-edge/inspect-login");
    let manifest = pusher.push(&repo, &Image::new(64 * 1024 + 5, 0x1a9), "v1", 1024 * 1024).await;
    make_private(&p, &repo).await;
    let reference = format!("{}/{repo}:v1", authority(&p.token_api));
    let login = waybill_core::registry::Credentials::new(&p.user, &p.password).basic_header();

    // Without a login: Pulp's anonymous token does not cover the private repository.
    let r = inspect_as(&edge, &reference, None).await;
    assert_eq!(r.status(), 401);
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_UNAUTHORIZED");
    assert!(message.contains("wants a login") && message.contains("Authorization: Basic"), "{message}");

    // A wrong password: the token realm refuses it.
    let wrong = waybill_core::registry::Credentials::new(&p.user, "not-the-password").basic_header();
    let r = inspect_as(&edge, &reference, Some(&wrong)).await;
    assert_eq!(r.status(), 401);
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_UNAUTHORIZED");
    assert!(message.contains("refused the login"), "{message}");

    // The login: the pushed image, in an answer no shared cache may keep.
    let r = inspect_as(&edge, &reference, Some(&login)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let report: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(report["digest"], manifest.as_str());
    assert_eq!(report["layer_count"], 1);

    // A token is not a login.
    let r = inspect_as(&edge, &reference, Some("Bearer some-registry-token")).await;
    assert_eq!(r.status(), 400);
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_BAD_REQUEST");
    assert!(message.contains("only Basic credentials"), "{message}");

    // A page on another origin may send a login: its preflight is answered by the Worker.
    let r = client()
        .request(reqwest::Method::OPTIONS, edge.url("/api/inspect"))
        .header("Origin", &edge.other_origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], edge.other_origin.as_str());
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("Authorization"));

    let log = std::fs::read_to_string(&edge.log).unwrap_or_default();
    let encoded = login.trim_start_matches("Basic ");
    assert!(!log.contains(encoded), "the login appears in the Worker's log");
    edge.assert_no_alarm();
}
