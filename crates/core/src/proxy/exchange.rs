//! One proxied request as a machine the shell feeds, so that `waybill serve` and the Worker run
//! the same exchange and only move bytes (they own sockets, clocks and body streams):
//!
//! 1. [`ProxyPolicy::start`] takes the request head: a preflight, a refused page, a refused
//!    route or a body declared over the cap is answered at once ([`Start::Answer`]); anything
//!    else becomes an [`Exchange`] to forward.
//! 2. The shell sends [`Exchange::hop`] upstream (with the client's body on the first hop if
//!    [`Exchange::body`] says so), and gives the answer's status and headers to
//!    [`Exchange::on_response`]: either the next hop to send ([`Next::Follow`]), or the answer
//!    for the client with its headers rewritten ([`Next::Answer`]), whose body is the upstream's.
//! 3. When the shell's own I/O fails (a timeout, a refused connection, a body past the cap), it
//!    turns the error into the client's answer with [`Exchange::refuse`].
//!
//! Every answer carries the CORS headers the page's origin earned and the confinement headers.

use url::Url;

use super::cors::{CorsPolicy, OriginVerdict};
use super::headers::{carries_body, confinement_headers, forward_request_headers};
use super::origin::UpstreamOrigin;
use super::proxy_error::ProxyError;
use super::proxy_policy::ProxyPolicy;
use super::realms::LearnedRealms;
use super::upstream_redirect::Hops;

/// A request as it reached the proxy.
#[derive(Clone, Copy, Debug)]
pub struct RequestHead<'a> {
    /// The method, upper-case.
    pub method: &'a str,
    /// The raw request target, `/r/<host>/v2/…?…`.
    pub path_and_query: &'a str,
    /// Every header, as received.
    pub headers: &'a [(&'a str, &'a str)],
    /// The proxy's own origin, as the client reached it (`http://127.0.0.1:8080`).
    pub serving_origin: &'a str,
}

/// What the client gets back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: AnswerBody,
    /// For the proxy's own refusals, the refusal (its code for the shell's access log; the
    /// Worker's inspect API words it its own way).
    pub refusal: Option<ProxyError>,
}

/// Where an answer's body comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerBody {
    /// None (a preflight).
    Empty,
    /// The proxy's own JSON error.
    Json(String),
    /// The upstream's body, streamed as it comes.
    Upstream,
}

/// How the client's request body goes upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyPlan {
    /// There is none to send (GET, HEAD, DELETE: a body sent with them is dropped).
    None,
    /// As it comes; its declared length is within the cap.
    Declared,
    /// Counted as it comes, failing past `limit` bytes (no length was declared).
    Counted {
        /// The cap.
        limit: u64,
    },
}

/// The outcome of a request head.
#[derive(Debug)]
pub enum Start {
    /// Answer the client now; nothing goes upstream.
    Answer(Answer),
    /// Forward it.
    Forward(Exchange),
}

/// The outcome of an upstream's answer.
#[derive(Debug)]
pub enum Next {
    /// Send the request to [`Exchange::hop`] again: it is a redirect's target.
    Follow,
    /// Give the client this answer, with the upstream's body.
    Answer(Answer),
}

/// One hop to send.
#[derive(Debug)]
pub struct Hop<'a> {
    /// Where.
    pub url: &'a Url,
    /// Its origin (for the shell's address checks and its errors).
    pub origin: &'a UpstreamOrigin,
    /// The headers to send.
    pub headers: Vec<(&'a str, &'a str)>,
}

/// A request being forwarded.
#[derive(Debug)]
pub struct Exchange {
    verdict: OriginVerdict,
    hops: Hops,
    headers: Vec<(String, String)>,
    body: BodyPlan,
}

impl ProxyPolicy {
    /// Decides what to do with a request head.
    pub fn start(&self, head: &RequestHead<'_>, realms: &LearnedRealms) -> Start {
        let header =
            |name: &str| head.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
        let verdict = self.cors().judge(header("origin"), head.serving_origin);
        if head.method == "OPTIONS" {
            let private_network = header("access-control-request-private-network") == Some("true");
            let headers = CorsPolicy::preflight_headers(&verdict, private_network);
            return Start::Answer(answer(204, headers, AnswerBody::Empty, None));
        }
        if let OriginVerdict::Refused(origin) = &verdict {
            return Start::Answer(refusal(
                &verdict,
                &ProxyError::OriginNotAllowed { origin: origin.clone() },
            ));
        }
        let target = match self.route(head.method, head.path_and_query, realms) {
            Ok(target) => target,
            Err(error) => return Start::Answer(refusal(&verdict, &error)),
        };
        let limit = self.config().max_request_body;
        let body = match header("content-length").map(|v| v.trim().parse::<u64>()) {
            _ if !carries_body(head.method) => BodyPlan::None,
            Some(Ok(declared)) if declared > limit => {
                let error = ProxyError::BodyTooLarge { limit, declared: format!(" ({declared} bytes)") };
                return Start::Answer(refusal(&verdict, &error));
            }
            Some(Ok(_)) => BodyPlan::Declared,
            _ => BodyPlan::Counted { limit },
        };
        let headers = forward_request_headers(head.headers.iter().copied(), head.method, true);
        Start::Forward(Exchange { verdict, hops: Hops::start(target, head.method), headers, body })
    }
}

impl Exchange {
    /// Where to send the request now, and with which headers (`Authorization` only while the
    /// hops stay on the route's origin).
    pub fn hop(&self) -> Hop<'_> {
        let current = self.hops.current();
        let headers = self
            .headers
            .iter()
            .filter(|(name, _)| self.hops.sends_authorization() || name != "authorization")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        Hop { url: &current.url, origin: &current.origin, headers }
    }

    /// How the client's body goes upstream (on the first hop only: a redirect is followed only
    /// for requests without one).
    pub fn body(&self) -> BodyPlan {
        self.body
    }

    /// The upstream answered the current hop with `status` and `headers`.
    pub fn on_response(
        &mut self,
        policy: &ProxyPolicy,
        status: u16,
        headers: &[(&str, &str)],
        realms: &mut LearnedRealms,
    ) -> Next {
        let location = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location")).map(|(_, v)| *v);
        match self.hops.follow(policy, status, location) {
            Ok(true) => Next::Follow,
            Ok(false) => {
                let rewritten = policy.rewrite_response_headers(&self.hops.current().url, headers, realms);
                let cors = CorsPolicy::response_headers(&self.verdict);
                let mut answer = answer(status, cors, AnswerBody::Upstream, None);
                answer.headers.splice(0..0, rewritten);
                finish(&mut answer);
                Next::Answer(answer)
            }
            Err(error) => Next::Answer(self.refuse(&error)),
        }
    }

    /// The client's answer when the shell's own I/O failed.
    pub fn refuse(&self, error: &ProxyError) -> Answer {
        refusal(&self.verdict, error)
    }
}

fn answer<N: Into<String>>(
    status: u16,
    headers: Vec<(N, String)>,
    body: AnswerBody,
    refusal: Option<ProxyError>,
) -> Answer {
    let headers = headers.into_iter().map(|(n, v)| (n.into(), v)).collect();
    let mut answer = Answer { status, headers, body, refusal };
    if answer.body != AnswerBody::Upstream {
        finish(&mut answer);
    }
    answer
}

/// The proxy's own error, as the registry's JSON error format, with the page's CORS headers.
fn refusal(verdict: &OriginVerdict, error: &ProxyError) -> Answer {
    let mut headers = vec![("content-type", "application/json".to_owned())];
    headers.extend(CorsPolicy::response_headers(verdict));
    answer(error.status(), headers, AnswerBody::Json(error.to_json()), Some(error.clone()))
}

/// Adds the confinement headers, for the answer's final content type.
fn finish(answer: &mut Answer) {
    let content_type = answer.headers.iter().find(|(n, _)| n == "content-type").map(|(_, v)| v.clone());
    for (name, value) in confinement_headers(content_type.as_deref()) {
        answer.headers.push((name.to_owned(), value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::proxy_config::ProxyConfig;

    fn policy() -> ProxyPolicy {
        ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            plain_http_hosts: vec!["127.0.0.1:5000".into(), "127.0.0.1:5001".into()],
            allowed_origins: vec!["http://app.example".into()],
            max_request_body: 100,
            ..ProxyConfig::default()
        })
        .unwrap()
    }

    fn head<'a>(method: &'a str, path: &'a str, headers: &'a [(&'a str, &'a str)]) -> RequestHead<'a> {
        RequestHead { method, path_and_query: path, headers, serving_origin: "http://127.0.0.1:8080" }
    }

    fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
        answer.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn preflights_refusals_and_caps_are_answered_at_once() {
        let p = policy();
        let realms = p.new_realms();
        let preflight = [("Origin", "http://app.example")];
        let Start::Answer(a) = p.start(&head("OPTIONS", "/r/127.0.0.1:5000/v2/", &preflight), &realms) else {
            panic!("a preflight is answered")
        };
        assert_eq!((a.status, &a.body), (204, &AnswerBody::Empty));
        assert_eq!(header(&a, "access-control-allow-origin"), Some("http://app.example"));
        let evil = [("Origin", "http://evil.example")];
        let Start::Answer(a) = p.start(&head("GET", "/r/127.0.0.1:5000/v2/", &evil), &realms) else {
            panic!()
        };
        assert_eq!(a.refusal.as_ref().map(ProxyError::code), Some("PROXY_ORIGIN_NOT_ALLOWED"));
        let Start::Answer(a) = p.start(&head("GET", "/r/10.0.0.1/v2/", &[]), &realms) else { panic!() };
        assert_eq!(
            (a.status, a.refusal.as_ref().map(ProxyError::code)),
            (403, Some("PROXY_ADDRESS_FORBIDDEN"))
        );
        assert_eq!(header(&a, "x-content-type-options"), Some("nosniff"));
        let big = [("Content-Length", "101")];
        let Start::Answer(a) =
            p.start(&head("PATCH", "/r/127.0.0.1:5000/v2/x/blobs/uploads/u", &big), &realms)
        else {
            panic!()
        };
        assert_eq!(a.refusal.as_ref().map(ProxyError::code), Some("PROXY_BODY_TOO_LARGE"));
    }

    #[test]
    fn bodies_and_lengths() {
        let p = policy();
        let realms = p.new_realms();
        let cases = [
            ("GET", Some("5"), BodyPlan::None),
            ("PUT", Some("5"), BodyPlan::Declared),
            ("PATCH", None, BodyPlan::Counted { limit: 100 }),
        ];
        for (method, length, plan) in cases {
            let headers: Vec<(&str, &str)> = length.map(|l| ("content-length", l)).into_iter().collect();
            let Start::Forward(e) = p.start(&head(method, "/r/127.0.0.1:5000/v2/x", &headers), &realms)
            else {
                panic!("{method} is forwarded")
            };
            assert_eq!(e.body(), plan, "{method}");
            let sent = e.hop().headers.iter().any(|(n, _)| *n == "content-length");
            assert_eq!(sent, plan == BodyPlan::Declared, "{method}: a length only with its body");
        }
    }

    #[test]
    fn redirects_are_followed_then_answered_without_credentials() {
        let p = policy();
        let mut realms = p.new_realms();
        let headers = [("Authorization", "Bearer t"), ("Origin", "http://app.example")];
        let Start::Forward(mut e) =
            p.start(&head("GET", "/r/127.0.0.1:5000/v2/x/blobs/d", &headers), &realms)
        else {
            panic!()
        };
        assert!(e.hop().headers.contains(&("authorization", "Bearer t")));
        let to_b = [("Location", "http://127.0.0.1:5001/blob")];
        assert!(matches!(e.on_response(&p, 307, &to_b, &mut realms), Next::Follow));
        assert_eq!(e.hop().url.as_str(), "http://127.0.0.1:5001/blob");
        assert!(!e.hop().headers.iter().any(|(n, _)| *n == "authorization"), "another origin");
        let page = [("Content-Type", "text/html"), ("Set-Cookie", "x=1")];
        let Next::Answer(a) = e.on_response(&p, 200, &page, &mut realms) else { panic!() };
        assert_eq!((a.status, &a.body), (200, &AnswerBody::Upstream));
        assert_eq!(header(&a, "set-cookie"), None);
        assert_eq!(header(&a, "content-disposition"), Some("attachment"));
        assert_eq!(header(&a, "access-control-allow-origin"), Some("http://app.example"));
        let Next::Answer(a) = e.on_response(&p, 302, &[("Location", "http://10.0.0.1/")], &mut realms) else {
            panic!()
        };
        assert_eq!(a.refusal.as_ref().map(ProxyError::code), Some("PROXY_ADDRESS_FORBIDDEN"));
    }
}
