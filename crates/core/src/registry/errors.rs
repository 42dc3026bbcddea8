//! Registry error responses turned into one [`RegistryError`] that says what happened and what to
//! do about it.
//!
//! Registries answer failures in two shapes: the OCI/distribution JSON body
//! `{"errors":[{"code","message","detail"}]}`, and — Pulp, on an unhandled exception such as a
//! chunk at the wrong offset — an HTML "Server Error (500)" page. Both end up here, with the
//! status, the first error code, the message, the detail and a hint.

use std::fmt;

use serde::Deserialize;

use super::auth::AuthError;
use super::upload::UploadError;
use crate::digest::{Digest, VerifyError};
use crate::policy::PULP_FOREIGN_WITHOUT_URLS;
use crate::remedy::Remedy;
use crate::transport::{Method, TransportError, TransportErrorKind};

/// Everything that can stop a registry operation, each saying where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request never got an HTTP answer.
    #[error("{method} {url} failed: {source}")]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The shell's description.
        source: TransportError,
    },
    /// The registry answered with an error status.
    #[error("{0}")]
    Registry(Box<RegistryError>),
    /// The registry's authentication challenge could not be followed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The token server refused the token request.
    #[error("{0} (token request)")]
    TokenRefused(Box<RegistryError>),
    /// An upload response did not make sense.
    #[error("{method} {url}: {source}")]
    Upload {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// What was wrong.
        source: UploadError,
    },
    /// A blob or manifest did not match its digest or size.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The registry answered something the protocol does not allow.
    #[error("{method} {url}: {what}")]
    Protocol {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// What was unexpected.
        what: String,
    },
    /// The shell's blob source failed (a file could not be read, a stream broke).
    #[error("reading blob {digest}: {message}")]
    Source {
        /// The blob.
        digest: Digest,
        /// What the source said.
        message: String,
    },
    /// A chunk failed and the registry could not say how much of the upload it holds (Debian's
    /// distribution 2.8 cancels a session whose state is stale), so the upload cannot resume.
    #[error("{failure}; resuming failed too: {status}")]
    ResumeFailed {
        /// Why the chunk failed.
        failure: Box<Error>,
        /// Why the status request failed.
        status: Box<Error>,
    },
    /// Fetching a foreign layer from the mirror the user named for its url failed, or the mirror
    /// served bytes that are not the blob.
    #[error("{source} (from the mirror {mirror} for {url})")]
    Mirror {
        /// The URL fetched from the mirror.
        mirror: String,
        /// The url in the manifest it stands for.
        url: String,
        /// What went wrong.
        source: Box<Error>,
    },
    /// A URL Waybill will not fetch (a foreign layer's `urls` entry, or a bad registry address).
    #[error("refusing to use {url}: {reason}")]
    UnsafeUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The registry error inside, if the registry refused.
    pub fn registry(&self) -> Option<&RegistryError> {
        match self {
            Error::Registry(e) | Error::TokenRefused(e) => Some(e),
            _ => None,
        }
    }

    /// Whether retrying may succeed: the connection failed, broke or timed out, or the registry
    /// failed with a 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { source, .. } => {
                matches!(
                    source.kind,
                    TransportErrorKind::Interrupted
                        | TransportErrorKind::Timeout
                        | TransportErrorKind::Connect
                )
            }
            Error::Registry(e) => e.status >= 500,
            _ => false,
        }
    }
}

/// How much of an error body is worth reading; the rest is noise (or an HTML page).
pub const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// One entry of an OCI error body.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ErrorEntry {
    /// The error code, e.g. `MANIFEST_INVALID`.
    #[serde(default)]
    pub code: String,
    /// The registry's message.
    #[serde(default)]
    pub message: String,
    /// Free-form detail, kept as compact JSON text.
    #[serde(default, deserialize_with = "detail_as_text")]
    pub detail: Option<String>,
}

fn detail_as_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match value {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.is_empty() => None,
        Some(serde_json::Value::Object(m)) if m.is_empty() => None,
        Some(serde_json::Value::Array(a)) if a.is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[derive(Deserialize)]
struct ErrorBody {
    errors: Vec<ErrorEntry>,
}

/// A registry's refusal: the request, the status, what the registry said, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryError {
    /// The request's method.
    pub method: Method,
    /// The request's URL.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// The first OCI error code, or `None` when the body carried none.
    pub code: Option<String>,
    /// The registry's message (or the HTML page's title, or the status text).
    pub message: String,
    /// The first error's detail, as compact JSON text.
    pub detail: Option<String>,
    /// Every further error entry the registry listed.
    pub more: Vec<ErrorEntry>,
    /// The `ratelimit-remaining` header, when the registry sent one.
    pub ratelimit_remaining: Option<String>,
    /// What is likely wrong, in words every shell can show (none names a flag or a control).
    pub hint: String,
    /// What the user can do about it, which each shell words its own way.
    pub remedy: Option<Remedy>,
}

impl std::error::Error for RegistryError {}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} answered {}", self.method, self.url, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        // Registries repeat entries (distribution lists "UNKNOWN: unknown error" once per check
        // that failed); each distinct one is shown once.
        let mut shown: Vec<(&str, &str, Option<&str>)> =
            vec![(self.code.as_deref().unwrap_or_default(), self.message.as_str(), self.detail.as_deref())];
        for more in &self.more {
            let entry = (more.code.as_str(), more.message.as_str(), more.detail.as_deref());
            if shown.contains(&entry) {
                continue;
            }
            shown.push(entry);
            write!(f, "; {}: {}", more.code, more.message)?;
            if let Some(detail) = &more.detail {
                write!(f, " ({detail})")?;
            }
        }
        if !self.hint.is_empty() {
            write!(f, ". {}", self.hint)?;
        }
        Ok(())
    }
}

impl RegistryError {
    /// Interprets a failed response: status, headers and (the first [`ERROR_BODY_LIMIT`] bytes of)
    /// its body.
    pub fn from_response(
        method: Method,
        url: &str,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> RegistryError {
        let header = |name: &str| {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
        };
        let ratelimit_remaining = header("ratelimit-remaining");
        let retry_after = header("retry-after");
        let mut entries = serde_json::from_slice::<ErrorBody>(body).map(|b| b.errors).unwrap_or_default();
        let (code, message, detail) = if entries.is_empty() {
            (
                None,
                body_summary(body, header("content-type").as_deref()).unwrap_or_else(|| status_text(status)),
                None,
            )
        } else {
            let first = entries.remove(0);
            let code = (!first.code.is_empty()).then_some(first.code);
            let message = if first.message.is_empty() { status_text(status) } else { first.message };
            (code, message, first.detail)
        };
        let html = entries.is_empty() && code.is_none() && looks_like_html(body);
        let remedy = remedy(status, code.as_deref());
        let mut hint = hint(status, code.as_deref(), &message, html, ratelimit_remaining.as_deref());
        if let Some(value) = retry_after {
            // Seconds, or an HTTP-date: either way the user learns when to run the command again.
            let when = if value.bytes().all(|b| b.is_ascii_digit()) { format!("{value} s") } else { value };
            let asked = format!("the registry asks to retry after {when} (Retry-After)");
            hint = if hint.is_empty() { asked } else { format!("{hint}; {asked}") };
        }
        RegistryError {
            method,
            url: url.to_owned(),
            status,
            code,
            message,
            detail,
            more: entries,
            ratelimit_remaining,
            hint,
            remedy,
        }
    }

    /// Whether the registry used this OCI error code (first entry).
    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html")
}

/// A one-line summary of a non-JSON body: an HTML page's `<title>` (or first `<h1>`), or short text.
fn body_summary(body: &[u8], content_type: Option<&str>) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    if looks_like_html(body) || content_type.is_some_and(|c| c.contains("html")) {
        for tag in ["title", "h1"] {
            if let Some(inner) = between_tags(&text, tag) {
                return Some(format!("{inner} (HTML error page)"));
            }
        }
        return Some("HTML error page without a title".to_owned());
    }
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.len() > 300 || trimmed.starts_with('{') {
        return None;
    }
    Some(trimmed.to_owned())
}

fn between_tags(text: &str, tag: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find(&format!("<{tag}"))?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find(&format!("</{tag}"))?;
    let inner = text[start..end].split_whitespace().collect::<Vec<_>>().join(" ");
    (!inner.is_empty()).then_some(inner)
}

fn status_text(status: u16) -> String {
    let text = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return format!("HTTP status {status}"),
    };
    text.to_owned()
}

fn hint(status: u16, code: Option<&str>, message: &str, html: bool, ratelimit: Option<&str>) -> String {
    let text = match code {
        Some("MANIFEST_INVALID") if message.contains(PULP_FOREIGN_WITHOUT_URLS) => {
            "a foreign (non-distributable) layer has no `urls`; Pulp refuses such a manifest and Waybill \
             never edits manifests, so this image cannot be pushed to Pulp as it is"
        }
        Some("MANIFEST_INVALID") => {
            "the registry refused the manifest: Pulp says this when a referenced blob was not uploaded to \
             this repository (foreign layers must be allowed for their blobs to be uploaded); distribution \
             says it when foreign-layer urls are not allowed by its validation.manifests.urls settings"
        }
        Some("MANIFEST_BLOB_UNKNOWN") | Some("BLOB_UNKNOWN") if status != 404 => {
            "the registry lacks a blob the manifest references; upload every blob first (foreign layers \
             included, which must be allowed), then push the manifest again"
        }
        Some("BLOB_UNKNOWN") => "the repository has no blob with this digest",
        Some("MANIFEST_UNKNOWN") => "the repository has no manifest with this tag or digest",
        Some("NAME_UNKNOWN") => "the repository does not exist (or these credentials cannot see it)",
        Some("NAME_INVALID") => "the repository name is not valid for this registry",
        Some("TAG_INVALID") => "the tag is not valid for this registry",
        Some("DIGEST_INVALID") => {
            "the uploaded bytes do not match the digest: the source blob is corrupt or changed; verify the \
             source"
        }
        Some("SIZE_INVALID") => "the uploaded size differs from the declared size; the source is corrupt",
        Some("BLOB_UPLOAD_UNKNOWN") => "the upload session expired or was cancelled; try again",
        Some("BLOB_UPLOAD_INVALID") | Some("RANGE_INVALID") => {
            "the registry refused an upload chunk (offset or size); try again, perhaps in smaller chunks"
        }
        Some("UNSUPPORTED") => "the registry does not support this operation or media type",
        _ => "",
    };
    if !text.is_empty() {
        return text.to_owned();
    }
    // Waybill's own proxy refused: its message already says what it refused and which setting
    // would allow it; a hint about the registry's credentials would mislead.
    if code.is_some_and(|c| c.starts_with("PROXY_")) {
        return String::new();
    }
    match (status, code) {
        (401, _) | (_, Some("UNAUTHORIZED")) => {
            "authentication failed: the registry wants a login, or refused the one sent".to_owned()
        }
        (403, _) | (_, Some("DENIED")) => {
            "these credentials lack permission for this repository: use an account with pull (and for \
             the target, push) rights"
                .to_owned()
        }
        (429, _) | (_, Some("TOOMANYREQUESTS")) => match ratelimit {
            Some(left) => format!(
                "the registry is rate-limiting (ratelimit-remaining: {left}); wait and retry, or log in for \
                 a higher limit"
            ),
            None => "the registry is rate-limiting; wait and retry, or log in for a higher limit".to_owned(),
        },
        (413, _) => "the registry or a proxy in front of it limits request bodies: upload in smaller chunks"
            .to_owned(),
        (416, _) => "the upload offset differs from the registry's; try again".to_owned(),
        (500, _) if html => "the registry crashed on this request (an HTML 500 page). Pulp does this for a \
            chunk at the wrong offset or a chunked upload finished with the wrong digest; see the \
            registry's log"
            .to_owned(),
        (500..=599, _) => "the registry failed; retry later or see its log".to_owned(),
        (404, _) => "not found on the registry".to_owned(),
        (405, _) => "the registry does not allow this method here (a read-only mirror?)".to_owned(),
        _ => String::new(),
    }
}

/// The remedy a shell can offer for this answer: a login for 401 and 403 (the registry wants
/// one, or one with more rights), smaller chunks for bodies or chunks the registry refused.
fn remedy(status: u16, code: Option<&str>) -> Option<Remedy> {
    match (status, code) {
        // Waybill's own proxy refused: its message says which setting would allow it.
        (_, Some(c)) if c.starts_with("PROXY_") => None,
        (401 | 403, _) | (_, Some("UNAUTHORIZED" | "DENIED")) => Some(Remedy::SignIn),
        (413, _) | (_, Some("BLOB_UPLOAD_INVALID" | "RANGE_INVALID")) => Some(Remedy::SmallerChunks),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        RegistryError::from_response(
            Method::Put,
            "http://r/v2/a/manifests/t",
            status,
            &headers,
            body.as_bytes(),
        )
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
        assert!(
            e.to_string().contains("; MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:bb)"),
            "{e}"
        );
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
        let e =
            parse(401, &[], r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#);
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
        assert_eq!(
            parse(500, &[], "<html><body><H1>Boom</H1></body></html>").message,
            "Boom (HTML error page)"
        );
        assert_eq!(parse(500, &[], "<html><body></body></html>").message, "HTML error page without a title");
    }
}
