//! What this deployment's proxy reaches, said to the app (`GET /api/reach`, answered by `waybill
//! serve` and the Worker alike): the registries a reference may name, and the hosts foreign layers
//! may be fetched from. The landing page offers only examples it can reach, and says how to
//! configure registries when there are none; nothing here is a secret the routes do not already
//! tell (a route to an unlisted host is refused, naming the setting).

use serde::{Deserialize, Serialize};

use super::proxy_policy::ProxyPolicy;

/// Where the app asks.
pub const REACH_PATH: &str = "/api/reach";

/// The registries and foreign-layer hosts the proxy routes to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// Registries, as references write them (`ghcr.io`, `127.0.0.1:5000`); Docker Hub's is
    /// `registry-1.docker.io`, the API host of `docker.io` references.
    pub registries: Vec<String>,
    /// Hosts foreign layers' `urls` may be fetched from (`foreign_layer_hosts`).
    pub foreign_layer_hosts: Vec<String>,
}

impl Reach {
    /// What `policy` routes to.
    pub fn of(policy: &ProxyPolicy) -> Reach {
        let allowlist = policy.allowlist();
        Reach { registries: allowlist.registries(), foreign_layer_hosts: allowlist.foreign_hosts() }
    }

    /// The JSON answer.
    pub fn to_json(&self) -> String {
        serde_json::json!(self).to_string()
    }

    /// Whether a registry reached at `api_host` (a reference's API host) is routed to.
    pub fn reaches(&self, api_host: &str) -> bool {
        self.registries.iter().any(|r| r.eq_ignore_ascii_case(api_host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::ProxyConfig;

    #[test]
    fn the_configured_registries_and_foreign_hosts_are_listed_as_references_write_them() {
        let config = ProxyConfig {
            default_hosts: false,
            allowed_hosts: vec!["ghcr.io".into(), "registry.example:5443".into()],
            private_hosts: vec!["pulp.corp.example".into()],
            plain_http_hosts: vec!["127.0.0.1:5000".into()],
            foreign_layer_hosts: vec!["go.microsoft.com".into()],
            ..ProxyConfig::default()
        };
        let reach = Reach::of(&ProxyPolicy::new(config).unwrap());
        assert_eq!(
            reach.registries,
            ["ghcr.io", "registry.example:5443", "pulp.corp.example", "127.0.0.1:5000"]
        );
        assert_eq!(reach.foreign_layer_hosts, ["go.microsoft.com"]);
        assert!(reach.reaches("127.0.0.1:5000") && reach.reaches("GHCR.io"));
        assert!(!reach.reaches("registry-1.docker.io"));
        let back: Reach = serde_json::from_str(&reach.to_json()).unwrap();
        assert_eq!(back, reach);
    }

    #[test]
    fn nothing_configured_reaches_nothing_and_the_defaults_reach_docker_hub() {
        let none = Reach::of(
            &ProxyPolicy::new(ProxyConfig { default_hosts: false, ..ProxyConfig::default() }).unwrap(),
        );
        assert_eq!(none, Reach::default());
        let defaults = Reach::of(&ProxyPolicy::new(ProxyConfig::default()).unwrap());
        assert!(defaults.reaches("registry-1.docker.io") && defaults.reaches("mcr.microsoft.com"));
    }
}
