//! The proxy's configuration, as the shells read it: the `[proxy]` table of `waybill.toml` for the
//! native server, variables for the Worker. Every field has a default, so an empty table is a
//! working, safe configuration: the well-known public registries, no local ones, same-origin only.

use serde::{Deserialize, Serialize};

/// Registries allowed by default (`default_hosts = true`), over HTTPS on port 443, public
/// addresses only. Token servers on their own host (auth.docker.io) are here too, because the
/// browser's token request goes through the proxy.
pub const DEFAULT_ALLOWED_HOSTS: &[&str] = &[
    "registry-1.docker.io",
    "auth.docker.io",
    "quay.io",
    "ghcr.io",
    "gcr.io",
    "mcr.microsoft.com",
    "registry.access.redhat.com",
    "registry.redhat.io",
];

/// Hosts that the default registries redirect blob downloads to. They are reachable only as the
/// target of a redirect from an allowed registry, never as a route of their own.
/// Docker Hub: Cloudflare and its R2 bucket (anonymous/personal) and CloudFront; quay.io and the
/// Red Hat registries: quay's CDN; GHCR: pkg-containers; MCR: regional `*.data.mcr.microsoft.com`;
/// classic GCR: Cloud Storage (Artifact Registry-backed gcr.io redirects on its own host).
pub const DEFAULT_REDIRECT_HOSTS: &[&str] = &[
    "production.cloudflare.docker.com",
    "production.cloudfront.docker.com",
    "docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com",
    "cdn.quay.io",
    "cdn01.quay.io",
    "cdn02.quay.io",
    "cdn03.quay.io",
    "pkg-containers.githubusercontent.com",
    "*.data.mcr.microsoft.com",
    "storage.googleapis.com",
];

/// Token endpoints that are not under `/v2/`, allowed from the start (they are also learned from
/// challenges, but a seed survives a restart between the challenge and the token request).
pub const DEFAULT_TOKEN_REALMS: &[&str] = &["auth.docker.io/token", "ghcr.io/token"];

/// A configuration entry that cannot be used, naming the list and the entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("proxy configuration: {list} entry {entry:?}: {reason}")]
pub struct ConfigError {
    /// The configuration key (`allowed_hosts`, …).
    pub list: &'static str,
    /// The entry as written.
    pub entry: String,
    /// What is wrong, and what would be right.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(list: &'static str, entry: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError { list, entry: entry.to_owned(), reason: reason.into() }
    }
}

/// The proxy's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProxyConfig {
    /// Whether the built-in registries, their blob CDNs and token realms are allowed
    /// ([`DEFAULT_ALLOWED_HOSTS`], [`DEFAULT_REDIRECT_HOSTS`], [`DEFAULT_TOKEN_REALMS`]).
    /// Tests set it to `false` so that nothing can reach beyond the machine.
    pub default_hosts: bool,
    /// More HTTPS registries or token servers, `host` (port 443) or `host:port`. Public addresses
    /// only: a name that resolves to a loopback or private address is refused.
    pub allowed_hosts: Vec<String>,
    /// More hosts allowed only as redirect targets (blob CDNs); `*.example.com` matches every
    /// subdomain of example.com.
    pub redirect_hosts: Vec<String>,
    /// Registries spoken to over plain HTTP, `host:port` (the port is required). They must be on
    /// this machine: every address they resolve to must be loopback.
    pub plain_http_hosts: Vec<String>,
    /// HTTPS registries on a private network, `host` or `host:port`: allowed to resolve to
    /// loopback, private, link-local and CGNAT addresses (never metadata or unspecified ones).
    pub private_hosts: Vec<String>,
    /// Page origins (`https://app.example`, `http://127.0.0.1:9000`) allowed to use the proxy
    /// cross-origin, or `"*"` for any. Empty: only pages served from the proxy's own origin.
    pub allowed_origins: Vec<String>,
    /// Largest request body forwarded, in bytes. Blob chunks are 8 MiB by default.
    pub max_request_body: u64,
    /// Redirects followed server-side per request (GET and HEAD only).
    pub max_redirects: u8,
    /// Seconds to establish a connection to an upstream.
    pub connect_timeout_secs: u64,
    /// Seconds an upstream may take to start answering once the request has been sent.
    pub response_timeout_secs: u64,
    /// Seconds a body (either direction) may stall between two pieces of data.
    pub idle_timeout_secs: u64,
    /// More token endpoints outside `/v2/`, as `host[:port]/path` (e.g. `auth.example.com/token`).
    pub extra_token_realms: Vec<String>,
    /// Hosts serving foreign layers' `urls` (`go.microsoft.com`, `mcr.microsoft.com`), `host` or
    /// `host:port`, HTTPS on public addresses only: `GET` and `HEAD` of any path are forwarded —
    /// never with `Authorization` — so that the app can fetch a foreign layer a registry or an
    /// archive lacks. Their CDNs go in `redirect_hosts`.
    pub foreign_layer_hosts: Vec<String>,
    /// Registries that are Pulp, `host[:port]` as routed (each must also be allowed above): `GET`
    /// and `HEAD` of Pulp's REST API (`/pulp/api/v3/…`) are forwarded to them too, so that the
    /// app can link a pushed image to its Pulp repository, version and distribution. Nothing else
    /// of the REST API, and nothing on any other host.
    pub pulp_api_hosts: Vec<String>,
    /// How many token realms learned from `WWW-Authenticate` challenges are remembered; the oldest
    /// is forgotten first. Seeds (defaults and `extra_token_realms`) are never forgotten.
    pub max_learned_realms: usize,
}

impl Default for ProxyConfig {
    fn default() -> ProxyConfig {
        ProxyConfig {
            default_hosts: true,
            allowed_hosts: Vec::new(),
            redirect_hosts: Vec::new(),
            plain_http_hosts: Vec::new(),
            private_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_request_body: 128 * 1024 * 1024,
            max_redirects: 5,
            connect_timeout_secs: 10,
            response_timeout_secs: 60,
            idle_timeout_secs: 60,
            extra_token_realms: Vec::new(),
            foreign_layer_hosts: Vec::new(),
            pulp_api_hosts: Vec::new(),
            max_learned_realms: 64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_table_is_the_default() {
        let c: ProxyConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, ProxyConfig::default());
        assert!(c.default_hosts);
        assert_eq!(c.max_request_body, 134_217_728);
        assert!(c.allowed_origins.is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = serde_json::from_str::<ProxyConfig>(r#"{"allowed_host": ["x"]}"#).unwrap_err();
        assert!(e.to_string().contains("allowed_host"), "{e}");
    }

    #[test]
    fn partial_tables_keep_other_defaults() {
        let c: ProxyConfig =
            serde_json::from_str(r#"{"plain_http_hosts": ["127.0.0.1:5200"], "max_redirects": 2}"#).unwrap();
        assert_eq!(c.plain_http_hosts, ["127.0.0.1:5200"]);
        assert_eq!(c.max_redirects, 2);
        assert_eq!(c.max_learned_realms, 64);
    }
}
