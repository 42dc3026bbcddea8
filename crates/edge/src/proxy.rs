//! The proxy: `/r/<host[:port]>/…` in, the upstream's answer (or the policy's refusal) out.
//!
//! The same steps as `waybill serve`, every decision taken by the core's `ProxyPolicy`: answer
//! preflights, judge the page's origin, route, forward the allowed headers and the body under the
//! cap, follow GET/HEAD redirects hop by hop (re-checked, `Authorization` dropped once a hop leaves
//! the route's origin), rewrite the answer's headers, add CORS.
//!
//! What the Worker cannot do that the native shell does: resolve names. Literal addresses (in
//! every WHATWG spelling) and `localhost` names are refused by the policy before any fetch, on
//! every hop; a *name* that resolves to a private address cannot be caught here. In production
//! the fetch leaves from Cloudflare's network, not from a machine inside the deployer's network,
//! so loopback and private ranges lead nowhere of the deployer's; in local workerd (tests) the
//! allowlist holds only loopback literals and the loopback guard refuses anything else.

use waybill_core::proxy::{
    CorsPolicy, Hops, OriginVerdict, ProxyError, confinement_headers, forward_request_headers,
};
use worker::{Headers, Request, Response, ResponseBody};

use crate::body::UpBody;
use crate::state::State;
use crate::upstream;

/// A request for the proxy, from the browser or from the Worker's own inspect API.
pub struct Outgoing {
    /// Upper-case method.
    pub method: String,
    /// The raw request target, `/r/<host>/v2/…?…`.
    pub path_and_query: String,
    /// The request's headers (filtered by the policy before they go upstream).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: UpBody,
}

/// An answer: the upstream's (headers rewritten) or a refusal.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body, streamed.
    pub body: ResponseBody,
}

impl Answer {
    /// The policy's refusal as the registry-style JSON error.
    pub fn refusal(error: &ProxyError) -> Answer {
        Answer {
            status: error.status(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: ResponseBody::Body(error.to_json().into_bytes()),
        }
    }

    /// A `worker::Response`, with `extra` headers appended, and the headers that keep any answer
    /// from running as the app (the core's rule).
    pub fn into_response<N: AsRef<str>>(self, extra: impl IntoIterator<Item = (N, String)>) -> Response {
        let headers = Headers::new();
        let content_type =
            self.headers.iter().find(|(name, _)| name == "content-type").map(|(_, v)| v.as_str());
        let confinement: Vec<(String, String)> = confinement_headers(content_type)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let extra = extra.into_iter().map(|(n, v)| (n.as_ref().to_owned(), v)).chain(confinement);
        for (name, value) in self.headers.into_iter().chain(extra) {
            // A value the runtime rejects (bytes not allowed in a header) is dropped.
            let _ = headers.append(&name, &value);
        }
        Response::builder().with_status(self.status).with_headers(headers).body(self.body)
    }
}

/// The Worker's own answer to a CORS preflight, never forwarded: what the page may send, or
/// nothing for a page the configuration does not allow.
pub fn preflight(request: &Request, verdict: &OriginVerdict) -> worker::Result<Response> {
    let private_network =
        request.headers().get("access-control-request-private-network")?.is_some_and(|v| v == "true");
    let answer = Answer { status: 204, headers: Vec::new(), body: ResponseBody::Empty };
    Ok(answer.into_response(CorsPolicy::preflight_headers(verdict, private_network)))
}

/// Handles every request under `/r/`.
pub async fn handle(state: &State, request: Request) -> worker::Result<Response> {
    let url = request.url()?;
    let origin = request.headers().get("origin")?;
    let verdict = state.policy.cors().judge(origin.as_deref(), &url.origin().ascii_serialization());
    let method = request.inner().method().to_ascii_uppercase();

    if method == "OPTIONS" {
        return preflight(&request, &verdict);
    }

    let answer = match &verdict {
        OriginVerdict::Refused(origin) => {
            Answer::refusal(&ProxyError::OriginNotAllowed { origin: origin.clone() })
        }
        _ => match outgoing(state, &request, method, &url) {
            Ok(out) => forward(state, out).await.unwrap_or_else(|e| Answer::refusal(&e)),
            Err(e) => Answer::refusal(&e),
        },
    };
    Ok(answer.into_response(CorsPolicy::response_headers(&verdict)))
}

fn outgoing(
    state: &State,
    request: &Request,
    method: String,
    url: &url::Url,
) -> Result<Outgoing, ProxyError> {
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let body = UpBody::from_request(request, &method, state.policy.config().max_request_body)?;
    let headers = request.headers().entries().collect();
    Ok(Outgoing { method, path_and_query, headers, body })
}

/// Routes, forwards, follows redirects; the answer's body is the upstream's stream, untouched.
pub async fn forward(state: &State, out: Outgoing) -> Result<Answer, ProxyError> {
    let target = state.policy.route(&out.method, &out.path_and_query, &state.realms())?;
    let config = state.policy.config();
    let headers =
        forward_request_headers(out.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())), &out.method, true);
    let mut body = Some(out.body);
    let mut hops = Hops::start(target, &out.method);
    loop {
        let hop_headers: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| hops.sends_authorization() || name != "authorization")
            .cloned()
            .collect();
        let (js_body, exceeded) = body.take().map_or((None, None), UpBody::into_js);
        let hop = hops.current();
        let sent = upstream::send(state, &out.method, &hop.url, &hop.origin, &hop_headers, js_body).await;
        // A body cut off at the cap may still get an answer (the upstream saw a truncated body and
        // answered that); either way the client gets the refusal.
        if exceeded.is_some_and(|e| e.get()) {
            return Err(ProxyError::BodyTooLarge { limit: config.max_request_body, declared: String::new() });
        }
        let upstream = sent?;
        let status = upstream.status_code();
        let location = upstream.headers().get("location").ok().flatten();
        if hops.follow(&state.policy, status, location.as_deref())? {
            continue;
        }
        let received: Vec<(String, String)> = upstream.headers().entries().collect();
        let pairs: Vec<(&str, &str)> = received.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let headers = state.policy.rewrite_response_headers(&hops.current().url, &pairs, &mut state.realms());
        return Ok(Answer { status, headers, body: upstream.body().clone() });
    }
}
