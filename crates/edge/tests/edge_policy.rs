//! The Worker (crates/edge) in local workerd, against small loopback upstreams: CORS preflights,
//! the SSRF matrix, credentials across redirects, cookies, body caps, redirect limits, token
//! realms, the inspect API's refusals and the static app.
//!
//! Needs `scripts/edge up` and `eval "$(scripts/edge env)"`. The Worker runs with
//! `default_hosts = false`, only loopback registries allowed, and its loopback guard on; every
//! test ends by checking that the guard never fired. The two upstreams listen on the fixed
//! loopback ports the Worker's configuration names (EDGE_UPSTREAM_A/B), started once per process.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use support::Edge;
use waybill_test_support::upstream::{Upstreams, start_at};
use waybill_test_support::{client, error_of, policy};

fn edge() -> Edge {
    Edge::from_env()
}

/// The upstreams, on their own runtime so that they outlive each test's.
fn upstreams(edge: &Edge) -> &'static Upstreams {
    static UP: OnceLock<Upstreams> = OnceLock::new();
    UP.get_or_init(|| {
        let a: SocketAddr = edge.upstreams[0].parse().unwrap();
        let b: SocketAddr = edge.upstreams[1].parse().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                tx.send(start_at(a, b).await).unwrap();
                std::future::pending::<()>().await
            })
        });
        rx.recv().unwrap()
    })
}

fn edge_addr(edge: &Edge) -> SocketAddr {
    format!("{}:{}", edge.base.host_str().unwrap(), edge.base.port().unwrap()).parse().unwrap()
}

/// A GET sent as written (no client-side path normalisation), from a blocking thread. The
/// response is read by its Content-Length: wrangler's dev server keeps the connection open for
/// seconds despite `Connection: close`.
async fn raw_get(edge: &Edge, target: &str) -> (u16, String) {
    let addr = edge_addr(edge);
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, String::from_utf8(body).unwrap())
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn preflights_are_answered_by_the_worker_and_never_forwarded() {
    let edge = edge();
    let up = upstreams(&edge);
    let a = &edge.upstreams[0];
    let url = edge.url(&format!("/r/{a}/v2/preflight/blobs/uploads/"));
    for page in [edge.origin(), edge.other_origin.clone()] {
        let r = client()
            .request(reqwest::Method::OPTIONS, url.clone())
            .header("Origin", &page)
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization, content-range, content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "preflight from {page}");
        policy::assert_preflight_grants(r.headers(), &page);
    }
    // Private Network Access is granted to allowed pages only.
    let pna = client()
        .request(reqwest::Method::OPTIONS, url.clone())
        .header("Origin", &edge.other_origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Private-Network", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(pna.headers()["access-control-allow-private-network"], "true");
    // A page the configuration does not name gets a 204 that allows nothing.
    let r = client()
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert!(r.headers().get("access-control-allow-methods").is_none());
    assert!(up.seen_a.all().iter().all(|s| s.method != "OPTIONS"), "a preflight reached the upstream");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn cors_on_forwarded_answers_and_unknown_pages_refused() {
    let edge = edge();
    let up = upstreams(&edge);
    let a = &edge.upstreams[0];
    let r = client()
        .get(edge.url(&format!("/r/{a}/v2/")))
        .header("Origin", &edge.other_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], edge.other_origin.as_str());
    let exposed = r.headers()["access-control-expose-headers"].to_str().unwrap().to_owned();
    for name in ["Location", "Docker-Content-Digest", "Docker-Upload-UUID", "Range", "WWW-Authenticate"] {
        assert!(exposed.split(", ").any(|e| e == name), "{name} not exposed: {exposed}");
    }
    let before = up.seen_a.matching("/v2/cors-refused").len();
    let r = client()
        .get(edge.url(&format!("/r/{a}/v2/cors-refused")))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!(code, "PROXY_ORIGIN_NOT_ALLOWED");
    assert!(message.contains("allowed_origins"), "{message}");
    assert_eq!(
        up.seen_a.matching("/v2/cors-refused").len(),
        before,
        "a refused page's request went upstream"
    );
    edge.assert_no_alarm();
}

#[tokio::test]
async fn ssrf_matrix() {
    let edge = edge();
    let up = upstreams(&edge);
    let a = &edge.upstreams[0];
    // The Worker's configuration allows 127.0.0.1 on the harness's registry ports and 127.0.0.2 on
    // the two upstream ports, over plain HTTP; nothing else.
    let mut cases = policy::shared(a);
    cases.extend([
        ("/r/127.0.0.3/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        ("/r/127.0.0.1:22/v2/".into(), "PROXY_HOST_NOT_ALLOWED", "plain_http_hosts"),
        ("/r/127.0.0.1/v2/".into(), "PROXY_HOST_NOT_ALLOWED", "allowed_hosts"),
        ("/r/[::1]:5000/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        ("/r/[::ffff:127.0.0.3]/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        // 127.0.0.1 spelt otherwise is still 127.0.0.1: on port 443 it is not a configured registry.
        ("/r/2130706433/v2/".into(), "PROXY_HOST_NOT_ALLOWED", "written as 2130706433"),
        ("/r/0x7f000001/v2/".into(), "PROXY_HOST_NOT_ALLOWED", "written as 0x7f000001"),
        (format!("/r/{a}/v2/hop/hex-loopback"), "PROXY_HOST_NOT_ALLOWED", "redirect from"),
        // Other loopback addresses, spelt otherwise, are refused by address.
        ("/r/2130706435/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 2130706435"),
        ("/r/0x7f000003:5000/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 0x7f000003"),
        ("/r/0177.0.0.3/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 0177.0.0.3"),
        // (`/r/{a}/token` is a realm once A's challenge taught it: see token_realms_are_rewritten…)
        (format!("/r/{a}/oauth/token"), "PROXY_PATH_NOT_ALLOWED", "token realms"),
    ]);
    for case in cases {
        let (status, body) = raw_get(&edge, &case.0).await;
        policy::assert_refused(&case, status, &body);
    }
    let reached: Vec<String> = up.seen_a.all().into_iter().map(|s| s.uri).collect();
    assert!(!reached.iter().any(|u| u.contains("admin") || u.starts_with("/oauth")), "{reached:?}");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn authorization_stays_on_its_origin_and_cookies_are_stripped() {
    let edge = edge();
    let up = upstreams(&edge);
    policy::assert_credentials_stay_on_their_origin(
        |path| edge.url(path).to_string(),
        up,
        &edge.upstreams[0],
    )
    .await;
    edge.assert_no_alarm();
}

#[tokio::test]
async fn a_hostile_upstream_is_contained() {
    let edge = edge();
    let up = upstreams(&edge);
    policy::assert_hostile_upstream_is_contained(|path| edge.url(path).to_string(), up).await;
    edge.assert_no_alarm();
}

#[tokio::test]
async fn redirect_hops_are_bounded_and_uploads_are_not_replayed() {
    let edge = edge();
    upstreams(&edge);
    let a = &edge.upstreams[0];
    let r = client().get(edge.url(&format!("/r/{a}/v2/hop/loop"))).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(error_of(&r.text().await.unwrap()).0, "PROXY_TOO_MANY_REDIRECTS");
    // A redirect of a request with a body goes back to the browser, in route form.
    let r = client().put(edge.url(&format!("/r/{a}/v2/upload"))).body("data").send().await.unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["location"], format!("/r/{a}/v2/upload-elsewhere?_state=x").as_str());
    edge.assert_no_alarm();
}

#[tokio::test]
async fn token_realms_are_rewritten_then_learned() {
    let edge = edge();
    upstreams(&edge);
    let a = &edge.upstreams[0];
    let r = client().get(edge.url(&format!("/r/{a}/v2/auth"))).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains(&format!(r#"realm="/r/{a}/token""#)), "{challenge}");
    let r = client().get(edge.url(&format!("/r/{a}/token?service=test&scope=x"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["query"], "service=test&scope=x");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn request_bodies_stream_under_the_cap() {
    let edge = edge();
    upstreams(&edge);
    let a = &edge.upstreams[0];
    let cap = edge.max_body as usize;
    let url = edge.url(&format!("/r/{a}/v2/count"));

    // With a Content-Length: passed through as is up to the cap, refused before sending beyond.
    let r = client().post(url.clone()).body(vec![1u8; cap]).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.text().await.unwrap(), cap.to_string());
    let r = client().patch(url.clone()).body(vec![1u8; cap + 1]).send().await.unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, 413, "{body}");
    let (code, message) = error_of(&body);
    assert_eq!(code, "PROXY_BODY_TOO_LARGE");
    assert!(
        message.contains(&format!("({} bytes)", cap + 1)) && message.contains("max_request_body"),
        "{message}"
    );

    // Without one (chunked): counted on the way, and cut off past the cap.
    let chunked = |len: usize| {
        let parts: Vec<Result<Vec<u8>, std::io::Error>> =
            vec![Ok(vec![2u8; len / 2]), Ok(vec![2u8; len - len / 2])];
        reqwest::Body::wrap_stream(futures_util::stream::iter(parts))
    };
    let r = client().post(url.clone()).body(chunked(cap - 10)).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.text().await.unwrap(), (cap - 10).to_string());
    let r = client().post(url).body(chunked(cap + 10)).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(error_of(&r.text().await.unwrap()).0, "PROXY_BODY_TOO_LARGE");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn the_inspect_api_refuses_what_the_proxy_refuses() {
    let edge = edge();
    for (reference, code) in [
        ("10.0.0.1/library/x:1", "PROXY_ADDRESS_FORBIDDEN"),
        ("169.254.169.254/x:1", "PROXY_ADDRESS_FORBIDDEN"),
        ("localhost:5000/x:1", "PROXY_ADDRESS_FORBIDDEN"),
        ("registry.example.com/x:1", "PROXY_HOST_NOT_ALLOWED"),
        ("docker.io/library/alpine:3", "PROXY_HOST_NOT_ALLOWED"),
    ] {
        let mut url = edge.url("/api/inspect");
        url.query_pairs_mut().append_pair("ref", reference);
        let r = client().get(url).send().await.unwrap();
        assert_eq!(r.status(), 403, "{reference}");
        assert_eq!(error_of(&r.text().await.unwrap()).0, code, "{reference}");
    }
    for query in ["", "?ref=", "?ref=UPPER/case:1", "?ref=127.0.0.1:5001/x:1&platform=not-a-platform/"] {
        let r = client().get(edge.url(&format!("/api/inspect{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        assert_eq!(error_of(&r.text().await.unwrap()).0, "INSPECT_BAD_REQUEST", "{query}");
    }
    edge.assert_no_alarm();
}

#[tokio::test]
async fn the_app_is_served_from_dist() {
    let edge = edge();
    let index =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../dist/index.html")).unwrap();
    let r = client().get(edge.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    policy::assert_app_page_is_locked_down(r.headers());
    assert_eq!(r.text().await.unwrap(), index);
    let wasm = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../dist"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.ends_with(".wasm"))
        .expect("dist/ holds the app's wasm");
    let r = client().get(edge.url(&format!("/{wasm}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wasm");
    edge.assert_no_alarm();
}

#[tokio::test]
async fn the_reach_api_lists_the_configured_registries() {
    let edge = edge();
    let r = client().get(edge.url("/api/reach")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let reach: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let registries: Vec<&str> =
        reach["registries"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    // scripts/edge: default_hosts = false, plain HTTP to the loopback registries and upstreams only.
    for upstream in &edge.upstreams {
        assert!(registries.contains(&upstream.as_str()), "{upstream} in {registries:?}");
    }
    assert!(registries.iter().all(|r| r.starts_with("127.")), "{registries:?}");
    assert_eq!(reach["foreign_layer_hosts"], serde_json::json!([]));
    edge.assert_no_alarm();
}
