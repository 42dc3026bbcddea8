//! One line per request on stderr, without secrets.
//!
//! Logged: client address, method, path, status, time to the response headers, and the proxy's
//! refusal code. Never logged: query strings (token requests carry scopes and, for OAuth, may
//! carry credentials; distribution's upload `_state` is signed state), header values
//! (`Authorization`, cookies), bodies.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Attached to the proxy's own refusals so the log names them.
#[derive(Clone, Copy, Debug)]
pub struct RefusalCode(pub &'static str);

/// Middleware: logs each request once its response headers are ready.
pub async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let line = request_line(request.method().as_str(), request.uri().path(), request.uri().query().is_some());
    let response = next.run(request).await;
    let code = response.extensions().get::<RefusalCode>().map_or(String::new(), |c| format!(" {}", c.0));
    eprintln!("{line} {} {}ms{code}", response.status().as_u16(), started.elapsed().as_millis());
    response
}

/// `GET /r/host/v2/…?…`: the query is replaced by `?…`.
fn request_line(method: &str, path: &str, has_query: bool) -> String {
    format!("{method} {path}{}", if has_query { "?…" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_never_appear() {
        assert_eq!(request_line("GET", "/r/auth.docker.io/token", true), "GET /r/auth.docker.io/token?…");
        assert_eq!(request_line("HEAD", "/r/quay.io/v2/", false), "HEAD /r/quay.io/v2/");
    }
}
