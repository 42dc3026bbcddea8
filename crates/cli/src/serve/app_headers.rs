//! The app's files go out with the core's page policy (`app_headers`: a strict CSP that allows
//! the inline loader in this build's `index.html` by its hash, `nosniff`, no framing). The proxy's
//! answers under `/r/` carry their own confinement instead.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use waybill_core::proxy::{app_headers, is_proxy_path};

/// The headers, computed once from `dist/index.html` (an app folder without one still gets the
/// policy, with no inline script allowed).
pub type AppHeaders = Arc<Vec<(HeaderName, HeaderValue)>>;

/// Reads `dist/index.html` and builds the headers.
pub fn for_dist(dist: &Path) -> AppHeaders {
    let index = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    let headers = app_headers(&index)
        .into_iter()
        .filter_map(|(name, value)| {
            Some((HeaderName::from_static(name), HeaderValue::from_str(&value).ok()?))
        })
        .collect();
    Arc::new(headers)
}

/// Middleware: adds the headers to everything that is not the proxy's.
pub async fn add(State(headers): State<AppHeaders>, request: Request, next: Next) -> Response {
    let proxied = is_proxy_path(request.uri().path());
    let mut response = next.run(request).await;
    if !proxied {
        for (name, value) in headers.iter() {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}
