//! What a registry's status and error code mean for the user: the status's words, the hint, and
//! the remedy a shell can offer.

use crate::policy::PULP_FOREIGN_WITHOUT_URLS;
use crate::remedy::Remedy;

pub(super) fn status_text(status: u16) -> String {
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

pub(super) fn hint(
    status: u16,
    code: Option<&str>,
    message: &str,
    html: bool,
    ratelimit: Option<&str>,
) -> String {
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
pub(super) fn remedy(status: u16, code: Option<&str>) -> Option<Remedy> {
    match (status, code) {
        // Waybill's own proxy refused: its message says which setting would allow it.
        (_, Some(c)) if c.starts_with("PROXY_") => None,
        (401 | 403, _) | (_, Some("UNAUTHORIZED" | "DENIED")) => Some(Remedy::SignIn),
        (413, _) | (_, Some("BLOB_UPLOAD_INVALID" | "RANGE_INVALID")) => Some(Remedy::SmallerChunks),
        _ => None,
    }
}
