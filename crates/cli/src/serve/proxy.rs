//! The proxy handler: `/r/<host[:port]>/…` in, the upstream's answer (or the policy's refusal) out.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tokio::sync::oneshot;
use url::Url;

use waybill_core::proxy::{
    CorsPolicy, Hops, OriginVerdict, ProxyError, UpstreamOrigin, carries_body, confinement_headers,
    forward_request_headers,
};

use super::access_log::RefusalCode;
use super::body::{RequestBody, ResponseBody};
use super::state::AppState;
use super::upstream::classify_error;

/// Handles every request under `/r/`.
pub async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let origin = header_str(request.headers(), &header::ORIGIN).map(str::to_owned);
    let serving = serving_origin(&state, request.headers());
    let verdict = state.policy.cors().judge(origin.as_deref(), &serving);

    if request.method() == Method::OPTIONS {
        let private_network = header_str(request.headers(), "access-control-request-private-network")
            .is_some_and(|v| v == "true");
        let mut response = empty(StatusCode::NO_CONTENT);
        append(response.headers_mut(), CorsPolicy::preflight_headers(&verdict, private_network));
        return confine(response);
    }

    let mut response = match &verdict {
        OriginVerdict::Refused(origin) => refusal(ProxyError::OriginNotAllowed { origin: origin.clone() }),
        _ => forward(&state, request).await.unwrap_or_else(refusal),
    };
    append(response.headers_mut(), CorsPolicy::response_headers(&verdict));
    confine(response)
}

/// Adds the headers that keep any answer from running as the app (the core's rule).
fn confine(mut response: Response) -> Response {
    let content_type = header_str(response.headers(), &header::CONTENT_TYPE).map(str::to_owned);
    let confinement = confinement_headers(content_type.as_deref());
    append(response.headers_mut(), confinement.into_iter().map(|(name, value)| (name, value.to_owned())));
    response
}

/// Routes, forwards, follows redirects, and streams the answer back.
async fn forward(state: &AppState, request: Request) -> Result<Response, ProxyError> {
    let method = request.method().as_str().to_owned();
    let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let target = state.policy.route(&method, &path_and_query, &state.realms())?;
    let config = state.policy.config();

    let (parts, body) = request.into_parts();
    let limit = config.max_request_body;
    let declared = header_str(&parts.headers, &header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if let Some(declared) = declared.filter(|d| *d > limit) {
        return Err(ProxyError::BodyTooLarge { limit, declared: format!(" ({declared} bytes)") });
    }
    let headers = forward_request_headers(
        parts.headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
        &method,
        true,
    );
    let idle = Duration::from_secs(config.idle_timeout_secs);
    let mut body = carries_body(&method).then(|| RequestBody::new(body, limit, idle));

    let mut hops = Hops::start(target, &method);
    loop {
        let hop = hops.current();
        state.guard.check_host(&hop.origin.host).map_err(|refusal| ProxyError::UpstreamUnreachable {
            host: hop.origin.to_string(),
            reason: refusal.to_string(),
        })?;
        let mut builder = state.client.request(parts.method.clone(), hop.url.clone());
        for (name, value) in
            headers.iter().filter(|(name, _)| hops.sends_authorization() || name != "authorization")
        {
            builder = builder.header(name, value);
        }
        let finished = match body.take() {
            Some((stream, finished)) => {
                builder = builder.body(reqwest::Body::wrap_stream(stream));
                Some(finished)
            }
            None => None,
        };
        let upstream = send(state, builder, finished, &hop.origin).await?;

        let location = header_str(upstream.headers(), &header::LOCATION).map(str::to_owned);
        if hops.follow(&state.policy, upstream.status().as_u16(), location.as_deref())? {
            continue;
        }
        return Ok(answer(state, &hops.current().url, upstream, idle));
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

/// The upstream's answer, headers rewritten by the policy, body streamed.
fn answer(state: &AppState, url: &Url, upstream: reqwest::Response, idle: Duration) -> Response {
    let status = upstream.status();
    let received: Vec<(&str, &str)> = upstream
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let headers = state.policy.rewrite_response_headers(url, &received, &mut state.realms());
    let mut response = Response::new(Body::from_stream(ResponseBody::new(upstream.bytes_stream(), idle)));
    *response.status_mut() = status;
    append(response.headers_mut(), headers);
    response
}

/// The policy's refusal as the registry-style JSON error.
fn refusal(error: ProxyError) -> Response {
    let mut response = Response::new(Body::from(error.to_json()));
    *response.status_mut() = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_GATEWAY);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.extensions_mut().insert(RefusalCode(error.code()));
    response
}

fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
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
