//! What both proxies — `waybill serve` (serve_policy) and the Worker (edge_policy) — must do
//! alike, written once: the SSRF cases whose answer does not depend on the shell, the checks of a
//! refusal and of a preflight's grant, and where credentials and cookies may go. Each test adds
//! the cases its shell answers its own way (loopback spelt otherwise is refused by address
//! natively, by allowlist in the Worker, whose configuration names 127.0.0.1 registries).

use reqwest::header::HeaderMap;

use super::upstream::Upstreams;
use super::{client, error_of};

/// A request path, the error code it must get, and a word its message must contain.
pub type Case = (String, &'static str, &'static str);

/// The refusals both shells share. `a` is an allowed plain-HTTP upstream whose `/v2/hop/…` routes
/// redirect (support::upstream).
pub fn shared(a: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = vec![
        // Addresses no configuration here allows, in every spelling that reaches them.
        ("/r/[::1]/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        ("/r/10.0.0.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "private"),
        ("/r/10.255.255.254:5000/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "private"),
        ("/r/172.16.0.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "private"),
        ("/r/172.31.255.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "private"),
        ("/r/192.168.1.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "private"),
        ("/r/169.254.169.254/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "metadata"),
        ("/r/0xa9fea9fe/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "metadata"),
        ("/r/[fd00:ec2::254]/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "metadata"),
        ("/r/100.64.0.1/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "carrier-grade NAT"),
        ("/r/0.0.0.0/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "unspecified"),
        ("/r/localhost/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        ("/r/localhost:5000/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        ("/r/registry.localhost/v2/".into(), "PROXY_ADDRESS_FORBIDDEN", "loopback"),
        // Not on the allowlist.
        ("/r/registry.example.com/v2/".into(), "PROXY_HOST_NOT_ALLOWED", "allowed_hosts"),
        ("/r/registry-1.docker.io/v2/".into(), "PROXY_HOST_NOT_ALLOWED", "allowed_hosts"),
    ];
    cases.extend([
        // Redirects from an allowed upstream, checked hop by hop.
        (format!("/r/{a}/v2/hop/private"), "PROXY_ADDRESS_FORBIDDEN", "redirect from"),
        (format!("/r/{a}/v2/hop/metadata"), "PROXY_ADDRESS_FORBIDDEN", "metadata"),
        (format!("/r/{a}/v2/hop/unconfigured-port"), "PROXY_HOST_NOT_ALLOWED", "redirect from"),
        // Not the registry API, however the path is spelt.
        (format!("/r/{a}/admin"), "PROXY_PATH_NOT_ALLOWED", "/admin"),
        (format!("/r/{a}/v2/../admin"), "PROXY_PATH_NOT_ALLOWED", "/admin"),
        (format!("/r/{a}/v2/%2e%2e/admin"), "PROXY_PATH_NOT_ALLOWED", "/admin"),
        (format!("/r/{a}/v2"), "PROXY_PATH_NOT_ALLOWED", "/v2"),
        // Credentials smuggled into the authority.
        (format!("/r/{a}@evil.example/v2/"), "PROXY_BAD_HOST", "not a host"),
    ]);
    cases
}

/// Checks the answer to `path`: the expected code, a 4xx status, a message that says why.
pub fn assert_refused((path, code, hint): &Case, status: u16, body: &str) {
    let (got, message) = error_of(body);
    assert_eq!(got, *code, "{path}: {message}");
    assert!((400..=403).contains(&status), "{path}: status {status}");
    assert!(message.contains(hint), "{path}: message lacks {hint:?}: {message}");
}

/// Checks that a preflight granted `page` what the app's requests need.
pub fn assert_preflight_grants(headers: &HeaderMap, page: &str) {
    assert_eq!(headers["access-control-allow-origin"], page);
    assert_eq!(headers["access-control-allow-methods"], "GET, HEAD, POST, PATCH, PUT, DELETE");
    assert_eq!(
        headers["access-control-allow-headers"],
        "Authorization, Content-Type, Content-Range, Accept, Range"
    );
    assert_eq!(headers["access-control-max-age"], "600");
    assert_eq!(headers["vary"], "Origin");
}

/// `Authorization` goes only to the origin it was sent for: kept on a redirect within upstream A,
/// dropped on the hop to B; `Cookie`, `Referer` and `Origin` go nowhere; `Set-Cookie` never comes
/// back. `url` makes a proxy URL of a path; `up` may be shared with other tests (matches are
/// told apart by their own token).
pub async fn assert_credentials_stay_on_their_origin(url: impl Fn(&str) -> String, up: &Upstreams, a: &str) {
    let r = client()
        .get(url(&format!("/r/{a}/v2/hop/to-b")))
        .header("Authorization", "Bearer registry-token")
        .header("Cookie", "session=browser")
        .header("Referer", "http://127.0.0.1:9/page")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "blob-from-b");
    let at_a = up.seen_a.matching("/v2/hop/to-b").pop().unwrap();
    assert_eq!(at_a.headers["authorization"], "Bearer registry-token");
    let at_b = up.seen_b.matching("/blob?sig=s").pop().unwrap();
    for seen in [&at_a, &at_b] {
        assert!(seen.headers.get("cookie").is_none(), "Cookie forwarded to {}", seen.uri);
        assert!(seen.headers.get("referer").is_none() && seen.headers.get("origin").is_none());
    }
    assert!(at_b.headers.get("authorization").is_none(), "Authorization crossed origins: {:?}", at_b.headers);

    // A redirect within the origin keeps it.
    let r = client()
        .get(url(&format!("/r/{a}/v2/hop/same")))
        .header("Authorization", "Bearer same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "landed");
    let landed = up.seen_a.matching("/v2/landing");
    assert!(landed.iter().any(|s| s.headers.get("authorization").is_some_and(|v| v == "Bearer same-origin")));

    // Set-Cookie from the upstream never reaches the browser; other headers do.
    let r = client().get(url(&format!("/r/{a}/v2/"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(r.headers()["docker-distribution-api-version"], "registry/2.0");
}
