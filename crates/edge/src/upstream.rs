//! One hop to an upstream: `fetch` with redirects left to the proxy, the test guard first, and a
//! timeout for the answer.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};
use url::Url;
use wasm_bindgen::JsValue;
use waybill_core::proxy::{ProxyError, UpstreamOrigin};
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response,
};

use crate::state::State;

/// Sends one hop. `redirect: "manual"`, so a 3xx comes back to the proxy, which checks the next
/// hop against the policy before following it.
///
/// Body-less requests must be answered within `response_timeout_secs` (the request is aborted
/// after that). Uploads are not timed here: the Worker cannot tell when a passed-through body has
/// finished sending, and the platform's own limits bound a stalled upload.
pub async fn send(
    state: &State,
    method: &str,
    url: &Url,
    origin: &UpstreamOrigin,
    headers: &[(String, String)],
    body: Option<JsValue>,
) -> Result<Response, ProxyError> {
    let unreachable = |reason: String| ProxyError::UpstreamUnreachable { host: origin.to_string(), reason };
    state.guard.check(url).map_err(unreachable)?;
    let outgoing = Headers::new();
    for (name, value) in headers {
        outgoing.append(name, value).map_err(|e| unreachable(format!("header {name}: {e}")))?;
    }
    let timed = body.is_none();
    let mut init = RequestInit::new();
    init.with_method(Method::from(method.to_owned()))
        .with_headers(outgoing)
        .with_redirect(RequestRedirect::Manual)
        .with_body(body);
    let request = Request::new_with_init(url.as_str(), &init).map_err(|e| unreachable(e.to_string()))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sent = fetch.send_with_signal(&signal);
    if !timed {
        return sent.await.map_err(|e| unreachable(e.to_string()));
    }
    let seconds = state.policy.config().response_timeout_secs;
    match select(pin!(sent), pin!(Delay::from(Duration::from_secs(seconds)))).await {
        Either::Left((result, _)) => result.map_err(|e| unreachable(e.to_string())),
        Either::Right(((), _)) => {
            controller.abort();
            Err(ProxyError::Timeout { host: origin.to_string(), phase: "answer".into(), seconds })
        }
    }
}
