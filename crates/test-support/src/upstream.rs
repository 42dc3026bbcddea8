//! Two small loopback servers on 127.0.0.2 that stand in for an upstream's edge cases, hostile
//! ones included: redirects (to each other, to forbidden addresses, in a loop, with user info),
//! token challenges (its own, and realms naming another origin or Pulp's REST API), `Set-Cookie`,
//! an HTML page with `Refresh` and its own CSP, bodies that must stream, an answer that never
//! comes. Both record every request they receive, so the
//! tests can check what crossed the proxy — and that refused requests never arrived.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use tokio::sync::Notify;

/// The loopback address the upstreams listen on (the proxy itself is on 127.0.0.1, so that
/// 127.0.0.1 stays a forbidden, unconfigured address in the tests).
pub const UPSTREAM_IP: &str = "127.0.0.2";

/// One request as an upstream saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// All headers.
    pub headers: HeaderMap,
}

/// Requests seen by one upstream.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    /// Everything seen so far.
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// The requests whose path starts with `prefix`.
    pub fn matching(&self, prefix: &str) -> Vec<Seen> {
        self.all().into_iter().filter(|s| s.uri.starts_with(prefix)).collect()
    }

    fn record(&self, request: &Request) {
        self.0.lock().unwrap().push(Seen {
            method: request.method().to_string(),
            uri: request.uri().to_string(),
            headers: request.headers().clone(),
        });
    }
}

/// Signals between a test and the upstream handlers, for the streaming tests.
#[derive(Default)]
pub struct Signals {
    /// The upstream received the first part of a streamed request body.
    pub first_part_arrived: Notify,
    /// The test received the first part of a streamed response body.
    pub first_part_received: Notify,
}

/// Both upstreams and what they saw.
pub struct Upstreams {
    /// The main upstream ("registry").
    pub a: SocketAddr,
    /// The redirect target that records headers ("CDN").
    pub b: SocketAddr,
    /// What A saw.
    pub seen_a: Recorder,
    /// What B saw.
    pub seen_b: Recorder,
    /// Streaming signals.
    pub signals: Arc<Signals>,
}

#[derive(Clone)]
struct Ctx {
    seen: Recorder,
    b: SocketAddr,
    signals: Arc<Signals>,
}

/// Serves `app` on `addr` (a loopback address; port 0 picks a free one) and returns the bound
/// address.
pub async fn spawn_upstream_at(addr: SocketAddr, app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr} for a test upstream: {e}"));
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Starts B, then A (which redirects to B), on free ports of [`UPSTREAM_IP`].
pub async fn start() -> Upstreams {
    let any = SocketAddr::new(UPSTREAM_IP.parse().unwrap(), 0);
    start_at(any, any).await
}

/// Starts B, then A, at the given loopback addresses (the Worker's tests need fixed ports, which
/// its configuration names).
pub async fn start_at(a: SocketAddr, b: SocketAddr) -> Upstreams {
    let seen_b = Recorder::default();
    let b = spawn_upstream_at(b, Router::new().fallback(cdn).with_state(seen_b.clone())).await;
    let seen_a = Recorder::default();
    let signals = Arc::new(Signals::default());
    let ctx = Ctx { seen: seen_a.clone(), b, signals: signals.clone() };
    let a = spawn_upstream_at(a, Router::new().fallback(registry).with_state(ctx)).await;
    Upstreams { a, b, seen_a, seen_b, signals }
}

async fn cdn(State(seen): State<Recorder>, request: Request) -> Response {
    seen.record(&request);
    with(StatusCode::OK, &[("content-type", "application/octet-stream")], "blob-from-b")
}

async fn registry(State(ctx): State<Ctx>, request: Request) -> Response {
    ctx.seen.record(&request);
    let host =
        request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let path = request.uri().path().to_owned();
    let redirect = |status: StatusCode, location: &str| with(status, &[("location", location)], "");
    match path.as_str() {
        "/v2/" => with(
            StatusCode::OK,
            &[("set-cookie", "upstream=1; Path=/"), ("docker-distribution-api-version", "registry/2.0")],
            "{}",
        ),
        "/v2/hop/to-b" => redirect(StatusCode::TEMPORARY_REDIRECT, &format!("http://{}/blob?sig=s", ctx.b)),
        "/v2/hop/same" => redirect(StatusCode::FOUND, "/v2/landing"),
        "/v2/landing" => with(StatusCode::OK, &[], "landed"),
        "/v2/hop/private" => redirect(StatusCode::FOUND, "http://10.0.0.1/v2/x"),
        "/v2/hop/metadata" => redirect(StatusCode::FOUND, "http://169.254.169.254/latest/meta-data/"),
        "/v2/hop/hex-loopback" => redirect(StatusCode::FOUND, "http://0x7f000001:8080/x"),
        "/v2/hop/unconfigured-port" => redirect(StatusCode::FOUND, &format!("http://{UPSTREAM_IP}:1/x")),
        "/v2/hop/loop" => redirect(StatusCode::FOUND, "/v2/hop/loop"),
        "/v2/hop/userinfo" => {
            redirect(StatusCode::FOUND, &format!("http://intruder:secret@{}/blob?sig=userinfo", ctx.b))
        }
        // Hostile challenges: a realm on another allowed origin, and Pulp's REST API as a realm.
        "/v2/realm/cross-origin" => challenge(&format!("http://{}/admin/token", ctx.b)),
        "/v2/realm/pulp-api" => challenge(&format!("http://{host}/pulp/api/v3/tasks/")),
        // A page that would run as the app if the proxy passed it on as it came.
        "/v2/html" => with(
            StatusCode::OK,
            &[
                ("content-type", "text/html"),
                ("refresh", "0; url=http://evil.example/"),
                ("service-worker-allowed", "/"),
                ("content-security-policy", "script-src *"),
                ("content-disposition", "inline"),
            ],
            "<script>parent.postMessage(document.cookie, '*')</script>",
        ),
        "/v2/upload" => redirect(StatusCode::TEMPORARY_REDIRECT, "/v2/upload-elsewhere?_state=x"),
        "/v2/auth" => with(
            StatusCode::UNAUTHORIZED,
            &[(
                "www-authenticate",
                &format!(r#"Bearer realm="http://{host}/token",service="test",scope="repository:x:pull""#),
            )],
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}"#,
        ),
        "/token" => {
            let query = request.uri().query().unwrap_or_default().to_owned();
            with(
                StatusCode::OK,
                &[("content-type", "application/json")],
                &serde_json::json!({ "token": "t", "query": query }).to_string(),
            )
        }
        "/v2/count" => {
            let mut stream = request.into_body().into_data_stream();
            let mut n = 0usize;
            while let Some(Ok(chunk)) = stream.next().await {
                n += chunk.len();
            }
            with(StatusCode::CREATED, &[], &n.to_string())
        }
        "/v2/stream-in" => {
            let mut stream = request.into_body().into_data_stream();
            let mut n = 0usize;
            while let Some(Ok(chunk)) = stream.next().await {
                if n == 0 {
                    ctx.signals.first_part_arrived.notify_one();
                }
                n += chunk.len();
            }
            with(StatusCode::ACCEPTED, &[], &n.to_string())
        }
        "/v2/stream-out" => {
            let signals = ctx.signals.clone();
            let parts = futures_util::stream::unfold(0, move |i| {
                let signals = signals.clone();
                async move {
                    match i {
                        0 => Some((Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"first|")), 1)),
                        1 => {
                            signals.first_part_received.notified().await;
                            Some((Ok(bytes::Bytes::from_static(b"second")), 2))
                        }
                        _ => None,
                    }
                }
            });
            let mut response = Response::new(Body::from_stream(parts));
            response.headers_mut().insert("docker-content-digest", "sha256:00".parse().unwrap());
            response
        }
        "/v2/hang" => std::future::pending().await,
        _ => with(StatusCode::NOT_FOUND, &[], r#"{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}"#),
    }
}

/// A 401 whose Bearer challenge names `realm`.
fn challenge(realm: &str) -> Response {
    with(
        StatusCode::UNAUTHORIZED,
        &[("www-authenticate", &format!(r#"Bearer realm="{realm}",service="test""#))],
        r#"{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}"#,
    )
}

fn with(status: StatusCode, headers: &[(&str, &str)], body: &str) -> Response {
    let mut response = Response::new(Body::from(body.to_owned()));
    *response.status_mut() = status;
    for (name, value) in headers {
        response.headers_mut().append(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            axum::http::HeaderValue::from_str(value).unwrap(),
        );
    }
    response
}
