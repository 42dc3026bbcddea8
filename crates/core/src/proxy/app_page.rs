//! The headers the app's own files are served with, by `waybill serve` and by the Worker alike.
//!
//! The proxy shares the app's origin, so whatever runs on that origin can use the proxy and read
//! what the user typed. The app's pages therefore carry a strict Content-Security-Policy: scripts
//! only from the app's own files (and the one inline loader Trunk writes into `index.html`,
//! allowed by its hash), WebAssembly compiled by those scripts, workers from the app's files or
//! the `blob:` wrappers the app builds for them, requests only to its own origin (the proxy), no
//! plugins, no `<base>` rewriting, no framing.
//!
//! Styles may be inline: Leptos writes `style` attributes, and a style cannot run script.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The headers for every file of the app, given the text of its `index.html` (whose inline
/// scripts are allowed by their sha256, so the policy follows the build without configuration).
pub fn app_headers(index_html: &str) -> Vec<(&'static str, String)> {
    let hashes: String = inline_scripts(index_html)
        .map(|script| {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
            format!(" 'sha256-{hash}'")
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    vec![
        ("content-security-policy", policy),
        ("x-content-type-options", "nosniff".to_owned()),
        ("x-frame-options", "DENY".to_owned()),
        ("referrer-policy", "no-referrer".to_owned()),
    ]
}

/// The bodies of the `<script>` elements without a `src`, exactly as written (a CSP hash covers
/// the exact text between the tags).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let open = find_ascii_case_insensitive(rest, "<script")?;
            let after = &rest[open + "<script".len()..];
            let tag_end = after.find('>')?;
            let attributes = &after[..tag_end];
            let body_start = &after[tag_end + 1..];
            let close = find_ascii_case_insensitive(body_start, "</script")?;
            rest = &body_start[close..];
            let has_src =
                attributes.split_ascii_whitespace().any(|a| a.to_ascii_lowercase().starts_with("src="));
            if !has_src {
                return Some(&body_start[..close]);
            }
        }
    })
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_INDEX: &str = "<html><head><link rel=\"modulepreload\" href=\"/app.js\">\
        <script type=\"module\">\nimport init from '/app.js';\nawait init();\n</script>\
        <SCRIPT src=\"/other.js\"></SCRIPT></head><body></body></html>";

    fn csp(html: &str) -> String {
        app_headers(html).into_iter().find(|(n, _)| *n == "content-security-policy").unwrap().1
    }

    #[test]
    fn inline_loaders_are_allowed_by_hash_and_nothing_else_inline() {
        let policy = csp(TRUNK_INDEX);
        let body = "\nimport init from '/app.js';\nawait init();\n";
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
        assert!(
            policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}';")),
            "{policy}"
        );
        assert_eq!(policy.matches("'sha256-").count(), 1, "scripts with src are not hashed: {policy}");
        assert!(!policy.replace("'wasm-unsafe-eval'", "").contains("unsafe-eval"), "{policy}");
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"), "{policy}");
        for directive in
            ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "connect-src 'self'"]
        {
            assert!(policy.contains(directive), "{directive}: {policy}");
        }
    }

    #[test]
    fn a_changed_loader_changes_the_hash() {
        assert_ne!(csp(TRUNK_INDEX), csp(&TRUNK_INDEX.replace("await init();", "await init(1);")));
        assert!(!csp("<html></html>").contains("'sha256-"));
    }

    #[test]
    fn the_other_headers() {
        let headers = app_headers(TRUNK_INDEX);
        assert!(headers.contains(&("x-content-type-options", "nosniff".to_owned())));
        assert!(headers.contains(&("x-frame-options", "DENY".to_owned())));
    }
}
