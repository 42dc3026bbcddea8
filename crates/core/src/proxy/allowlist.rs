//! Which upstream origins the proxy may talk to, and which addresses each host may resolve to.
//!
//! Built once from [`ProxyConfig`]: every entry is parsed with the same WHATWG host parser as the
//! routes, so `127.1:5000` in a configuration and `2130706433:5000` in a route are the same origin.
//! Entries without a port mean HTTPS on 443; a `host:port` entry admits exactly that port.

use super::address::AddressAllowance;
use super::host::{Authority, Host};
use super::origin::{Scheme, UpstreamOrigin};
use super::proxy_config::{ConfigError, DEFAULT_ALLOWED_HOSTS, DEFAULT_REDIRECT_HOSTS, ProxyConfig};

/// A host and port, as an allowlist entry names them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Endpoint {
    host: Host,
    port: u16,
}

/// A redirect-target entry: one host, or every subdomain of a suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RedirectPattern {
    Exact(Endpoint),
    /// `*.data.mcr.microsoft.com` is stored as `.data.mcr.microsoft.com`, HTTPS on 443.
    Subdomains(String),
}

/// The compiled allowlists.
#[derive(Clone, Debug)]
pub struct Allowlist {
    public: Vec<Endpoint>,
    foreign: Vec<Endpoint>,
    private: Vec<Endpoint>,
    plain_http: Vec<Endpoint>,
    redirect_only: Vec<RedirectPattern>,
}

impl Allowlist {
    /// Parses every entry of the configuration (and the defaults when `default_hosts` is set).
    pub fn from_config(config: &ProxyConfig) -> Result<Allowlist, ConfigError> {
        let defaults = |list: &'static [&'static str]| -> Vec<String> {
            if config.default_hosts { list.iter().map(|s| s.to_string()).collect() } else { Vec::new() }
        };
        let mut public = parse_endpoints("allowed_hosts", &defaults(DEFAULT_ALLOWED_HOSTS), 443)?;
        public.extend(parse_endpoints("allowed_hosts", &config.allowed_hosts, 443)?);
        let private = parse_endpoints("private_hosts", &config.private_hosts, 443)?;
        let foreign = parse_endpoints("foreign_layer_hosts", &config.foreign_layer_hosts, 443)?;
        let plain_http = config
            .plain_http_hosts
            .iter()
            .map(|entry| {
                let a = parse_entry("plain_http_hosts", entry)?;
                let port = a.port.ok_or_else(|| {
                    ConfigError::new(
                        "plain_http_hosts",
                        entry,
                        format!("plain-HTTP registries need an explicit port, e.g. \"{entry}:5000\""),
                    )
                })?;
                Ok(Endpoint { host: a.host, port })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut redirect_only = Vec::new();
        for entry in defaults(DEFAULT_REDIRECT_HOSTS).iter().chain(&config.redirect_hosts) {
            redirect_only.push(match entry.strip_prefix("*.") {
                Some(suffix) => match Authority::parse(suffix) {
                    Ok(Authority { host: Host::Domain(d), port: None }) => {
                        RedirectPattern::Subdomains(format!(".{d}"))
                    }
                    _ => {
                        return Err(ConfigError::new(
                            "redirect_hosts",
                            entry,
                            "a wildcard must be \"*.\" followed by a domain name, without a port",
                        ));
                    }
                },
                None => RedirectPattern::Exact(to_endpoint(parse_entry("redirect_hosts", entry)?, 443)),
            });
        }
        Ok(Allowlist { public, foreign, private, plain_http, redirect_only })
    }

    /// The origin `/r/<authority>` names: plain HTTP when `host:port` is a configured plain-HTTP
    /// registry, HTTPS otherwise (port 443 when none is written).
    pub fn route_origin(&self, authority: &Authority) -> UpstreamOrigin {
        let host = authority.host.clone();
        match authority.port {
            Some(port) if self.plain_http.contains(&Endpoint { host: host.clone(), port }) => {
                UpstreamOrigin { scheme: Scheme::Http, host, port }
            }
            port => UpstreamOrigin { scheme: Scheme::Https, host, port: port.unwrap_or(443) },
        }
    }

    /// Whether requests may be routed to this origin (`/r/…`, token realms, rewritten
    /// `Location`s): a configured registry, with the scheme it was configured for.
    pub fn admits_route(&self, origin: &UpstreamOrigin) -> bool {
        let endpoint = Endpoint { host: origin.host.clone(), port: origin.port };
        match origin.scheme {
            Scheme::Http => self.plain_http.contains(&endpoint),
            Scheme::Https => self.public.contains(&endpoint) || self.private.contains(&endpoint),
        }
    }

    /// Whether foreign-layer downloads may be routed to this origin (`foreign_layer_hosts`, HTTPS).
    pub fn admits_foreign(&self, origin: &UpstreamOrigin) -> bool {
        origin.scheme == Scheme::Https
            && self.foreign.contains(&Endpoint { host: origin.host.clone(), port: origin.port })
    }

    /// Whether an upstream redirect may be followed to this origin: a routable origin, a
    /// foreign-layer host, or a redirect-only host (blob CDN) over HTTPS.
    pub fn admits_redirect(&self, origin: &UpstreamOrigin) -> bool {
        self.admits_route(origin)
            || self.admits_foreign(origin)
            || (origin.scheme == Scheme::Https && self.is_redirect_host(&origin.host, origin.port))
    }

    fn is_redirect_host(&self, host: &Host, port: u16) -> bool {
        self.redirect_only.iter().any(|p| match p {
            RedirectPattern::Exact(e) => e.host == *host && e.port == port,
            RedirectPattern::Subdomains(suffix) => {
                port == 443 && matches!(host, Host::Domain(d) if d.ends_with(suffix.as_str()))
            }
        })
    }

    /// The addresses `host` may resolve to, the union over every list that names it (on any
    /// port): public for HTTPS registries and CDNs, loopback for plain-HTTP registries, private
    /// networks for `private_hosts`. A host named nowhere may reach nothing.
    pub fn address_allowance(&self, host: &Host) -> AddressAllowance {
        let named = |list: &[Endpoint]| list.iter().any(|e| e.host == *host);
        let mut allowance = AddressAllowance::NONE;
        if named(&self.public)
            || named(&self.foreign)
            || self.redirect_only.iter().any(|p| self.pattern_names(p, host))
        {
            allowance = allowance.union(AddressAllowance::PUBLIC);
        }
        if named(&self.plain_http) {
            allowance = allowance.union(AddressAllowance::LOOPBACK);
        }
        if named(&self.private) {
            allowance = allowance.union(AddressAllowance::PRIVATE);
        }
        allowance
    }

    /// The registries a route may name, as references write them (`host`, or `host:port` off
    /// 443): the HTTPS ones (public and private), then the plain-HTTP ones.
    pub fn registries(&self) -> Vec<String> {
        let https = self.public.iter().chain(&self.private).map(|e| e.written(443));
        https.chain(self.plain_http.iter().map(|e| e.written(0))).collect()
    }

    /// The hosts foreign layers may be fetched from (`foreign_layer_hosts`), written the same way.
    pub fn foreign_hosts(&self) -> Vec<String> {
        self.foreign.iter().map(|e| e.written(443)).collect()
    }

    fn pattern_names(&self, pattern: &RedirectPattern, host: &Host) -> bool {
        match pattern {
            RedirectPattern::Exact(e) => e.host == *host,
            RedirectPattern::Subdomains(suffix) => {
                matches!(host, Host::Domain(d) if d.ends_with(suffix.as_str()))
            }
        }
    }
}

impl Endpoint {
    /// `host`, or `host:port` when the port is not `implied`.
    fn written(&self, implied: u16) -> String {
        if self.port == implied { self.host.to_string() } else { format!("{}:{}", self.host, self.port) }
    }
}

fn parse_entry(list: &'static str, entry: &str) -> Result<Authority, ConfigError> {
    Authority::parse(entry.trim()).map_err(|e| ConfigError::new(list, entry, e.reason))
}

fn to_endpoint(a: Authority, default_port: u16) -> Endpoint {
    Endpoint { host: a.host, port: a.port.unwrap_or(default_port) }
}

fn parse_endpoints(
    list: &'static str,
    entries: &[String],
    default_port: u16,
) -> Result<Vec<Endpoint>, ConfigError> {
    entries
        .iter()
        .map(|entry| {
            if entry.contains('*') {
                return Err(ConfigError::new(list, entry, "wildcards are only accepted in redirect_hosts"));
            }
            Ok(to_endpoint(parse_entry(list, entry)?, default_port))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(f: impl FnOnce(&mut ProxyConfig)) -> ProxyConfig {
        let mut c = ProxyConfig { default_hosts: false, ..ProxyConfig::default() };
        f(&mut c);
        c
    }

    fn origin(s: &str) -> UpstreamOrigin {
        UpstreamOrigin::of_url(&url::Url::parse(s).unwrap()).unwrap()
    }

    #[test]
    fn defaults_admit_the_public_registries_over_https_only() {
        let a = Allowlist::from_config(&ProxyConfig::default()).unwrap();
        for host in
            ["registry-1.docker.io", "auth.docker.io", "quay.io", "ghcr.io", "gcr.io", "mcr.microsoft.com"]
        {
            assert!(a.admits_route(&origin(&format!("https://{host}/"))), "{host}");
            assert!(!a.admits_route(&origin(&format!("http://{host}/"))), "{host} over http");
            assert!(!a.admits_route(&origin(&format!("https://{host}:8443/"))), "{host} on another port");
            assert_eq!(a.address_allowance(&Host::parse(host).unwrap()), AddressAllowance::PUBLIC);
        }
        assert!(!a.admits_route(&origin("https://example.com/")));
        assert_eq!(a.address_allowance(&Host::parse("example.com").unwrap()), AddressAllowance::NONE);
    }

    #[test]
    fn cdn_hosts_are_redirect_targets_but_not_routes() {
        let a = Allowlist::from_config(&ProxyConfig::default()).unwrap();
        for url in [
            "https://production.cloudflare.docker.com/registry-v2/x",
            "https://pkg-containers.githubusercontent.com/ghcr1/blobs/sha256:x",
            "https://cdn02.quay.io/sha256/ab/x",
            "https://westus2.data.mcr.microsoft.com/x",
        ] {
            let o = origin(url);
            assert!(a.admits_redirect(&o), "{url}");
            assert!(!a.admits_route(&o), "{url}");
            assert_eq!(a.address_allowance(&o.host), AddressAllowance::PUBLIC);
        }
        // The wildcard matches subdomains only, on 443 only, over HTTPS only.
        assert!(!a.admits_redirect(&origin("https://data.mcr.microsoft.com/x")));
        assert!(!a.admits_redirect(&origin("https://evildata.mcr.microsoft.com/x")));
        assert!(!a.admits_redirect(&origin("https://x.data.mcr.microsoft.com:444/x")));
        assert!(!a.admits_redirect(&origin("http://cdn.quay.io/x")));
    }

    #[test]
    fn plain_http_registries_are_loopback_only_and_need_a_port() {
        let a =
            Allowlist::from_config(&config(|c| c.plain_http_hosts = vec!["127.0.0.1:5200".into()])).unwrap();
        let auth = Authority::parse("127.0.0.1:5200").unwrap();
        assert_eq!(a.route_origin(&auth), origin("http://127.0.0.1:5200/"));
        assert!(a.admits_route(&origin("http://127.0.0.1:5200/")));
        // Another spelling of the same origin is the same origin.
        assert_eq!(
            a.route_origin(&Authority::parse("2130706433:5200").unwrap()),
            origin("http://127.0.0.1:5200/")
        );
        // Another port is HTTPS, and not configured.
        let other = a.route_origin(&Authority::parse("127.0.0.1:5201").unwrap());
        assert_eq!(other.scheme, Scheme::Https);
        assert!(!a.admits_route(&other));
        assert_eq!(a.address_allowance(&Host::parse("127.0.0.1").unwrap()), AddressAllowance::LOOPBACK);

        let e =
            Allowlist::from_config(&config(|c| c.plain_http_hosts = vec!["127.0.0.1".into()])).unwrap_err();
        assert_eq!(e.list, "plain_http_hosts");
        assert!(e.to_string().contains("127.0.0.1:5000"), "{e}");
    }

    #[test]
    fn private_and_public_entries() {
        let a = Allowlist::from_config(&config(|c| {
            c.private_hosts = vec!["pulp.corp.example".into()];
            c.allowed_hosts = vec!["Registry.Example:5000".into()];
        }))
        .unwrap();
        assert!(a.admits_route(&origin("https://pulp.corp.example/")));
        assert_eq!(
            a.address_allowance(&Host::parse("pulp.corp.example").unwrap()),
            AddressAllowance::PRIVATE
        );
        assert!(a.admits_route(&origin("https://registry.example:5000/")));
        assert!(!a.admits_route(&origin("https://registry.example/")));
        assert_eq!(a.route_origin(&Authority::parse("registry.example:5000").unwrap()).scheme, Scheme::Https);
    }

    #[test]
    fn bad_entries_are_reported_with_their_list() {
        let e =
            Allowlist::from_config(&config(|c| c.allowed_hosts = vec!["*.example.com".into()])).unwrap_err();
        assert_eq!(e.list, "allowed_hosts");
        let e = Allowlist::from_config(&config(|c| c.allowed_hosts = vec!["user@host".into()])).unwrap_err();
        assert!(e.to_string().contains("user@host"), "{e}");
        let e = Allowlist::from_config(&config(|c| c.redirect_hosts = vec!["*.x.example:8443".into()]))
            .unwrap_err();
        assert_eq!(e.list, "redirect_hosts");
        let e =
            Allowlist::from_config(&config(|c| c.redirect_hosts = vec!["*.10.0.0.1".into()])).unwrap_err();
        assert_eq!(e.list, "redirect_hosts");
        let e = Allowlist::from_config(&config(|c| c.private_hosts = vec!["host:99999".into()])).unwrap_err();
        assert_eq!(e.list, "private_hosts");
    }

    #[test]
    fn nothing_is_admitted_without_defaults_or_entries() {
        let a = Allowlist::from_config(&config(|_| {})).unwrap();
        assert!(!a.admits_route(&origin("https://registry-1.docker.io/")));
        assert!(!a.admits_redirect(&origin("https://production.cloudflare.docker.com/")));
    }
}
