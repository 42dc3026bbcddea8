//! The CORS proxy's policy: every decision the proxy makes, with no I/O.
//!
//! Browsers cannot talk to registries directly (no CORS headers; preflights refused), so Waybill
//! ships a proxy with two shells — the native `waybill serve` and the Cloudflare Worker — and one
//! policy, here. Each request is an [`Exchange`], a machine the shell feeds
//! ([`ProxyPolicy::start`] with the request head, [`Exchange::on_response`] with each upstream
//! answer's head) and that answers "send this hop upstream" or "answer the client with this".
//! Inside it:
//!
//! 1. preflights are answered, never forwarded, and pages [`CorsPolicy::judge`] refuses are
//!    refused;
//! 2. `/r/<host[:port]>/v2/…` becomes an upstream URL with [`ProxyPolicy::route`], which
//!    refuses hosts off the allowlist, forbidden literal addresses in any WHATWG spelling,
//!    `localhost` names, and paths that are neither `/v2/…` nor a known token realm;
//! 3. only [`forward_request_headers`] go up, and a body only as [`BodyPlan`] says, under
//!    [`ProxyConfig::max_request_body`];
//! 4. redirects of GET/HEAD requests are followed hop by hop ([`Hops`]), each re-checked, with
//!    `Authorization` dropped once a hop leaves the origin;
//! 5. the answer's headers are made safe ([`ProxyPolicy::rewrite_response_headers`]: cookies and
//!    origin-wide headers dropped; `Location`, `Link` and token realms rewritten into route form,
//!    realms learned into [`LearnedRealms`]), confined ([`confinement_headers`]) and given CORS;
//! 6. refusals are [`ProxyError::to_json`], the registry's own error format.
//!
//! The shells resolve names (natively, checking every address with
//! [`ProxyPolicy::check_resolved`]), stream the bodies, and own the timeouts.

mod address;
mod allowlist;
mod app_page;
mod challenge_realm;
mod cors;
mod exchange;
mod headers;
mod host;
mod origin;
mod proxy_config;
mod proxy_error;
mod proxy_policy;
mod reach;
mod realms;
mod rewrite;
mod route;
mod upstream_redirect;

pub use address::{AddressAllowance, AddressClass, classify};
pub use allowlist::Allowlist;
pub use app_page::app_headers;
pub use cors::{ALLOWED_HEADERS, ALLOWED_METHODS, CorsPolicy, EXPOSED_HEADERS, OriginVerdict};
pub use exchange::{Answer, AnswerBody, BodyPlan, Exchange, Hop, Next, RequestHead, Start};
pub use headers::{FORWARDED_REQUEST_HEADERS, carries_body, confinement_headers, forward_request_headers};
pub use host::{Authority, Host, HostError};
pub use origin::{ROUTE_PREFIX, Scheme, UpstreamOrigin};
pub use proxy_config::{
    ConfigError, DEFAULT_ALLOWED_HOSTS, DEFAULT_REDIRECT_HOSTS, DEFAULT_TOKEN_REALMS, ProxyConfig,
};
pub use proxy_error::ProxyError;
pub use proxy_policy::ProxyPolicy;
pub use reach::{REACH_PATH, Reach};
pub use realms::{LearnedRealms, RealmKey};
pub use route::{Target, TargetKind, is_proxy_path, is_pulp_api_path, is_registry_path};
pub use upstream_redirect::{Hops, RedirectStep, follows_redirects, is_redirect_status};
