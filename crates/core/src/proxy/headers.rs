//! Which headers cross the proxy.
//!
//! Requests: an allowlist. Only what the registry protocol needs is forwarded; the browser's
//! cookies, `Origin`/`Referer` (they would tell the registry about the page), `Host` (the client
//! sets the upstream's), forwarding and hop-by-hop headers never are. `Authorization` goes only to
//! the origin named in the route, never across a redirect to another origin (invariant 4).
//!
//! Responses: a denylist, because registries add headers the app may need (`Docker-Content-Digest`,
//! `OCI-Chunk-Min-Length`, rate-limit headers…). What is dropped would otherwise act on the
//! proxy's own origin: cookies, HSTS, `Alt-Svc`, `Clear-Site-Data`, the upstream's CORS headers
//! (the proxy sets its own), and hop-by-hop headers; and what could make an upstream's answer run
//! as the app ([`confinement_headers`], which every `/r/` answer carries instead).

/// Request headers forwarded upstream, besides `Authorization`.
pub const FORWARDED_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "content-range",
    "range",
    "docker-distribution-api-version",
    "user-agent",
];

/// Hop-by-hop headers (RFC 9110 §7.6.1), plus the non-standard ones clients still send.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Response headers that would act on the proxy's origin rather than describe the response, or
/// that the proxy sets itself ([`confinement_headers`]): a `Refresh` that navigates the tab, a
/// `Service-Worker-Allowed` that widens a worker's scope to the app, an upstream CSP or
/// `Content-Disposition` that would replace the proxy's own.
const ORIGIN_WIDE_RESPONSE_HEADERS: &[&str] = &[
    "set-cookie",
    "set-cookie2",
    "strict-transport-security",
    "alt-svc",
    "clear-site-data",
    "public-key-pins",
    "public-key-pins-report-only",
    "refresh",
    "service-worker-allowed",
    "content-security-policy",
    "content-security-policy-report-only",
    "x-content-type-options",
    "content-disposition",
];

/// Content types a registry answers with (manifests, blobs, tokens, errors), which a browser
/// never renders as a page. Anything else, or nothing, is downloaded instead of displayed.
fn is_registry_content_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json"
        || essence.ends_with("+json")
        || essence.starts_with("application/vnd.oci.")
        || essence.starts_with("application/vnd.docker.")
        || matches!(
            essence.as_str(),
            "application/octet-stream"
                | "application/gzip"
                | "application/x-gzip"
                | "application/zstd"
                | "application/x-tar"
        )
}

/// The headers every `/r/` response carries, whatever the upstream said, for a response of
/// `content_type`. An upstream page opened on the proxy's origin (by a link, or a hostile CDN's
/// `text/html`) must never run as the app: `nosniff` stops the browser guessing a type,
/// `sandbox` gives any document an opaque origin with no script, and a type that is not a
/// registry's is a download, not a page. `fetch` from the app ignores all three.
pub fn confinement_headers(content_type: Option<&str>) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![("x-content-type-options", "nosniff"), ("content-security-policy", "sandbox")];
    if !content_type.is_some_and(is_registry_content_type) {
        headers.push(("content-disposition", "attachment"));
    }
    headers
}

/// Whether the proxy forwards a request body for `method`. Only the registry protocol's uploads
/// carry one; a body sent with anything else is not read, and not forwarded.
pub fn carries_body(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

/// The request headers to send upstream for a request with `method`, lower-cased, in order.
/// `send_authorization` is false once a redirect has left the route's origin. A `Content-Length`
/// goes only with the body it measures: forwarded on a GET whose body the proxy drops, it would
/// leave the upstream waiting for bytes that never come.
pub fn forward_request_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    method: &str,
    send_authorization: bool,
) -> Vec<(String, String)> {
    let with_body = carries_body(method);
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let wanted = (FORWARDED_REQUEST_HEADERS.contains(&name.as_str())
                && (with_body || name != "content-length"))
                || (send_authorization && name == "authorization");
            wanted.then(|| (name, value.to_owned()))
        })
        .collect()
}

/// Whether a response header is dropped before the browser sees it. `connection_tokens` are the
/// header names the upstream's `Connection` header listed (hop-by-hop by declaration).
pub fn is_dropped_response_header(name: &str, connection_tokens: &[String]) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&name.as_str())
        || ORIGIN_WIDE_RESPONSE_HEADERS.contains(&name.as_str())
        || name.starts_with("access-control-")
        || connection_tokens.iter().any(|t| t.eq_ignore_ascii_case(&name))
}

/// The names listed in every `Connection` header of a response, lower-cased.
pub fn connection_tokens<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    headers
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, value)| value.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROWSER_REQUEST: &[(&str, &str)] = &[
        ("Host", "127.0.0.1:8080"),
        ("Authorization", "Bearer secret"),
        ("Cookie", "session=1"),
        ("Origin", "http://app.example"),
        ("Referer", "http://app.example/page"),
        ("Accept", "application/vnd.oci.image.index.v1+json"),
        ("Content-Type", "application/octet-stream"),
        ("Content-Length", "10"),
        ("Content-Range", "0-9"),
        ("Range", "bytes=0-9"),
        ("Docker-Distribution-Api-Version", "registry/2.0"),
        ("User-Agent", "waybill"),
        ("Connection", "keep-alive"),
        ("Transfer-Encoding", "chunked"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("Proxy-Authorization", "Basic x"),
        ("Accept-Encoding", "gzip"),
    ];

    #[test]
    fn request_allowlist_with_authorization() {
        let out = forward_request_headers(BROWSER_REQUEST.iter().copied(), "PATCH", true);
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        // Authorization first, then the allowlist in its order: nothing else of what the
        // browser sent.
        let expected: Vec<&str> =
            ["authorization"].into_iter().chain(FORWARDED_REQUEST_HEADERS.iter().copied()).collect();
        assert_eq!(names, expected);
        assert_eq!(out[0].1, "Bearer secret");
    }

    #[test]
    fn request_without_authorization_after_leaving_the_origin() {
        let out = forward_request_headers(BROWSER_REQUEST.iter().copied(), "PUT", false);
        assert!(out.iter().all(|(n, _)| n != "authorization" && n != "cookie"));
        assert_eq!(out.len(), 7);
    }

    #[test]
    fn no_length_without_the_body_it_measures() {
        for method in ["GET", "HEAD", "DELETE", "OPTIONS"] {
            assert!(!carries_body(method), "{method}");
            let out = forward_request_headers(BROWSER_REQUEST.iter().copied(), method, true);
            assert!(out.iter().all(|(n, _)| n != "content-length"), "{method}: {out:?}");
            assert!(out.iter().any(|(n, _)| n == "range"), "{method}: the rest is forwarded");
        }
        for method in ["POST", "PUT", "PATCH"] {
            assert!(carries_body(method), "{method}");
            let out = forward_request_headers(BROWSER_REQUEST.iter().copied(), method, true);
            assert!(out.iter().any(|(n, v)| n == "content-length" && v == "10"), "{method}");
        }
    }

    #[test]
    fn response_denylist() {
        let headers = [("Connection", "close, X-Secret-Hop"), ("connection", "Keep-Alive")];
        let tokens = connection_tokens(headers.iter().copied());
        assert_eq!(tokens, ["close", "x-secret-hop", "keep-alive"]);
        for dropped in [
            "Set-Cookie",
            "set-cookie2",
            "Transfer-Encoding",
            "Connection",
            "Strict-Transport-Security",
            "Alt-Svc",
            "Clear-Site-Data",
            "Access-Control-Allow-Origin",
            "access-control-expose-headers",
            "X-Secret-Hop",
            "Refresh",
            "Service-Worker-Allowed",
            "Content-Security-Policy",
            "content-security-policy-report-only",
            "X-Content-Type-Options",
            "Content-Disposition",
        ] {
            assert!(is_dropped_response_header(dropped, &tokens), "{dropped}");
        }
        for kept in [
            "Content-Type",
            "Content-Length",
            "Docker-Content-Digest",
            "Docker-Upload-UUID",
            "Location",
            "Range",
            "WWW-Authenticate",
            "OCI-Chunk-Min-Length",
            "ratelimit-remaining",
            "Link",
            "ETag",
        ] {
            assert!(!is_dropped_response_header(kept, &tokens), "{kept}");
        }
    }

    #[test]
    fn confinement_for_every_answer() {
        for registry_type in [
            "application/json",
            "application/json; charset=utf-8",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/octet-stream",
            "application/problem+json",
        ] {
            let h = confinement_headers(Some(registry_type));
            assert_eq!(h, [("x-content-type-options", "nosniff"), ("content-security-policy", "sandbox")]);
        }
        for page in [Some("text/html"), Some("text/html; charset=utf-8"), Some("image/svg+xml"), None] {
            let h = confinement_headers(page);
            assert!(h.contains(&("content-disposition", "attachment")), "{page:?}");
            assert!(h.contains(&("content-security-policy", "sandbox")), "{page:?}");
            assert!(h.contains(&("x-content-type-options", "nosniff")), "{page:?}");
        }
    }
}
