//! One failed response read into a [`RegistryError`]: the OCI JSON error body, or the text or
//! HTML page a registry sends instead.

use std::fmt;

use serde::Deserialize;

use super::hint::{hint, remedy, status_text};
use crate::remedy::Remedy;
use crate::transport::Method;

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
