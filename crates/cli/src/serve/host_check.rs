//! DNS-rebinding defence: on loopback, answer only requests addressed to this server.
//!
//! A page on `http://evil.example:8080` whose name is re-pointed at 127.0.0.1 becomes, to the
//! browser, same-origin with it — and could read a local registry through the proxy. Such a
//! request still carries `Host: evil.example:8080`, so when the server listens on loopback it
//! only answers `Host` values that name it: the bound address, `localhost`, and the other
//! loopback literal of the same family.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::access_log::RefusalCode;
use super::state::AppState;

/// Middleware: refuses requests whose `Host` does not name this server (loopback listeners only).
pub async fn require_own_host(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    match host {
        Some(host) if !host_names_server(host, state.local) => misdirected(host, state.local),
        _ => next.run(request).await,
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
    let body =
        serde_json::json!({ "errors": [{ "code": "PROXY_MISDIRECTED", "message": message }] }).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::MISDIRECTED_REQUEST;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.extensions_mut().insert(RefusalCode("PROXY_MISDIRECTED"));
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
