//! The Worker (crates/edge) in local workerd in front of the real registries from the harness:
//! `/api/inspect` against distribution (the same JSON as `waybill inspect --json`), a chunked push
//! and pulls through the proxy to distribution, Pulp's redirected blob downloads, and Pulp's token
//! flow through the rewritten realm.
//!
//! Needs `scripts/registry up && scripts/registry seed`, `scripts/pulp up`, `scripts/edge up`, and
//! their `env` exports (REGISTRY_*, PULP_*, EDGE_*).

mod support;

use std::process::Command;

use support::edge::Edge;
use support::registry_client::{Auth, Image, OCI_MANIFEST, ProxiedRegistry};
use support::{authority, client, digest, harness_env, unique};

/// `waybill inspect --json REF [--platform P]`, parsed.
fn cli_inspect(reference: &str, platform: Option<&str>) -> serde_json::Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_waybill"));
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
    let (code, message) = support::error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_FAILED");
    assert!(message.contains("fixtures/no-such-image"), "{message}");
    // A platform for a single image.
    let mut url = edge.url("/api/inspect");
    url.query_pairs_mut()
        .append_pair("ref", &format!("{registry}/fixtures/plain:v1"))
        .append_pair("platform", "linux/arm64");
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let (code, message) = support::error_of(&r.text().await.unwrap());
    assert_eq!(code, "INSPECT_BAD_REQUEST");
    assert!(message.contains("not an index"), "{message}");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn chunked_push_and_pulls_through_the_worker_to_distribution() {
    let edge = Edge::from_env();
    let registry = harness_env("REGISTRY_STRICT_URL", "registry");
    let host = authority(&registry);
    let proxied =
        ProxiedRegistry { proxy: edge.base.clone(), route: format!("/r/{host}"), auth: Auth::Anonymous };
    let repo = unique("waybill-edge/push");
    let image = Image::new(5 * 1024 * 1024 + 123, 0xed9e);
    let manifest_digest = proxied.push(&repo, &image, "v1", 2 * 1024 * 1024).await;

    for reference in ["v1", manifest_digest.as_str()] {
        let r = proxied
            .send(
                client()
                    .get(proxied.url(&format!("/v2/{repo}/manifests/{reference}")))
                    .header("accept", OCI_MANIFEST),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["docker-content-digest"], manifest_digest.as_str());
        assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);
    }
    let layer_digest = digest(&image.layer);
    let blob = proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}"));
    let r = proxied.send(client().head(blob.clone())).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], image.layer.len().to_string().as_str());
    let through = proxied.send(client().get(blob.clone())).await.bytes().await.unwrap();
    assert_eq!(digest(&through), layer_digest);
    let r = proxied.send(client().get(blob).header("range", "bytes=1000-1999")).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.layer[1000..2000].to_vec());
    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/manifests/missing")))).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("MANIFEST_UNKNOWN"));
    edge.assert_no_alarm();
}

struct Pulp {
    api: String,
    token_api: String,
    content: String,
    user: String,
    password: String,
}

fn pulp() -> Pulp {
    Pulp {
        api: harness_env("PULP_URL", "pulp"),
        token_api: harness_env("PULP_TOKEN_URL", "pulp"),
        content: harness_env("PULP_CONTENT_URL", "pulp"),
        user: harness_env("PULP_USER", "pulp"),
        password: harness_env("PULP_PASSWORD", "pulp"),
    }
}

#[tokio::test]
async fn pulp_chunked_push_and_redirected_blob_download() {
    let edge = Edge::from_env();
    let p = pulp();
    let proxied = ProxiedRegistry {
        proxy: edge.base.clone(),
        route: format!("/r/{}", authority(&p.api)),
        auth: Auth::Basic(p.user.clone(), p.password.clone()),
    };
    let repo = unique("waybill-edge/basic");
    let image = Image::new(3 * 1024 * 1024 + 7, 0xb10c);
    proxied.push(&repo, &image, "v1", 1024 * 1024).await;

    // Pulp redirects blob GETs to its content app, on another origin…
    let layer_digest = digest(&image.layer);
    let direct = Auth::Basic(p.user.clone(), p.password.clone())
        .apply(client().get(format!("{}/v2/{repo}/blobs/{layer_digest}", p.api)))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 302, "precondition: Pulp redirects blob GETs");
    assert!(direct.headers()["location"].to_str().unwrap().starts_with(&p.content));
    // …which the Worker follows: one answer for the browser, HEAD and GET.
    let blob = proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}"));
    let r = proxied.send(client().head(blob.clone())).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], image.layer.len().to_string().as_str());
    let r = proxied.send(client().get(blob)).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert_eq!(digest(&r.bytes().await.unwrap()), layer_digest);
    edge.assert_no_alarm();
}

#[tokio::test]
async fn pulp_token_auth_through_the_rewritten_realm() {
    let edge = Edge::from_env();
    let p = pulp();
    let route = format!("/r/{}", authority(&p.token_api));
    let anonymous = ProxiedRegistry { proxy: edge.base.clone(), route: route.clone(), auth: Auth::Anonymous };

    let r = anonymous.send(client().get(anonymous.url("/v2/"))).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let parsed = waybill_core::challenge::parse_challenges(&challenge).unwrap();
    let bearer = parsed.iter().find(|c| c.is("bearer")).unwrap_or_else(|| panic!("no Bearer: {challenge}"));
    let realm = bearer.param("realm").unwrap();
    assert_eq!(realm, format!("{route}/token/"), "{challenge}");
    let service = bearer.param("service").unwrap().to_owned();

    let repo = unique("waybill-edge/token");
    let token = |scope: Option<String>| {
        let mut url = edge.base.join(realm).unwrap();
        url.query_pairs_mut().append_pair("service", &service);
        if let Some(scope) = scope {
            url.query_pairs_mut().append_pair("scope", &scope);
        }
        let request = client().get(url).basic_auth(&p.user, Some(&p.password));
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 200);
            let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            body["token"].as_str().expect("a token").to_owned()
        }
    };
    let ping = ProxiedRegistry { auth: Auth::Bearer(token(None).await), ..anonymous };
    assert_eq!(ping.send(client().get(ping.url("/v2/"))).await.status(), 200);

    let proxied = ProxiedRegistry {
        auth: Auth::Bearer(token(Some(format!("repository:{repo}:pull,push"))).await),
        ..ping
    };
    let image = Image::new(1024 * 1024 + 3, 0x70c4);
    let manifest_digest = proxied.push(&repo, &image, "v1", 512 * 1024).await;
    let r = proxied
        .send(
            client()
                .get(proxied.url(&format!("/v2/{repo}/manifests/{manifest_digest}")))
                .header("accept", OCI_MANIFEST),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);
    let layer_digest = digest(&image.layer);
    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}")))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(digest(&r.bytes().await.unwrap()), layer_digest);
    edge.assert_no_alarm();
}
