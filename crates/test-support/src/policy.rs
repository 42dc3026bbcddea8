//! What both proxies — `waybill serve` (crates/cli's serve_policy) and the Worker (crates/edge's
//! edge_policy) — must do alike, written once: the SSRF cases whose answer does not depend on the
//! shell, the checks of a refusal and of a preflight's grant, and where credentials and cookies
//! may go. Each test adds the cases its shell answers its own way (loopback spelt otherwise is
//! refused by address natively, by allowlist in the Worker, whose configuration names 127.0.0.1
//! registries).

use reqwest::header::HeaderMap;

use crate::upstream::Upstreams;
use crate::{client, error_of};

/// A request path, the error code it must get, and a word its message must contain.
pub type Case = (String, &'static str, &'static str);

/// The refusals both shells share. `a` is an allowed plain-HTTP upstream whose `/v2/hop/…` routes
/// redirect ([`crate::upstream`]).
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

/// What a hostile allowed upstream (A) must not achieve through the proxy, with B another allowed
/// origin: open B's paths, or Pulp's REST API, by announcing them as token realms; send B
/// credentials through a redirect with user info; leave the upstream waiting for a body the
/// proxy dropped; or have its page run as the app. `url` makes a proxy URL of a path.
pub async fn assert_hostile_upstream_is_contained(url: impl Fn(&str) -> String, up: &Upstreams) {
    let (a, b) = (up.a, up.b);
    // Realms: rewritten for the browser, never opened.
    for (announcer, realm) in [
        ("/v2/realm/cross-origin", format!("/r/{b}/admin/token")),
        ("/v2/realm/pulp-api", format!("/r/{a}/pulp/api/v3/tasks/")),
    ] {
        let r = client().get(url(&format!("/r/{a}{announcer}"))).send().await.unwrap();
        assert_eq!(r.status(), 401, "{announcer}");
        let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.contains(&format!(r#"realm="{realm}""#)), "{challenge}");
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let r = client().request(method.clone(), url(&realm)).body("{}").send().await.unwrap();
            let status = r.status().as_u16();
            let (code, message) = error_of(&r.text().await.unwrap());
            assert_eq!(
                (status, code.as_str()),
                (403, "PROXY_PATH_NOT_ALLOWED"),
                "{method} {realm}: {message}"
            );
        }
    }
    assert!(up.seen_b.matching("/admin").is_empty(), "a realm on another origin was reached");
    assert!(up.seen_a.matching("/pulp/").is_empty(), "Pulp's REST API was reached through a realm");

    // A redirect with user info is refused, and B never hears of it.
    let r = client()
        .get(url(&format!("/r/{a}/v2/hop/userinfo")))
        .header("Authorization", "Bearer registry-token")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let (code, message) = error_of(&r.text().await.unwrap());
    assert_eq!((status, code.as_str()), (502, "PROXY_BAD_REDIRECT"), "{message}");
    assert!(message.contains("user name or password") && !message.contains("secret"), "{message}");
    assert!(up.seen_b.matching("/blob?sig=userinfo").is_empty(), "the redirect with user info was followed");

    // A GET or DELETE with a body: the body is not forwarded, so neither is its length (the
    // upstream reads to the end of what it is told to expect, and answers with the count).
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let r = client()
            .request(method.clone(), url(&format!("/r/{a}/v2/count")))
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{method}");
        assert_eq!(r.text().await.unwrap(), "0", "{method}");
    }
    // Only the GETs and DELETEs are looked at: other tests POST bodies to the same upstream's
    // /v2/count (the Worker's tests share one upstream). workerd gives a body-less DELETE (as
    // it does a PUT or POST) its own `Content-Length: 0`: that one measures the empty body it
    // sends, so the upstream waits for nothing; the client's `5` must never arrive.
    let with_length: Vec<_> = up
        .seen_a
        .matching("/v2/count")
        .into_iter()
        .filter(|s| s.method == "GET" || s.method == "DELETE")
        .filter(|s| s.headers.get("content-length").is_some_and(|v| v != "0"))
        .collect();
    assert!(with_length.is_empty(), "a length was forwarded without its body: {with_length:?}");

    // An upstream's page is confined: no sniffing, no script, a download; its own navigation,
    // service-worker scope and CSP are dropped.
    let r = client().get(url(&format!("/r/{a}/v2/html"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "sandbox");
    assert_eq!(h["content-disposition"], "attachment");
    for dropped in ["refresh", "service-worker-allowed"] {
        assert!(h.get(dropped).is_none(), "{dropped} passed through");
    }
    assert_eq!(h.get_all("content-security-policy").iter().count(), 1, "the upstream's CSP passed through");
    assert_eq!(
        h.get_all("content-disposition").iter().count(),
        1,
        "the upstream's disposition passed through"
    );
    // Untyped answers are downloads too; registry JSON is not, and refusals are confined alike.
    let r = client().get(url(&format!("/r/{a}/v2/landing"))).send().await.unwrap();
    assert_eq!(r.headers()["content-disposition"], "attachment");
    let r = client().get(url(&format!("/r/{a}/v2/missing"))).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let r = client().get(url(&format!("/r/{a}/admin"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["content-security-policy"], "sandbox");
    assert!(r.headers().get("content-disposition").is_none());
}

/// The app's page: a CSP that allows no inline script but one loader by hash (Trunk writes
/// exactly one, and so does the test app), no eval but WebAssembly's, no framing; no sniffing.
pub fn assert_app_page_is_locked_down(headers: &HeaderMap) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    for directive in
        ["script-src 'self' 'wasm-unsafe-eval' 'sha256-", "frame-ancestors 'none'", "object-src 'none'"]
    {
        assert!(csp.contains(directive), "{directive}: {csp}");
    }
    assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}
