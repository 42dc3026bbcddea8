//! From a proxy path, `/r/<host[:port]>/v2/…`, to the upstream URL it stands for — or a refusal.

use url::Url;

use super::host::Authority;
use super::origin::{ROUTE_PREFIX, UpstreamOrigin};
use super::proxy_error::ProxyError;
use super::proxy_policy::{ProxyPolicy, spelled_as};
use super::realms::{LearnedRealms, RealmKey};

/// What kind of upstream endpoint a route reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// The distribution API, `/v2/…`.
    Registry,
    /// A token realm learned from a challenge or seeded by configuration.
    TokenRealm,
    /// Pulp's REST API, read-only, on a registry listed in `pulp_api_hosts`.
    PulpApi,
    /// A foreign layer's `urls`, on a host listed in `foreign_layer_hosts`: read-only, and never
    /// with the client's `Authorization`.
    ForeignLayer,
}

/// Where a routed request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The upstream URL (dot segments resolved, no fragment).
    pub url: Url,
    /// Its origin.
    pub origin: UpstreamOrigin,
    /// Registry API, token realm, Pulp's REST API or a foreign layer.
    pub kind: TargetKind,
}

impl Target {
    /// Whether the client's `Authorization` may be forwarded at all (then only to the route's
    /// origin): never to a foreign layer's host (invariant 4).
    pub fn sends_credentials(&self) -> bool {
        self.kind != TargetKind::ForeignLayer
    }
}

/// Whether a path is part of the distribution API.
pub fn is_registry_path(path: &str) -> bool {
    path.starts_with("/v2/")
}

/// Whether a path is part of Pulp's REST API.
pub fn is_pulp_api_path(path: &str) -> bool {
    path.starts_with("/pulp/api/v3/")
}

/// Whether a request path belongs to the proxy (as opposed to the app's static files).
pub fn is_proxy_path(path: &str) -> bool {
    path.starts_with(ROUTE_PREFIX)
}

const REGISTRY_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const TOKEN_METHODS: &[&str] = &["GET", "POST"];
const PULP_API_METHODS: &[&str] = &["GET", "HEAD"];
const FOREIGN_METHODS: &[&str] = &["GET", "HEAD"];

impl ProxyPolicy {
    /// Routes a request. `path_and_query` is the raw request target (`/r/quay.io/v2/…?n=1`);
    /// `method` is upper-case. Preflights (`OPTIONS`) never get here: the shell answers them.
    ///
    /// Refused, in this order: a segment that is not a host; a literal or `localhost` address
    /// that is not allowed; an origin not on the allowlist; a path that is neither `/v2/…` nor a
    /// known token realm (checked after dot segments are resolved, so `/v2/../x` is `/x`); a
    /// method the protocol does not use there.
    pub fn route(
        &self,
        method: &str,
        path_and_query: &str,
        realms: &LearnedRealms,
    ) -> Result<Target, ProxyError> {
        let rest = path_and_query.strip_prefix(ROUTE_PREFIX).ok_or_else(|| ProxyError::PathNotAllowed {
            host: "the proxy".to_owned(),
            path: path_only(path_and_query).to_owned(),
        })?;
        let (written, tail) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        let authority = Authority::parse(written)
            .map_err(|e| ProxyError::BadHost { input: written.to_owned(), reason: e.reason })?;
        let written_host =
            written.rsplit_once(':').filter(|_| authority.port.is_some()).map_or(written, |(h, _)| h);
        self.check_host(&authority.host, written_host, "")?;
        let origin = self.allowlist().route_origin(&authority);
        let routable = self.allowlist().admits_route(&origin);
        let foreign = self.allowlist().admits_foreign(&origin);
        if !routable && !foreign {
            let context = spelled_as(written, &origin.to_string());
            return Err(ProxyError::HostNotAllowed { host: origin.to_string(), context });
        }
        let refuse_path =
            |path: &str| ProxyError::PathNotAllowed { host: origin.to_string(), path: path.to_owned() };
        if tail.is_empty() {
            return Err(refuse_path("/"));
        }
        let mut url = origin.url(tail).map_err(|_| refuse_path(path_only(tail)))?;
        url.set_fragment(None);
        let realm = RealmKey { origin: origin.clone(), path: url.path().to_owned() };
        let kind = if routable && is_registry_path(url.path()) {
            TargetKind::Registry
        } else if routable && realms.contains(&realm) && !is_pulp_api_path(url.path()) {
            // Pulp's REST API is never a token realm, even when configured as one: writing to it
            // is what "the Pulp API is read-only" forbids.
            TargetKind::TokenRealm
        } else if routable && is_pulp_api_path(url.path()) && self.is_pulp_api(&origin) {
            TargetKind::PulpApi
        } else if foreign {
            TargetKind::ForeignLayer
        } else {
            return Err(refuse_path(url.path()));
        };
        let methods = match kind {
            TargetKind::Registry => REGISTRY_METHODS,
            TargetKind::TokenRealm => TOKEN_METHODS,
            TargetKind::PulpApi => PULP_API_METHODS,
            TargetKind::ForeignLayer => FOREIGN_METHODS,
        };
        if !methods.contains(&method) {
            let detail = match kind {
                TargetKind::Registry => " (the registry API uses GET, HEAD, POST, PUT, PATCH and DELETE)",
                TargetKind::TokenRealm => " to a token realm (only GET and POST)",
                TargetKind::PulpApi => {
                    " to Pulp's REST API (only GET and HEAD: the proxy reads it, never changes it)"
                }
                TargetKind::ForeignLayer => {
                    " to a foreign layer's host (only GET and HEAD: it is downloaded, never changed)"
                }
            };
            return Err(ProxyError::MethodNotAllowed {
                method: method.to_owned(),
                detail: detail.to_owned(),
            });
        }
        Ok(Target { url, origin, kind })
    }
}

fn path_only(path_and_query: &str) -> &str {
    path_and_query.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::origin::Scheme;
    use crate::proxy::proxy_config::ProxyConfig;

    fn policy(f: impl FnOnce(&mut ProxyConfig)) -> ProxyPolicy {
        let mut c = ProxyConfig { default_hosts: false, ..ProxyConfig::default() };
        f(&mut c);
        ProxyPolicy::new(c).unwrap()
    }

    fn local() -> ProxyPolicy {
        policy(|c| {
            c.plain_http_hosts = vec!["127.0.0.1:5200".into(), "[::1]:5201".into()];
            c.allowed_hosts = vec!["vm".into(), "10.0.0.1".into(), "public.example".into()];
        })
    }

    fn code(p: &ProxyPolicy, method: &str, path: &str) -> &'static str {
        match p.route(method, path, &p.new_realms()) {
            Ok(_) => "OK",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn registry_routes() {
        let p = ProxyPolicy::new(ProxyConfig::default()).unwrap();
        let t = p
            .route("GET", "/r/registry-1.docker.io/v2/library/alpine/manifests/3.20", &p.new_realms())
            .unwrap();
        assert_eq!(t.url.as_str(), "https://registry-1.docker.io/v2/library/alpine/manifests/3.20");
        assert_eq!(t.kind, TargetKind::Registry);
        let t = p.route("GET", "/r/Quay.IO/v2/a/b/tags/list?n=10&last=x", &p.new_realms()).unwrap();
        assert_eq!(t.url.as_str(), "https://quay.io/v2/a/b/tags/list?n=10&last=x");
        let t = local()
            .route("PATCH", "/r/127.0.0.1:5200/v2/x/blobs/uploads/u?_state=s", &p.new_realms())
            .unwrap();
        assert_eq!(t.url.as_str(), "http://127.0.0.1:5200/v2/x/blobs/uploads/u?_state=s");
        assert_eq!(t.origin.scheme, Scheme::Http);
        let t = local().route("GET", "/r/[::1]:5201/v2/", &p.new_realms()).unwrap();
        assert_eq!(t.url.as_str(), "http://[::1]:5201/v2/");
    }

    #[test]
    fn foreign_layer_hosts_are_read_only_any_path_and_never_get_credentials() {
        let p = policy(|c| {
            c.allowed_hosts = vec!["registry.example".into()];
            c.foreign_layer_hosts = vec!["go.microsoft.com".into()];
        });
        let t = p.route("GET", "/r/go.microsoft.com/fwlink/?linkid=837858", &p.new_realms()).unwrap();
        assert_eq!(t.kind, TargetKind::ForeignLayer);
        assert_eq!(t.url.as_str(), "https://go.microsoft.com/fwlink/?linkid=837858");
        assert!(!t.sends_credentials());
        assert_eq!(code(&p, "HEAD", "/r/go.microsoft.com/v2/anything"), "OK", "any path, /v2/ included");
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            assert_eq!(
                code(&p, method, "/r/go.microsoft.com/fwlink/"),
                "PROXY_METHOD_NOT_ALLOWED",
                "{method}"
            );
        }
        // HTTPS on 443 only (as written), public addresses only, and only the listed host.
        assert_eq!(code(&p, "GET", "/r/go.microsoft.com:8443/x"), "PROXY_HOST_NOT_ALLOWED");
        assert_eq!(code(&p, "GET", "/r/download.microsoft.com/x"), "PROXY_HOST_NOT_ALLOWED");
        // A registry keeps its own rules: its paths outside /v2/ are still refused.
        assert_eq!(code(&p, "GET", "/r/registry.example/x"), "PROXY_PATH_NOT_ALLOWED");
        let registry = p.route("GET", "/r/registry.example/v2/", &p.new_realms()).unwrap();
        assert!(registry.sends_credentials());
        // Redirects may lead to another foreign-layer host.
        let origin = p.allowlist().route_origin(&Authority::parse("go.microsoft.com").unwrap());
        assert!(p.allowlist().admits_redirect(&origin));
        let bad = ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            foreign_layer_hosts: vec!["127.0.0.1".into()],
            ..ProxyConfig::default()
        });
        assert_eq!(
            bad.unwrap()
                .route(
                    "GET",
                    "/r/127.0.0.1/x",
                    &ProxyPolicy::new(ProxyConfig::default()).unwrap().new_realms()
                )
                .unwrap_err()
                .code(),
            "PROXY_ADDRESS_FORBIDDEN",
            "a loopback literal is refused by address"
        );
    }

    #[test]
    fn pulp_rest_api_is_read_only_and_opt_in() {
        let pulp = policy(|c| {
            c.plain_http_hosts = vec!["127.0.0.1:24817".into(), "127.0.0.1:5200".into()];
            c.pulp_api_hosts = vec!["127.0.0.1:24817".into()];
        });
        let path = "/r/127.0.0.1:24817/pulp/api/v3/repositories/container/container/?name=a%2Fb";
        let t = pulp.route("GET", path, &pulp.new_realms()).unwrap();
        assert_eq!(t.kind, TargetKind::PulpApi);
        assert_eq!(
            t.url.as_str(),
            "http://127.0.0.1:24817/pulp/api/v3/repositories/container/container/?name=a%2Fb"
        );
        assert_eq!(code(&pulp, "HEAD", path), "OK");
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            assert_eq!(code(&pulp, method, path), "PROXY_METHOD_NOT_ALLOWED", "{method}");
        }
        // Only the REST API, only on the listed host.
        assert_eq!(code(&pulp, "GET", "/r/127.0.0.1:24817/pulp/content/x"), "PROXY_PATH_NOT_ALLOWED");
        assert_eq!(
            code(&pulp, "GET", "/r/127.0.0.1:24817/pulp/api/v3/../../admin/"),
            "PROXY_PATH_NOT_ALLOWED"
        );
        assert_eq!(code(&pulp, "GET", "/r/127.0.0.1:5200/pulp/api/v3/status/"), "PROXY_PATH_NOT_ALLOWED");
        assert_eq!(code(&local(), "GET", "/r/127.0.0.1:5200/pulp/api/v3/status/"), "PROXY_PATH_NOT_ALLOWED");
        // A Pulp host must be one the proxy routes to.
        let bad = ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            pulp_api_hosts: vec!["127.0.0.1:24817".into()],
            ..ProxyConfig::default()
        })
        .unwrap_err();
        assert_eq!(bad.list, "pulp_api_hosts");
    }

    #[test]
    fn ssrf_matrix_at_the_policy_level() {
        let p = local();
        let d = ProxyPolicy::new(ProxyConfig::default()).unwrap();
        let cases: &[(&ProxyPolicy, &str, &str)] = &[
            // Literals: refused by address even though 10.0.0.1 is on the (public) allowlist.
            (&p, "/r/10.0.0.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&p, "/r/127.0.0.1/v2/", "PROXY_HOST_NOT_ALLOWED"), // loopback allowed by name, not on 443
            (&d, "/r/127.0.0.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/127.0.0.1:5200/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/[::1]/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/10.1.2.3/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/172.16.0.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/172.31.255.254/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/192.168.1.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/169.254.169.254/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/[fd00:ec2::254]/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/100.64.0.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/0.0.0.0/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/[::ffff:127.0.0.1]/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/[::ffff:a9fe:a9fe]/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/[fe80::1]/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/2130706433/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/0x7f000001/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/0177.0.0.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/127.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/%31%32%37.0.0.1/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/localhost/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/LocalHost./v2/", "PROXY_ADDRESS_FORBIDDEN"),
            (&d, "/r/registry.localhost:5000/v2/", "PROXY_ADDRESS_FORBIDDEN"),
            // Names are left to DNS; an unknown one is refused by the allowlist.
            (&d, "/r/example.com/v2/", "PROXY_HOST_NOT_ALLOWED"),
            (&d, "/r/8.8.8.8/v2/", "PROXY_HOST_NOT_ALLOWED"),
            (&d, "/r/registry-1.docker.io:8443/v2/", "PROXY_HOST_NOT_ALLOWED"),
            (&d, "/r/registry-1.docker.io.evil.example/v2/", "PROXY_HOST_NOT_ALLOWED"),
            (&d, "/r/production.cloudflare.docker.com/v2/", "PROXY_HOST_NOT_ALLOWED"),
            // Smuggling through the authority.
            (&d, "/r/registry-1.docker.io@evil.example/v2/", "PROXY_BAD_HOST"),
            (&d, "/r/evil.example%2Fx/v2/", "PROXY_BAD_HOST"),
            (&d, "/r//v2/", "PROXY_BAD_HOST"),
            // Paths.
            (&d, "/r/quay.io", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/quay.io/", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/quay.io/api/v1/user", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/quay.io/v2", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/quay.io/v2/../api/v1/user", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/quay.io/v2/%2e%2e/api", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/quay.io/v2/a/%2E%2E/%2e%2e/token", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/r/auth.docker.io/v2/../other", "PROXY_PATH_NOT_ALLOWED"),
            (&d, "/x/quay.io/v2/", "PROXY_PATH_NOT_ALLOWED"),
            // Allowed for contrast.
            (&d, "/r/quay.io/v2/", "OK"),
            (&d, "/r/auth.docker.io/token?service=registry.docker.io", "OK"),
            (&p, "/r/127.0.0.1:5200/v2/", "OK"),
            (&p, "/r/2130706433:5200/v2/", "OK"), // the same origin, spelled differently
        ];
        for (policy, path, want) in cases {
            assert_eq!(code(policy, "GET", path), *want, "{path}");
        }
    }

    #[test]
    fn refusal_messages_name_the_host_and_the_remedy() {
        let d = ProxyPolicy::new(ProxyConfig::default()).unwrap();
        let e = d.route("GET", "/r/example.com:5000/v2/", &d.new_realms()).unwrap_err();
        assert!(e.to_string().contains("\"example.com:5000\" to allowed_hosts"), "{e}");
        let p = policy(|c| c.plain_http_hosts = vec!["127.0.0.1:5200".into()]);
        let e = p.route("GET", "/r/0x7f000001/v2/", &p.new_realms()).unwrap_err();
        assert!(e.to_string().contains("127.0.0.1 (written as 0x7f000001): it is not"), "{e}");
        let e = d.route("GET", "/r/2130706433/v2/", &d.new_realms()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("127.0.0.1 (written as 2130706433)") && msg.contains("loopback"), "{msg}");
        let e = d.route("GET", "/r/quay.io/v2/../api/v1/user?secret=1", &d.new_realms()).unwrap_err();
        assert!(e.to_string().contains("/api/v1/user on quay.io"), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn methods() {
        let d = ProxyPolicy::new(ProxyConfig::default()).unwrap();
        for m in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
            assert_eq!(code(&d, m, "/r/quay.io/v2/x/blobs/uploads/"), "OK", "{m}");
        }
        for m in ["TRACE", "CONNECT", "PROPFIND", "get"] {
            assert_eq!(code(&d, m, "/r/quay.io/v2/"), "PROXY_METHOD_NOT_ALLOWED", "{m}");
        }
        assert_eq!(code(&d, "POST", "/r/auth.docker.io/token"), "OK");
        assert_eq!(code(&d, "PUT", "/r/auth.docker.io/token"), "PROXY_METHOD_NOT_ALLOWED");
    }

    #[test]
    fn learned_realms_open_exactly_their_path() {
        let p = policy(|c| c.plain_http_hosts = vec!["127.0.0.1:24818".into()]);
        let mut realms = p.new_realms();
        assert_eq!(
            p.route("GET", "/r/127.0.0.1:24818/token/", &realms).unwrap_err().code(),
            "PROXY_PATH_NOT_ALLOWED"
        );
        let origin = p.allowlist().route_origin(&Authority::parse("127.0.0.1:24818").unwrap());
        realms.learn(RealmKey { origin, path: "/token/".into() });
        let t =
            p.route("GET", "/r/127.0.0.1:24818/token/?service=x&scope=repository:a:pull", &realms).unwrap();
        assert_eq!(t.kind, TargetKind::TokenRealm);
        assert_eq!(t.url.as_str(), "http://127.0.0.1:24818/token/?service=x&scope=repository:a:pull");
        assert!(p.route("GET", "/r/127.0.0.1:24818/token", &realms).is_err());
        assert!(p.route("GET", "/r/127.0.0.1:24818/token/x", &realms).is_err());
        assert!(p.route("GET", "/r/127.0.0.1:24818/pulp/api/v3/", &realms).is_err());
    }

    #[test]
    fn proxy_paths() {
        assert!(is_proxy_path("/r/quay.io/v2/"));
        assert!(!is_proxy_path("/index.html"));
        assert!(!is_proxy_path("/r"));
        assert!(is_registry_path("/v2/"));
        assert!(!is_registry_path("/v2"));
        assert!(!is_registry_path("/v20/"));
    }
}
