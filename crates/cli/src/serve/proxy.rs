//! The proxy handler: `/r/<host[:port]>/…` in, the upstream's answer (or the policy's refusal)
//! out. The core's `Exchange` decides every step; this module owns the sockets, the clock and the
//! body streams.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tokio::sync::oneshot;

use waybill_core::proxy::{
    Answer, AnswerBody, BodyPlan, Exchange, Next, ProxyError, RequestHead, Start, UpstreamOrigin,
};

use super::access_log::RefusalCode;
use super::body::{RequestBody, ResponseBody};
use super::state::AppState;
use super::upstream::classify_error;

/// Handles every request under `/r/`: the core's exchange decides, this moves the bytes.
pub async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let received: Vec<(&str, &str)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let serving = serving_origin(&state, &parts.headers);
    let head = RequestHead {
        method: parts.method.as_str(),
        path_and_query: parts.uri.path_and_query().map_or("/", |p| p.as_str()),
        headers: &received,
        serving_origin: &serving,
    };
    let start = state.policy.start(&head, &state.realms());
    let exchange = match start {
        Start::Answer(answer) => return respond(answer, None),
        Start::Forward(exchange) => exchange,
    };
    let method = parts.method.clone();
    forward(&state, exchange, method, body).await
}

/// Sends the hops the exchange names, and streams the answer back.
async fn forward(state: &AppState, mut exchange: Exchange, method: Method, body: Body) -> Response {
    let config = state.policy.config();
    let idle = Duration::from_secs(config.idle_timeout_secs);
    // The cap is the core's rule; the stream counts it whether or not a length was declared.
    let mut body =
        (exchange.body() != BodyPlan::None).then(|| RequestBody::new(body, config.max_request_body, idle));
    loop {
        let hop = exchange.hop();
        if let Err(refusal) = state.guard.check_host(&hop.origin.host) {
            let error =
                ProxyError::UpstreamUnreachable { host: hop.origin.to_string(), reason: refusal.to_string() };
            return respond(exchange.refuse(&error), None);
        }
        let mut builder = state.client.request(method.clone(), hop.url.clone());
        for (name, value) in &hop.headers {
            builder = builder.header(*name, *value);
        }
        let finished = match body.take() {
            Some((stream, finished)) => {
                builder = builder.body(reqwest::Body::wrap_stream(stream));
                Some(finished)
            }
            None => None,
        };
        let origin = hop.origin.clone();
        let upstream = match send(state, builder, finished, &origin).await {
            Ok(upstream) => upstream,
            Err(error) => return respond(exchange.refuse(&error), None),
        };
        let received: Vec<(&str, &str)> = upstream
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let next =
            exchange.on_response(&state.policy, upstream.status().as_u16(), &received, &mut state.realms());
        match next {
            Next::Follow => continue,
            Next::Answer(answer) => {
                let stream = ResponseBody::new(upstream.bytes_stream(), idle);
                return respond(answer, Some(Body::from_stream(stream)));
            }
        }
    }
}

/// Sends one hop. The response timeout counts from when the request body has been sent (at
/// once when there is none), so a slow upload is limited by the idle timeout, not this one.
async fn send(
    state: &AppState,
    builder: reqwest::RequestBuilder,
    body_finished: Option<oneshot::Receiver<()>>,
    origin: &UpstreamOrigin,
) -> Result<reqwest::Response, ProxyError> {
    let config = state.policy.config();
    let timeout = Duration::from_secs(config.response_timeout_secs);
    let request = builder.send();
    tokio::pin!(request);
    let deadline = async {
        if let Some(finished) = body_finished {
            let _ = finished.await; // a dropped sender means the body failed; the send fails too
        }
        tokio::time::sleep(timeout).await;
    };
    tokio::select! {
        result = &mut request => result.map_err(|e| classify_error(e, origin, config.connect_timeout_secs)),
        () = deadline => Err(ProxyError::Timeout {
            host: origin.to_string(),
            phase: "answer".into(),
            seconds: config.response_timeout_secs,
        }),
    }
}

/// The core's answer as a response: its status and headers, and the upstream's body or its own.
fn respond(answer: Answer, upstream: Option<Body>) -> Response {
    let body = match (answer.body, upstream) {
        (AnswerBody::Upstream, Some(body)) => body,
        (AnswerBody::Json(json), _) => Body::from(json),
        _ => Body::empty(),
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    append(response.headers_mut(), answer.headers);
    if let Some(refusal) = &answer.refusal {
        response.extensions_mut().insert(RefusalCode(refusal.code()));
    }
    response
}

/// The origin the browser reached this server at: `http://` and the `Host` header (checked by
/// `host_check` beforehand), or the bound address.
fn serving_origin(state: &AppState, headers: &HeaderMap) -> String {
    match header_str(headers, &header::HOST) {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", state.local),
    }
}

fn header_str<K: axum::http::header::AsHeaderName>(headers: &HeaderMap, name: K) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Appends headers, skipping any the `http` crate rejects (an upstream value with bytes that are
/// not valid in a header is dropped rather than failing the response).
fn append<N: AsRef<str>>(headers: &mut HeaderMap, pairs: impl IntoIterator<Item = (N, String)>) {
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.as_ref().as_bytes()), HeaderValue::from_str(&value))
        {
            headers.append(name, value);
        }
    }
}
