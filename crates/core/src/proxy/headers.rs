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
//! (the proxy sets its own), and hop-by-hop headers.

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

/// Response headers that would act on the proxy's origin rather than describe the response.
const ORIGIN_WIDE_RESPONSE_HEADERS: &[&str] = &[
    "set-cookie",
    "set-cookie2",
    "strict-transport-security",
    "alt-svc",
    "clear-site-data",
    "public-key-pins",
    "public-key-pins-report-only",
];

/// The request headers to send upstream, lower-cased, in order. `send_authorization` is false
/// once a redirect has left the route's origin.
pub fn forward_request_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    send_authorization: bool,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let wanted = FORWARDED_REQUEST_HEADERS.contains(&name.as_str())
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
        let out = forward_request_headers(BROWSER_REQUEST.iter().copied(), true);
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "authorization",
                "accept",
                "content-type",
                "content-length",
                "content-range",
                "range",
                "docker-distribution-api-version",
                "user-agent"
            ]
        );
        assert_eq!(out[0].1, "Bearer secret");
    }

    #[test]
    fn request_without_authorization_after_leaving_the_origin() {
        let out = forward_request_headers(BROWSER_REQUEST.iter().copied(), false);
        assert!(out.iter().all(|(n, _)| n != "authorization" && n != "cookie"));
        assert_eq!(out.len(), 7);
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
}
