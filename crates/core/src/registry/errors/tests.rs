//! Tests of [`RegistryError::from_response`]: the hints, the body shapes, the display.

use super::*;
use crate::remedy::Remedy;

/// Core messages are shown by every shell: none names a CLI flag.
#[test]
fn hints_name_no_flag() {
    for status in [400, 401, 403, 404, 405, 413, 416, 429, 500, 502] {
        for code in [
            "MANIFEST_INVALID",
            "MANIFEST_BLOB_UNKNOWN",
            "BLOB_UNKNOWN",
            "DIGEST_INVALID",
            "SIZE_INVALID",
            "BLOB_UPLOAD_UNKNOWN",
            "BLOB_UPLOAD_INVALID",
            "RANGE_INVALID",
            "UNAUTHORIZED",
            "DENIED",
            "",
        ] {
            let body = format!(r#"{{"errors":[{{"code":"{code}","message":"m"}}]}}"#);
            let e = parse(status, &[], &body);
            assert!(!e.to_string().contains("--"), "{status} {code}: {e}");
        }
    }
}

fn parse(status: u16, headers: &[(&str, &str)], body: &str) -> RegistryError {
    let headers: Vec<(String, String)> =
        headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    RegistryError::from_response(Method::Put, "http://r/v2/a/manifests/t", status, &headers, body.as_bytes())
}

#[test]
fn oci_body_with_object_detail() {
    let e = parse(
        404,
        &[],
        r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#,
    );
    assert_eq!(e.code.as_deref(), Some("MANIFEST_UNKNOWN"));
    assert_eq!(e.message, "manifest unknown");
    assert_eq!(e.detail.as_deref(), Some(r#"{"Tag":"nope"}"#));
    assert!(e.hint.contains("no manifest with this tag"));
    assert_eq!(
        e.to_string(),
        "PUT http://r/v2/a/manifests/t answered 404 MANIFEST_UNKNOWN: manifest unknown ({\"Tag\":\"nope\"}). \
             the repository has no manifest with this tag or digest"
    );
}

#[test]
fn pulp_foreign_layer_without_urls() {
    let e = parse(
        400,
        &[],
        r#"{"errors":[{"code":"MANIFEST_INVALID","message":"The URL of a foreign layer must be specified","detail":{"digest":"sha256:ab"}}]}"#,
    );
    assert!(e.has_code("MANIFEST_INVALID"));
    assert!(e.hint.contains("has no `urls`"), "{}", e.hint);
}

#[test]
fn generic_manifest_invalid_points_at_foreign_layers() {
    let e = parse(400, &[], r#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}"#);
    assert!(e.hint.contains("foreign layers must be allowed"));
    assert!(e.hint.contains("validation.manifests.urls"));
    assert_eq!(e.detail, None);
}

#[test]
fn several_entries_are_all_kept() {
    let e = parse(
        400,
        &[],
        r#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:aa"},
                          {"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:bb"}]}"#,
    );
    assert_eq!(e.detail.as_deref(), Some("sha256:aa"));
    assert_eq!(e.more.len(), 1);
    assert_eq!(e.more[0].detail.as_deref(), Some("sha256:bb"));
    assert!(e.to_string().contains("; MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:bb)"), "{e}");
    assert!(e.hint.contains("lacks a blob"));
}

#[test]
fn repeated_entries_are_shown_once() {
    // Debian's distribution 2.8 refusing a manifest whose foreign urls it does not allow.
    let e = parse(
        500,
        &[],
        r#"{"errors":[{"code":"UNKNOWN","message":"unknown error"},{"code":"UNKNOWN","message":"unknown error","detail":{}},
                          {"code":"UNKNOWN","message":"unknown error"},
                          {"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:99"}]}"#,
    );
    let text = e.to_string();
    assert_eq!(text.matches("unknown error").count(), 1, "{text}");
    assert!(text.contains("MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:99)"), "{text}");
}

#[test]
fn digest_invalid() {
    let e = parse(
        400,
        &[],
        r#"{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}"#,
    );
    assert!(e.hint.contains("verify the source"));
}

#[test]
fn pulp_html_500() {
    let body = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n\
                    <body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n";
    let e = parse(500, &[("Content-Type", "text/html; charset=utf-8")], body);
    assert_eq!(e.code, None);
    assert_eq!(e.message, "Server Error (500) (HTML error page)");
    assert!(e.hint.contains("wrong offset"), "{}", e.hint);
}

#[test]
fn unauthorized_and_denied() {
    let e = parse(401, &[], r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#);
    assert!(e.hint.contains("wants a login"));
    assert_eq!(e.remedy, Some(Remedy::SignIn), "each shell offers its own way to sign in");
    let e = parse(403, &[], "");
    assert_eq!(e.message, "Forbidden");
    assert!(e.hint.contains("lack permission"));
    assert_eq!(e.remedy, Some(Remedy::SignIn));
    let e = parse(403, &[], r#"{"errors":[{"code":"DENIED","message":"requested access is denied"}]}"#);
    assert!(e.hint.contains("lack permission"));
    let e = parse(
        403,
        &[],
        r#"{"errors":[{"code":"PROXY_HOST_NOT_ALLOWED","message":"the proxy does not forward to x"}]}"#,
    );
    assert_eq!(e.hint, "", "the proxy's own message says what to do");
    assert_eq!(e.remedy, None, "signing in would not help");
}

#[test]
fn rate_limit_reports_remaining() {
    let e = parse(
        429,
        &[("RateLimit-Remaining", "0;w=21600")],
        r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}"#,
    );
    assert_eq!(e.ratelimit_remaining.as_deref(), Some("0;w=21600"));
    assert!(e.hint.contains("ratelimit-remaining: 0;w=21600"), "{}", e.hint);
    // A Retry-After the retry rule did not wait out tells the user when to come back.
    let e = parse(429, &[("Retry-After", "3600")], "");
    assert!(e.hint.ends_with("; the registry asks to retry after 3600 s (Retry-After)"), "{}", e.hint);
    let e = parse(503, &[("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")], "");
    assert!(e.hint.ends_with("after Sun, 06 Nov 1994 08:49:37 GMT (Retry-After)"), "{}", e.hint);
}

#[test]
fn plain_text_and_empty_and_garbage_bodies() {
    assert_eq!(parse(502, &[], "upstream went away\n").message, "upstream went away");
    assert_eq!(parse(404, &[], "").message, "Not Found");
    assert_eq!(parse(418, &[], "").message, "HTTP status 418");
    // JSON that is not an error body falls back to the status text.
    assert_eq!(parse(400, &[], r#"{"detail":"x"}"#).message, "Bad Request");
    assert_eq!(parse(400, &[], r#"{"errors":"nope"}"#).message, "Bad Request");
    // An entry without a message still gets one.
    assert_eq!(parse(400, &[], r#"{"errors":[{"code":"SIZE_INVALID"}]}"#).message, "Bad Request");
}

#[test]
fn html_without_title_uses_h1_or_says_so() {
    assert_eq!(parse(500, &[], "<html><body><H1>Boom</H1></body></html>").message, "Boom (HTML error page)");
    assert_eq!(parse(500, &[], "<html><body></body></html>").message, "HTML error page without a title");
}
