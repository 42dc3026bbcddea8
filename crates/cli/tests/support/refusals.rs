//! What both proxies — `waybill serve` (serve_policy) and the Worker (edge_policy) — must refuse
//! alike, written once: the SSRF cases whose answer does not depend on the shell, and the checks
//! of a refusal and of a preflight's grant. Each test adds the cases its shell answers its own
//! way (loopback spelt otherwise is refused by address natively, by allowlist in the Worker,
//! whose configuration names 127.0.0.1 registries).

use reqwest::header::HeaderMap;

use super::error_of;

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
