//! The upstream HTTP client, and what its failures mean for the browser.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use waybill_core::proxy::{ProxyError, ProxyPolicy, UpstreamOrigin};

use super::body::BodyError;
use super::guard::{GuardRefusal, LoopbackGuard};
use super::resolver::{PolicyRefusal, PolicyResolver};

/// A reqwest client that never follows redirects (the proxy does, re-checking every hop), never
/// uses a system proxy (`HTTPS_PROXY` would bypass the address policy), keeps no cookies, and
/// resolves names through [`PolicyResolver`].
pub fn client(policy: Arc<ProxyPolicy>, guard: LoopbackGuard) -> Result<reqwest::Client, reqwest::Error> {
    let connect_timeout = Duration::from_secs(policy.config().connect_timeout_secs);
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PolicyResolver::new(policy, guard)))
        .connect_timeout(connect_timeout)
        .build()
}

/// Turns a client error into the proxy's answer. The policy's and the guard's refusals, and the
/// body's own failures, are found in the error's source chain; everything else becomes
/// "unreachable" or "timeout", described without the URL (it may carry signed query strings).
pub fn classify_error(
    error: reqwest::Error,
    origin: &UpstreamOrigin,
    connect_timeout_secs: u64,
) -> ProxyError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(&error);
    while let Some(e) = source {
        if let Some(PolicyRefusal(refusal)) = e.downcast_ref::<PolicyRefusal>() {
            return refusal.clone();
        }
        if let Some(body) = e.downcast_ref::<BodyError>() {
            return body_error(body);
        }
        if let Some(guard) = e.downcast_ref::<GuardRefusal>() {
            return ProxyError::UpstreamUnreachable { host: origin.to_string(), reason: guard.to_string() };
        }
        source = e.source();
    }
    if error.is_timeout() {
        return ProxyError::Timeout {
            host: origin.to_string(),
            phase: "accept the connection".into(),
            seconds: connect_timeout_secs,
        };
    }
    ProxyError::UpstreamUnreachable { host: origin.to_string(), reason: describe(&error.without_url()) }
}

/// The proxy's answer when the client's body failed.
pub fn body_error(error: &BodyError) -> ProxyError {
    match error {
        BodyError::TooLarge { limit } => ProxyError::BodyTooLarge { limit: *limit, declared: String::new() },
        BodyError::Idle { seconds } => ProxyError::Timeout {
            host: "the client".into(),
            phase: "send the next part of the request body".into(),
            seconds: *seconds,
        },
        BodyError::Client(e) => ProxyError::UpstreamUnreachable {
            host: "the client".into(),
            reason: format!("its request body broke off: {e}"),
        },
    }
}

/// An error and its causes on one line: "error sending request: client error (Connect): tcp
/// connect error: Connection refused (os error 111)".
fn describe(error: &dyn StdError) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}
