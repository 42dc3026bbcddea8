//! [`ProxyPolicy`]: the configuration, compiled once, and the address checks every hop needs.

use std::net::IpAddr;

use super::address::{AddressClass, classify};
use super::allowlist::Allowlist;
use super::cors::CorsPolicy;
use super::host::{Authority, Host};
use super::origin::UpstreamOrigin;
use super::proxy_config::{ConfigError, DEFAULT_TOKEN_REALMS, ProxyConfig};
use super::proxy_error::ProxyError;
use super::realms::{LearnedRealms, RealmKey};

/// Everything the proxy decides, built from a [`ProxyConfig`]. Immutable and shared by all
/// requests; the only mutable state, the learned token realms, is a separate [`LearnedRealms`]
/// that the shell keeps (behind a lock natively, per isolate in the Worker).
#[derive(Clone, Debug)]
pub struct ProxyPolicy {
    config: ProxyConfig,
    allowlist: Allowlist,
    cors: CorsPolicy,
    realm_seeds: Vec<RealmKey>,
    pulp_api: Vec<UpstreamOrigin>,
}

impl ProxyPolicy {
    /// Compiles a configuration; every bad entry is an error naming its list and value.
    pub fn new(config: ProxyConfig) -> Result<ProxyPolicy, ConfigError> {
        let allowlist = Allowlist::from_config(&config)?;
        let cors = CorsPolicy::from_config(&config.allowed_origins)?;
        let defaults = if config.default_hosts { DEFAULT_TOKEN_REALMS } else { &[] };
        let realm_seeds = defaults
            .iter()
            .map(|s| s.to_string())
            .chain(config.extra_token_realms.iter().cloned())
            .map(|entry| realm_seed(&allowlist, &entry))
            .collect::<Result<Vec<_>, _>>()?;
        let pulp_api = config
            .pulp_api_hosts
            .iter()
            .map(|entry| pulp_api_origin(&allowlist, entry))
            .collect::<Result<_, _>>()?;
        Ok(ProxyPolicy { config, allowlist, cors, realm_seeds, pulp_api })
    }

    /// Whether `origin` is a Pulp whose REST API may be read through the proxy
    /// (`pulp_api_hosts`).
    pub fn is_pulp_api(&self, origin: &UpstreamOrigin) -> bool {
        self.pulp_api.contains(origin)
    }

    /// The configuration this policy was built from (limits and timeouts for the shell).
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// The compiled allowlists.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// The CORS policy.
    pub fn cors(&self) -> &CorsPolicy {
        &self.cors
    }

    /// A fresh set of token realms: the seeds, and room for `max_learned_realms`.
    pub fn new_realms(&self) -> LearnedRealms {
        LearnedRealms::new(self.realm_seeds.clone(), self.config.max_learned_realms)
    }

    /// Checks a host before any connection, for what can be known without DNS: an IP literal's
    /// class, and `localhost` names (always loopback). A public literal passes here; whether it
    /// is allowed is the allowlist's business. `spelled` is the host as the client wrote it,
    /// `context` says where it came from (" (the target of a redirect from x)").
    pub fn check_host(&self, host: &Host, spelled: &str, context: &str) -> Result<(), ProxyError> {
        let (address, class) = match host.ip() {
            Some(ip) => (ip, classify(ip)),
            None if host.is_localhost_name() => (IpAddr::from([127, 0, 0, 1]), AddressClass::Loopback),
            None => return Ok(()),
        };
        if class == AddressClass::Public || self.allowlist.address_allowance(host).permits(class) {
            return Ok(());
        }
        let canonical = host.to_string();
        let spelled = spelled_as(spelled, &canonical);
        Err(ProxyError::AddressForbidden {
            host: canonical,
            spelled,
            address,
            class,
            context: context.to_owned(),
        })
    }

    /// Checks one address that DNS returned for `name` (shells that resolve names themselves call
    /// this for every address, on every connection). Exemptions are per host name, whatever the
    /// port: a name configured only as a plain-HTTP registry may resolve to loopback only.
    pub fn check_resolved(&self, name: &str, ip: IpAddr) -> Result<(), ProxyError> {
        let host = Host::parse(name)
            .map_err(|e| ProxyError::BadHost { input: name.to_owned(), reason: e.reason })?;
        let allowance = self.allowlist.address_allowance(&host);
        let class = classify(ip);
        if allowance.permits(class) {
            return Ok(());
        }
        if class == AddressClass::Public && allowance.loopback {
            return Err(ProxyError::PlainHttpNotLoopback { host: host.to_string(), address: ip });
        }
        Err(ProxyError::AddressForbidden {
            host: host.to_string(),
            spelled: String::new(),
            address: ip,
            class,
            context: " (as resolved by DNS)".to_owned(),
        })
    }
}

/// " (written as x)" when the client's spelling differs from the canonical host, or "".
pub(crate) fn spelled_as(spelled: &str, canonical: &str) -> String {
    if spelled.is_empty() || spelled.eq_ignore_ascii_case(canonical) {
        String::new()
    } else {
        format!(" (written as {spelled})")
    }
}

/// A `pulp_api_hosts` entry, resolved to its origin the way a route would be; it must be a
/// registry the proxy routes to.
fn pulp_api_origin(allowlist: &Allowlist, entry: &str) -> Result<UpstreamOrigin, ConfigError> {
    let bad = |reason: &str| ConfigError::new("pulp_api_hosts", entry, reason);
    let authority = Authority::parse(entry).map_err(|e| bad(&e.reason))?;
    let origin = allowlist.route_origin(&authority);
    if !allowlist.admits_route(&origin) {
        return Err(bad(
            "not a registry the proxy routes to: list it in allowed_hosts, private_hosts or plain_http_hosts too",
        ));
    }
    Ok(origin)
}

/// A token realm seed, `host[:port]/path`, resolved to its origin the way a route would be.
fn realm_seed(allowlist: &Allowlist, entry: &str) -> Result<RealmKey, ConfigError> {
    let bad = |reason: &str| ConfigError::new("extra_token_realms", entry, reason);
    let slash =
        entry.find('/').ok_or_else(|| bad("expected host[:port]/path, e.g. \"auth.example.com/token\""))?;
    let (authority, path) = entry.split_at(slash);
    let authority = Authority::parse(authority).map_err(|e| bad(&e.reason))?;
    let origin = allowlist.route_origin(&authority);
    let url = origin.url(path).map_err(|e| bad(&e.to_string()))?;
    if url.query().is_some() || url.path() == "/" {
        return Err(bad("the path must be a token endpoint such as /token, without a query"));
    }
    Ok(RealmKey { origin, path: url.path().to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::origin::{Scheme, UpstreamOrigin};

    fn local() -> ProxyPolicy {
        ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            plain_http_hosts: vec!["127.0.0.1:5200".into(), "vm:5300".into()],
            allowed_hosts: vec!["public.example".into(), "vm".into()],
            private_hosts: vec!["pulp.corp.example".into()],
            extra_token_realms: vec!["auth.example.com/oauth/token".into()],
            ..ProxyConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn seeds_are_resolved_like_routes() {
        let p = local();
        let realms = p.new_realms();
        let key = RealmKey {
            origin: UpstreamOrigin {
                scheme: Scheme::Https,
                host: Host::Domain("auth.example.com".into()),
                port: 443,
            },
            path: "/oauth/token".into(),
        };
        assert!(realms.contains(&key));
        let with_defaults = ProxyPolicy::new(ProxyConfig::default()).unwrap().new_realms();
        let hub = RealmKey {
            path: "/token".into(),
            origin: UpstreamOrigin { host: Host::Domain("auth.docker.io".into()), ..key.origin },
        };
        assert!(with_defaults.contains(&hub));
        for bad in ["auth.example.com", "auth.example.com/", "auth.example.com/t?x=1", "a@b/token"] {
            let cfg = ProxyConfig { extra_token_realms: vec![bad.into()], ..ProxyConfig::default() };
            assert_eq!(ProxyPolicy::new(cfg).unwrap_err().list, "extra_token_realms", "{bad}");
        }
    }

    #[test]
    fn literals_and_localhost_names_are_checked_without_dns() {
        let p = local();
        let check = |s: &str| p.check_host(&Host::parse(s).unwrap(), s, "");
        // Configured loopback literal: allowed (the port is the allowlist's business).
        assert!(check("127.0.0.1").is_ok());
        assert!(check("8.8.8.8").is_ok(), "public literals are left to the allowlist");
        assert!(check("public.example").is_ok(), "names are left to DNS");
        for refused in
            ["127.0.0.2", "2130706434", "[::1]", "10.0.0.1", "169.254.169.254", "100.64.0.1", "localhost"]
        {
            let e = check(refused).unwrap_err();
            assert_eq!(e.code(), "PROXY_ADDRESS_FORBIDDEN", "{refused}");
        }
        let e = check("0x7f000002").unwrap_err();
        assert!(e.to_string().contains("(written as 0x7f000002)"), "{e}");
        assert!(e.to_string().contains("127.0.0.2"), "{e}");
    }

    #[test]
    fn resolved_addresses_follow_the_host_allowance() {
        let p = local();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(p.check_resolved("public.example", ip("93.184.215.14")).is_ok());
        let e = p.check_resolved("public.example", ip("127.0.0.1")).unwrap_err();
        assert_eq!(e.code(), "PROXY_ADDRESS_FORBIDDEN");
        assert!(e.to_string().contains("resolved by DNS"), "{e}");
        assert!(p.check_resolved("public.example", ip("10.1.1.1")).is_err());
        assert!(p.check_resolved("public.example", ip("::ffff:192.168.0.1")).is_err());
        // A private registry may be private, never metadata.
        assert!(p.check_resolved("pulp.corp.example", ip("10.1.1.1")).is_ok());
        assert!(p.check_resolved("pulp.corp.example", ip("169.254.169.254")).is_err());
        assert!(p.check_resolved("pulp.corp.example", ip("0.0.0.0")).is_err());
        // A name listed both as public and plain-HTTP may be loopback; plain HTTP may not go public.
        assert!(p.check_resolved("vm", ip("127.0.0.1")).is_ok());
        let e = ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            plain_http_hosts: vec!["reg.example:80".into()],
            ..ProxyConfig::default()
        })
        .unwrap()
        .check_resolved("reg.example", ip("93.184.215.14"))
        .unwrap_err();
        assert!(matches!(e, ProxyError::PlainHttpNotLoopback { .. }), "{e:?}");
        // Unknown names may reach nothing.
        assert!(p.check_resolved("other.example", ip("93.184.215.14")).is_err());
    }
}
