//! Name resolution for the upstream client that refuses forbidden addresses.
//!
//! Checking a host name against the allowlist is not enough: `registry.example` may resolve to
//! 127.0.0.1 or 169.254.169.254 (misconfiguration, DNS rebinding). The client resolves every name
//! through this resolver, on every new connection and so on every redirect hop, and the core
//! decides for each address whether that host may reach it. One forbidden address refuses the
//! whole name. `localhost` names never reach DNS: they are loopback, as in browsers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use waybill_core::proxy::{Host, ProxyError, ProxyPolicy};

use super::guard::LoopbackGuard;

/// A resolution refused by the policy; found again in the client's error chain and reported as is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyRefusal(pub ProxyError);

/// The resolver handed to reqwest.
pub struct PolicyResolver {
    policy: Arc<ProxyPolicy>,
    guard: LoopbackGuard,
}

impl PolicyResolver {
    /// A resolver enforcing `policy`, and `guard` when enabled.
    pub fn new(policy: Arc<ProxyPolicy>, guard: LoopbackGuard) -> PolicyResolver {
        PolicyResolver { policy, guard }
    }
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let guard = self.guard.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let is_localhost = Host::parse(&name).is_ok_and(|h| h.is_localhost_name());
            let addrs: Vec<SocketAddr> = if is_localhost {
                [IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, 0))
                    .collect()
            } else {
                guard.check_name(&name)?;
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect()
            };
            for addr in &addrs {
                policy.check_resolved(&name, addr.ip()).map_err(PolicyRefusal)?;
                guard.check_address(&name, addr.ip())?;
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
