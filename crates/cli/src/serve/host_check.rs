//! DNS-rebinding defence: on loopback, answer only requests addressed to this server.
//!
//! A page on `http://evil.example:8080` whose name is re-pointed at 127.0.0.1 becomes, to the
//! browser, same-origin with it — and could read a local registry through the proxy. Such a
//! request still carries `Host: evil.example:8080`, so when the server listens on loopback it
//! only answers `Host` values that name it: the bound address, `localhost`, and the other
//! loopback literal of the same family. A request that does not name one host — no `Host` (an
//! HTTP/1.0 request may omit it), several, or one that is not text — could otherwise pass
//! unchecked, so it is refused with a 400 as RFC 9112 §3.2 asks of HTTP/1.1; an absolute-form
//! target (`GET http://host/ HTTP/1.1`) must name the server too.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::access_log::RefusalCode;
use super::state::AppState;

/// Middleware: refuses requests that do not name this server (loopback listeners only).
pub async fn require_own_host(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if !state.local.ip().is_loopback() {
        return next.run(request).await;
    }
    let host = match one_host(&request) {
        Ok(host) => host,
        Err(what) => return bad_host_header(what, state.local),
    };
    let target = request.uri().authority().map(|a| a.as_str());
    if let Some(other) =
        [Some(host), target].into_iter().flatten().find(|n| !host_names_server(n, state.local))
    {
        return misdirected(other, state.local);
    }
    next.run(request).await
}

/// The request's one `Host` value, or what is wrong with its `Host` headers.
fn one_host(request: &Request) -> Result<&str, &'static str> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) => Err("has no Host header"),
        (Some(_), Some(_)) => Err("has more than one Host header"),
        (Some(host), None) => host.to_str().map_err(|_| "has a Host header that is not plain text"),
    }
}

/// Whether `host` (a `Host` header) names the server bound at `local`. Always true when the
/// server is not on loopback (its public names are not known).
fn host_names_server(host: &str, local: SocketAddr) -> bool {
    if !local.ip().is_loopback() {
        return true;
    }
    let port = local.port();
    let mut names = vec![format!("localhost:{port}"), format!("{local}")];
    match local.ip() {
        IpAddr::V4(_) => names.push(format!("127.0.0.1:{port}")),
        IpAddr::V6(_) => names.push(format!("[::1]:{port}")),
    }
    if port == 80 {
        names.extend(names.clone().iter().filter_map(|n| n.strip_suffix(":80").map(str::to_owned)));
    }
    names.iter().any(|n| n.eq_ignore_ascii_case(host))
}

fn misdirected(host: &str, local: SocketAddr) -> Response {
    let message = format!(
        "this server answers only requests addressed to http://{local} or http://localhost:{}, not to {host:?} \
         (a protection against DNS rebinding)",
        local.port()
    );
    refusal(StatusCode::MISDIRECTED_REQUEST, "PROXY_MISDIRECTED", message)
}

fn bad_host_header(what: &str, local: SocketAddr) -> Response {
    let message = format!(
        "the request {what}: this server answers only requests addressed to http://{local} or \
         http://localhost:{} by exactly one Host header (a protection against DNS rebinding)",
        local.port()
    );
    refusal(StatusCode::BAD_REQUEST, "PROXY_BAD_HOST_HEADER", message)
}

/// A refusal in the registry's error format, like the proxy's own.
fn refusal(status: StatusCode, code: &'static str, message: String) -> Response {
    let body = serde_json::json!({ "errors": [{ "code": code, "message": message }] }).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.extensions_mut().insert(RefusalCode(code));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_listener_accepts_its_own_names_only() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080"] {
            assert!(host_names_server(ok, local), "{ok}");
        }
        for bad in ["evil.example:8080", "127.0.0.1:8081", "localhost", "127.0.0.2:8080", "vm:8080"] {
            assert!(!host_names_server(bad, local), "{bad}");
        }
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        for ok in ["[::1]:80", "[::1]", "localhost", "localhost:80"] {
            assert!(host_names_server(ok, v6), "{ok}");
        }
    }

    #[test]
    fn other_listeners_accept_any_host() {
        assert!(host_names_server("anything.example", "0.0.0.0:8080".parse().unwrap()));
    }
}
