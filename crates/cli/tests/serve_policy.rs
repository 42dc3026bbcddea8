//! `waybill serve` against loopback upstreams: CORS, the SSRF matrix, credentials and cookies
//! across redirects, body caps and streaming, realms, timeouts, the loopback guard, the app's
//! files, the access log and shutdown. Needs no registry; everything stays on 127.0.0.0/8 (the
//! server runs with WAYBILL_TEST_LOOPBACK_ONLY=1 and every test fails if its guard fires).

mod support;

use std::net::ToSocketAddrs;

use bytes::Bytes;
use futures_util::StreamExt;
use support::serve::upstream::{self, UPSTREAM_IP, Upstreams};
use support::serve::{PATIENCE, Server, client, error_of, policy, raw_request};

const PAGE: &str = "http://127.0.0.1:9";

/// This machine's name; the tests rely on /etc/hosts mapping it to loopback.
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    let resolved: Vec<_> = (name.as_str(), 0).to_socket_addrs().unwrap().collect();
    assert!(
        !resolved.is_empty() && resolved.iter().all(|a| a.ip().is_loopback()),
        "precondition: the hostname {name} must resolve to loopback via /etc/hosts, got {resolved:?}"
    );
    name
}

async fn fixture(extra: &str) -> (Server, Upstreams) {
    fixture_with(extra, &[]).await
}

/// Both upstreams as plain-HTTP registries (plus `more_plain`), the hostname as a public registry
/// (so only the address policy stands between it and loopback), one allowed page origin.
async fn fixture_with(extra: &str, more_plain: &[String]) -> (Server, Upstreams) {
    let up = upstream::start().await;
    let mut plain = vec![up.a.to_string(), up.b.to_string()];
    plain.extend(more_plain.iter().cloned());
    let config = format!(
        "[proxy]\ndefault_hosts = false\nplain_http_hosts = {plain:?}\nallowed_hosts = [\"{}\"]\n\
         allowed_origins = [\"{PAGE}\"]\nmax_redirects = 3\n{extra}",
        hostname()
    );
    let server = tokio::task::spawn_blocking(move || Server::start(&config)).await.unwrap();
    (server, up)
}

async fn get(server: &Server, path: &str) -> reqwest::Response {
    client().get(server.url(path)).send().await.unwrap()
}

async fn refusal(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    assert_eq!(response.headers()["content-type"], "application/json");
    let (code, message) = error_of(&response.text().await.unwrap());
    (status, code, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preflights_are_answered_by_the_proxy_and_never_forwarded() {
    let (server, up) = fixture("").await;
    for path in [
        format!("/r/{}/v2/x/blobs/uploads/", up.a),
        "/r/evil.example/v2/".to_owned(),
        "/r/10.0.0.1/v2/".to_owned(),
    ] {
        let r = client()
            .request(reqwest::Method::OPTIONS, server.url(&path))
            .header("Origin", PAGE)
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization,content-type,content-range")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        policy::assert_preflight_grants(r.headers(), PAGE);
    }
    // A page that is not allowed gets a 204 without permission: the browser stops there.
    let r = client()
        .request(reqwest::Method::OPTIONS, server.url(&format!("/r/{}/v2/", up.a)))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // Private Network Access (a public page reaching the local proxy) is granted to allowed pages.
    let r = client()
        .request(reqwest::Method::OPTIONS, server.url(&format!("/r/{}/v2/", up.a)))
        .header("Origin", PAGE)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Private-Network", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-private-network"], "true");
    assert!(up.seen_a.all().is_empty(), "a preflight reached the upstream: {:?}", up.seen_a.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cors_on_forwarded_answers_and_unknown_pages_refused() {
    let (server, up) = fixture("").await;
    let r =
        client().get(server.url(&format!("/r/{}/v2/", up.a))).header("Origin", PAGE).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], PAGE);
    let exposed = r.headers()["access-control-expose-headers"].to_str().unwrap().to_owned();
    for name in ["Location", "Docker-Content-Digest", "WWW-Authenticate", "OCI-Chunk-Min-Length", "Range"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
    assert_eq!(r.headers()["vary"], "Origin");

    let before = up.seen_a.all().len();
    let r = client()
        .get(server.url(&format!("/r/{}/v2/", up.a)))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    let (status, code, message) = refusal(r).await;
    assert_eq!((status, code.as_str()), (403, "PROXY_ORIGIN_NOT_ALLOWED"));
    assert!(message.contains("http://evil.example") && message.contains("allowed_origins"), "{message}");
    assert_eq!(up.seen_a.all().len(), before, "a refused page's request reached the upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ssrf_matrix() {
    let (server, up) = fixture("").await;
    let name = hostname();
    let a = up.a;
    // Natively, loopback in any spelling is refused by address: only the upstreams, named as
    // plain-HTTP registries, may be reached there.
    let mut cases = policy::shared(&a.to_string());
    cases.extend([
        ("/r/127.0.0.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        (format!("/r/127.0.0.1:{}/v2/", server.addr.port()), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        ("/r/[::ffff:127.0.0.1]/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        (format!("/r/{name}/v2/"), "PROXY_ADDRESS_FORBIDDEN", "resolved by DNS"),
        ("/r/2130706433/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 2130706433"),
        ("/r/0x7f000001/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 0x7f000001"),
        ("/r/0177.0.0.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 0177.0.0.1"),
        ("/r/127.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "written as 127.1"),
        (format!("/r/{a}/v2/hop/hex-loopback"), "PROXY_ADDRESS_FORBIDDEN", "redirect from"),
        (format!("/r/{a}/token"), "PROXY_PATH_NOT_ALLOWED", "token realms"),
        (format!("/r/{UPSTREAM_IP}:1/v2/"), "PROXY_HOST_NOT_ALLOWED", "plain_http_hosts"),
        ("/r/evil.example%2F/v2/".into(), "PROXY_BAD_HOST", "not a host"),
    ]);
    let proxy = server.addr;
    for case in cases {
        let (status, body) = tokio::task::spawn_blocking({
            let path = case.0.clone();
            move || raw_request(proxy, "GET", &path, &[])
        })
        .await
        .unwrap();
        policy::assert_refused(&case, status, &body);
    }
    // Nothing refused reached the upstream except the redirecting requests themselves.
    let reached: Vec<String> = up.seen_a.all().into_iter().map(|s| s.uri).collect();
    assert!(reached.iter().all(|u| u.starts_with("/v2/hop/")), "{reached:?}");
    assert!(up.seen_b.all().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authorization_stays_on_its_origin_and_cookies_are_stripped() {
    let (server, up) = fixture("").await;
    policy::assert_credentials_stay_on_their_origin(|path| server.url(path), &up, &up.a.to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hostile_upstream_is_contained() {
    // A short answer timeout, so that a forwarded length with no body fails fast (as a 504)
    // instead of holding the test for the default minute.
    let (server, up) = fixture("response_timeout_secs = 5\n").await;
    policy::assert_hostile_upstream_is_contained(|path| server.url(path), &up).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redirect_hops_are_bounded_and_uploads_are_not_replayed() {
    let (server, up) = fixture("").await;
    let (status, code, message) = refusal(get(&server, &format!("/r/{}/v2/hop/loop", up.a)).await).await;
    assert_eq!((status, code.as_str()), (502, "PROXY_TOO_MANY_REDIRECTS"));
    assert!(message.contains("more than 3"), "{message}");
    assert_eq!(up.seen_a.matching("/v2/hop/loop").len(), 4, "1 request + 3 redirects followed");

    // A PUT's redirect goes back to the browser, pointed at the proxy.
    let r = client().put(server.url(&format!("/r/{}/v2/upload", up.a))).body("data").send().await.unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["location"], format!("/r/{}/v2/upload-elsewhere?_state=x", up.a));
    assert!(up.seen_a.matching("/v2/upload-elsewhere").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn token_realms_are_rewritten_then_learned() {
    let (server, up) = fixture("").await;
    let (_, code, _) = refusal(get(&server, &format!("/r/{}/token?scope=x", up.a)).await).await;
    assert_eq!(code, "PROXY_PATH_NOT_ALLOWED", "the realm must not be reachable before a challenge names it");

    let r = get(&server, &format!("/r/{}/v2/auth", up.a)).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        format!(r#"Bearer realm="/r/{}/token",service="test",scope="repository:x:pull""#, up.a)
    );
    let r = get(&server, &format!("/r/{}/token?service=test&scope=repository:x:pull", up.a)).await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["query"], "service=test&scope=repository:x:pull");
    // Only that path was opened.
    let (_, code, _) = refusal(get(&server, &format!("/r/{}/token2", up.a)).await).await;
    assert_eq!(code, "PROXY_PATH_NOT_ALLOWED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn request_bodies_are_capped() {
    let (server, up) = fixture("max_request_body = 65536\n").await;
    let url = server.url(&format!("/r/{}/v2/count", up.a));
    let r = client().put(&url).body(vec![1u8; 65536]).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.text().await.unwrap(), "65536");

    // Declared too large: refused before the upstream hears of it. The bodies are bigger than
    // the sockets' buffers, so the client is still writing when the refusal comes; it must still
    // get to read it (the server reads the rest instead of resetting the connection).
    let before = up.seen_a.matching("/v2/count").len();
    let (status, code, message) =
        refusal(client().put(&url).body(vec![1u8; 4 << 20]).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (413, "PROXY_BODY_TOO_LARGE"));
    assert!(message.contains("4194304 bytes") && message.contains("max_request_body"), "{message}");
    assert_eq!(up.seen_a.matching("/v2/count").len(), before);

    // Undeclared (chunked) and too large: cut off while streaming.
    let chunks =
        futures_util::stream::iter((0..1024).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![2u8; 4096]))));
    let r = client().patch(&url).body(reqwest::Body::wrap_stream(chunks)).send().await.unwrap();
    let (status, code, _) = refusal(r).await;
    assert_eq!((status, code.as_str()), (413, "PROXY_BODY_TOO_LARGE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bodies_stream_both_ways() {
    let (server, up) = fixture("").await;
    // Upload: the upstream must see the first part while the client still holds the second.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let body =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let request = client()
        .patch(server.url(&format!("/r/{}/v2/stream-in", up.a)))
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let pending = tokio::spawn(request);
    tx.send(Ok(Bytes::from(vec![3u8; 100_000]))).await.unwrap();
    tokio::time::timeout(PATIENCE, up.signals.first_part_arrived.notified())
        .await
        .expect("the upstream never saw the first part: the proxy buffers request bodies");
    tx.send(Ok(Bytes::from(vec![4u8; 50_000]))).await.unwrap();
    drop(tx);
    let r = pending.await.unwrap().unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.text().await.unwrap(), "150000");

    // Download: the browser must see the first part while the upstream still holds the second.
    let r = get(&server, &format!("/r/{}/v2/stream-out", up.a)).await;
    assert_eq!(r.headers()["docker-content-digest"], "sha256:00");
    let mut stream = r.bytes_stream();
    let first = tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("the first part never arrived: the proxy buffers response bodies")
        .unwrap()
        .unwrap();
    assert_eq!(&first[..], b"first|");
    up.signals.first_part_received.notify_one();
    let rest: Vec<u8> = stream.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(rest, b"second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unreachable_and_silent_upstreams() {
    let dead = std::net::TcpListener::bind((UPSTREAM_IP, 0)).unwrap().local_addr().unwrap(); // closed at once
    let (server, up) = fixture_with("response_timeout_secs = 1\n", &[dead.to_string()]).await;
    let (status, code, message) = refusal(get(&server, &format!("/r/{dead}/v2/")).await).await;
    assert_eq!((status, code.as_str()), (502, "PROXY_UPSTREAM_UNREACHABLE"));
    assert!(message.contains(&dead.to_string()), "{message}");
    let (status, code, message) = refusal(get(&server, &format!("/r/{}/v2/hang", up.a)).await).await;
    assert_eq!((status, code.as_str()), (504, "PROXY_TIMEOUT"));
    assert!(message.contains("within 1 s"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_loopback_guard_stops_what_a_lax_policy_lets_through() {
    // A configuration that allows leaving the machine: a private registry and a public one.
    let (mut server, _up) = fixture("private_hosts = [\"10.255.255.1\"]\nredirect_hosts = []\n").await;
    server.expect_alarm();
    let r = get(&server, "/r/10.255.255.1/v2/").await;
    let (status, code, message) = refusal(r).await;
    assert_eq!((status, code.as_str()), (502, "PROXY_UPSTREAM_UNREACHABLE"));
    assert!(message.contains("WAYBILL_TEST_LOOPBACK_ONLY"), "{message}");
    server.wait_for_log(|l| l.contains(support::serve::ALARM) && l.contains("10.255.255.1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_loopback_guard_refuses_dns_for_names_outside_etc_hosts() {
    let up = upstream::start().await;
    let config = format!("[proxy]\ndefault_hosts = true\nplain_http_hosts = [\"{}\"]\n", up.a);
    let mut server = tokio::task::spawn_blocking(move || Server::start(&config)).await.unwrap();
    server.expect_alarm();
    let (status, code, message) = refusal(get(&server, "/r/registry-1.docker.io/v2/").await).await;
    assert_eq!((status, code.as_str()), (502, "PROXY_UPSTREAM_UNREACHABLE"));
    assert!(message.contains("would query DNS"), "{message}");
    server.wait_for_log(|l| l.contains(support::serve::ALARM) && l.contains("registry-1.docker.io"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_app_is_served_on_the_same_origin() {
    let (server, _up) = fixture("").await;
    let index = get(&server, "/").await;
    policy::assert_app_page_is_locked_down(index.headers());
    let index = index.text().await.unwrap();
    assert_eq!(index, support::serve::APP_INDEX);
    let missing = get(&server, "/no-such-asset.svg").await;
    assert_eq!(missing.status(), 404, "a missing asset is not answered with index.html");
    let wasm = get(&server, "/app.wasm").await;
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let (_, code, _) = refusal(get(&server, "/r/").await).await;
    assert_eq!(code, "PROXY_BAD_HOST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_for_other_host_names_are_refused() {
    let (server, up) = fixture("").await;
    let proxy = server.addr;
    let path = format!("/r/{}/v2/", up.a);
    let (status, body) = tokio::task::spawn_blocking(move || {
        raw_request(proxy, "GET", &path, &[("Host", "rebound.example:8080")])
    })
    .await
    .unwrap();
    assert_eq!(status, 421);
    assert_eq!(error_of(&body).0, "PROXY_MISDIRECTED");
    assert!(up.seen_a.all().is_empty());
    let r = client().get(format!("http://localhost:{}/r/{}/v2/", proxy.port(), up.a)).send().await.unwrap();
    assert_eq!(r.status(), 200, "localhost names the server too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_access_log_keeps_no_secrets() {
    let (server, up) = fixture("").await;
    let r = client()
        .post(server.url(&format!("/r/{}/v2/auth?account=alice&password=hunter2", up.a)))
        .header("Authorization", "Basic c2VjcmV0LXNlY3JldA==")
        .header("Cookie", "session=cookie-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let line = server.wait_for_log(|l| l.starts_with("POST /r/"));
    assert_eq!(line.split(' ').nth(1), Some(format!("/r/{}/v2/auth?…", up.a).as_str()), "{line}");
    let log = server.log_text();
    for secret in ["hunter2", "alice", "c2VjcmV0", "cookie-secret"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_stops_the_server_cleanly() {
    let (server, up) = fixture("").await;
    assert_eq!(get(&server, &format!("/r/{}/v2/", up.a)).await.status(), 200);
    let (status, log) = tokio::task::spawn_blocking(move || server.terminate()).await.unwrap();
    assert!(status.success(), "{status}: {log}");
    assert!(log.contains("SIGTERM received"), "{log}");
}

#[test]
fn a_bad_configuration_is_refused_at_start_with_the_entry_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("waybill.toml");
    std::fs::write(&config, "[proxy]\nplain_http_hosts = [\"127.0.0.1\"]\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_waybill"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plain_http_hosts") && stderr.contains("127.0.0.1:5000"), "{stderr}");
}
