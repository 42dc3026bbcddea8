//! The CORS proxy's policy: every decision the proxy makes, with no I/O.
//!
//! Browsers cannot talk to registries directly (no CORS headers; preflights refused), so Waybill
//! ships a proxy with two shells — the native `waybill serve` and the Cloudflare Worker — and one
//! policy, here. A shell:
//!
//! 1. answers `OPTIONS` preflights itself ([`CorsPolicy::preflight_headers`]), never forwarding
//!    them, and refuses other requests from origins [`CorsPolicy::judge`] refuses;
//! 2. turns `/r/<host[:port]>/v2/…` into an upstream URL with [`ProxyPolicy::route`], which
//!    refuses hosts off the allowlist, forbidden literal addresses in any WHATWG spelling,
//!    `localhost` names, and paths that are neither `/v2/…` nor a known token realm;
//! 3. resolves names itself where it can and checks every address with
//!    [`ProxyPolicy::check_resolved`] (the native shell does; the Worker relies on the platform);
//! 4. forwards only [`forward_request_headers`], streaming the body under
//!    [`ProxyConfig::max_request_body`];
//! 5. follows redirects of GET/HEAD requests with [`ProxyPolicy::redirect`], re-checking each hop
//!    and dropping `Authorization` once a hop leaves the origin;
//! 6. passes the answer back with [`ProxyPolicy::rewrite_response_headers`] (cookies and
//!    origin-wide headers dropped; `Location`, `Link` and token realms rewritten into route form,
//!    realms learned into [`LearnedRealms`]) plus [`CorsPolicy::response_headers`];
//! 7. reports refusals as [`ProxyError::to_json`], the registry's own error format.

mod address;
mod allowlist;
mod app_page;
mod challenge_realm;
mod config;
mod cors;
mod error;
mod headers;
mod host;
mod origin;
mod policy;
mod realms;
mod redirect;
mod rewrite;
mod route;

pub use address::{AddressAllowance, AddressClass, classify};
pub use allowlist::Allowlist;
pub use app_page::app_headers;
pub use config::{
    ConfigError, DEFAULT_ALLOWED_HOSTS, DEFAULT_REDIRECT_HOSTS, DEFAULT_TOKEN_REALMS, ProxyConfig,
};
pub use cors::{ALLOWED_HEADERS, ALLOWED_METHODS, CorsPolicy, EXPOSED_HEADERS, OriginVerdict};
pub use error::ProxyError;
pub use headers::{FORWARDED_REQUEST_HEADERS, carries_body, confinement_headers, forward_request_headers};
pub use host::{Authority, Host, HostError};
pub use origin::{ROUTE_PREFIX, Scheme, UpstreamOrigin};
pub use policy::ProxyPolicy;
pub use realms::{LearnedRealms, RealmKey};
pub use redirect::{Hops, RedirectStep, follows_redirects, is_redirect_status};
pub use route::{Target, TargetKind, is_proxy_path, is_pulp_api_path, is_registry_path};
