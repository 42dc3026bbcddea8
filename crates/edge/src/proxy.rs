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
    Answer as Decided, AnswerBody, CorsPolicy, Exchange, Next, OriginVerdict, ProxyError, RequestHead, Start,
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

/// The Worker's reply: the core's decision, with the upstream's body or the proxy's own.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body, streamed.
    pub body: ResponseBody,
}

impl Answer {
    /// The core's decision as the Worker's reply: `upstream` is the upstream's body, for the
    /// answers that carry it.
    pub fn decided(decided: Decided, upstream: Option<ResponseBody>) -> Answer {
        let body = match (decided.body, upstream) {
            (AnswerBody::Upstream, Some(body)) => body,
            (AnswerBody::Json(json), _) => ResponseBody::Body(json.into_bytes()),
            _ => ResponseBody::Empty,
        };
        Answer { status: decided.status, headers: decided.headers, body }
    }

    /// The proxy's refusal alone, as the registry-style JSON error (the inspect API adds its own
    /// CORS headers).
    pub fn refusal(error: &ProxyError) -> Answer {
        Answer {
            status: error.status(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: ResponseBody::Body(error.to_json().into_bytes()),
        }
    }

    /// A `worker::Response`, with `extra` headers appended.
    pub fn into_response<N: AsRef<str>>(self, extra: impl IntoIterator<Item = (N, String)>) -> Response {
        let headers = Headers::new();
        let extra = extra.into_iter().map(|(n, v)| (n.as_ref().to_owned(), v));
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

/// Handles every request under `/r/`: the core's exchange decides, this moves the bytes.
pub async fn handle(state: &State, request: Request) -> worker::Result<Response> {
    let url = request.url()?;
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let method = request.inner().method().to_ascii_uppercase();
    let headers: Vec<(String, String)> = request.headers().entries().collect();
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let serving = url.origin().ascii_serialization();
    let head = RequestHead {
        method: &method,
        path_and_query: &path_and_query,
        headers: &pairs,
        serving_origin: &serving,
    };
    let start = state.policy.start(&head, &state.realms());
    let (decided, upstream) = match start {
        Start::Answer(decided) => (decided, None),
        Start::Forward(exchange) => {
            let body = UpBody::from_request(&request, exchange.body());
            run(state, exchange, &method, body).await
        }
    };
    Ok(Answer::decided(decided, upstream).into_response(Vec::<(String, String)>::new()))
}

/// Forwards a request the Worker makes itself (the inspect API's), with the same policy as a
/// browser's: its decision, and the upstream's body when it carries one.
pub async fn forward(state: &State, out: Outgoing) -> (Decided, Option<ResponseBody>) {
    let pairs: Vec<(&str, &str)> = out.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    // No Origin header: the Worker is its own client, same-origin by construction.
    let head = RequestHead {
        method: &out.method,
        path_and_query: &out.path_and_query,
        headers: &pairs,
        serving_origin: "",
    };
    let start = state.policy.start(&head, &state.realms());
    match start {
        Start::Answer(decided) => (decided, None),
        Start::Forward(exchange) => run(state, exchange, &out.method, out.body).await,
    }
}

/// Sends the hops the exchange names; the answer's body is the upstream's stream, untouched.
async fn run(
    state: &State,
    mut exchange: Exchange,
    method: &str,
    body: UpBody,
) -> (Decided, Option<ResponseBody>) {
    let limit = state.policy.config().max_request_body;
    let mut body = Some(body);
    loop {
        let hop = exchange.hop();
        let (url, origin) = (hop.url.clone(), hop.origin.clone());
        let hop_headers: Vec<(String, String)> =
            hop.headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        let (js_body, exceeded) = body.take().map_or((None, None), UpBody::into_js);
        let sent = upstream::send(state, method, &url, &origin, &hop_headers, js_body).await;
        // A body cut off at the cap may still get an answer (the upstream saw a truncated body and
        // answered that); either way the client gets the refusal.
        if exceeded.is_some_and(|e| e.get()) {
            return (exchange.refuse(&ProxyError::BodyTooLarge { limit, declared: String::new() }), None);
        }
        let upstream = match sent {
            Ok(upstream) => upstream,
            Err(error) => return (exchange.refuse(&error), None),
        };
        let received: Vec<(String, String)> = upstream.headers().entries().collect();
        let pairs: Vec<(&str, &str)> = received.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        match exchange.on_response(&state.policy, upstream.status_code(), &pairs, &mut state.realms()) {
            Next::Follow => continue,
            Next::Answer(decided) => return (decided, Some(upstream.body().clone())),
        }
    }
}
