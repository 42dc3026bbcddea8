//! The loopback-only guard for tests: no packet beyond this machine, even if the proxy has a bug.
//!
//! With `WAYBILL_TEST_LOOPBACK_ONLY=1`, every connection the upstream client is about to make is
//! checked a second time, independently of the policy: names are only resolved when `/etc/hosts`
//! lists them (so not even a DNS query leaves the machine), every address must be loopback, and
//! IP literals are checked before each hop. A refusal is printed to stderr with [`ALARM`], which
//! the integration tests look for: the policy should have refused first, so the guard firing means
//! the policy let something through.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use waybill_core::proxy::Host;

/// The environment variable that turns the guard on.
pub const ENV_VAR: &str = "WAYBILL_TEST_LOOPBACK_ONLY";
/// The marker printed on every refusal; tests fail when they see it.
pub const ALARM: &str = "LOOPBACK GUARD ALARM";

/// A refusal by the guard (reported to the client as an unreachable upstream).
#[derive(Debug, thiserror::Error)]
#[error("{ENV_VAR} is set and {what} is not on loopback; the connection was not made")]
pub struct GuardRefusal {
    what: String,
}

/// The guard; disabled unless the environment asks for it.
#[derive(Clone, Debug, Default)]
pub struct LoopbackGuard {
    hosts_file_names: Option<Arc<HashSet<String>>>,
}

impl LoopbackGuard {
    /// Enabled when `WAYBILL_TEST_LOOPBACK_ONLY=1`; reads `/etc/hosts` once.
    pub fn from_env() -> LoopbackGuard {
        if std::env::var(ENV_VAR).as_deref() != Ok("1") {
            return LoopbackGuard::default();
        }
        let text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        LoopbackGuard { hosts_file_names: Some(Arc::new(hosts_file_names(&text))) }
    }

    /// Whether the guard is on.
    pub fn enabled(&self) -> bool {
        self.hosts_file_names.is_some()
    }

    /// Before a DNS lookup: only names from `/etc/hosts` (and `localhost`) may be looked up.
    pub fn check_name(&self, name: &str) -> Result<(), GuardRefusal> {
        match &self.hosts_file_names {
            Some(names) if !names.contains(&name.to_ascii_lowercase()) && name != "localhost" => {
                Err(alarm(format!("the name {name} (not in /etc/hosts, so resolving it would query DNS)")))
            }
            _ => Ok(()),
        }
    }

    /// Before connecting: the address must be loopback.
    pub fn check_address(&self, host: &str, ip: IpAddr) -> Result<(), GuardRefusal> {
        if self.enabled() && !is_loopback(ip) {
            return Err(alarm(format!("{host} ({ip})")));
        }
        Ok(())
    }

    /// Before each hop to an IP literal (which the client connects to without resolving).
    pub fn check_host(&self, host: &Host) -> Result<(), GuardRefusal> {
        match host.ip() {
            Some(ip) => self.check_address(&host.to_string(), ip),
            None => Ok(()),
        }
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

fn alarm(what: String) -> GuardRefusal {
    eprintln!("waybill serve: {ALARM}: refused a connection to {what}: a test tried to leave loopback");
    GuardRefusal { what }
}

/// Every name on a loopback line of a hosts file, lower-cased.
fn hosts_file_names(text: &str) -> HashSet<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let ip: IpAddr = fields.next()?.parse().ok()?;
            is_loopback(ip).then_some(fields)
        })
        .flatten()
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled(hosts: &str) -> LoopbackGuard {
        LoopbackGuard { hosts_file_names: Some(Arc::new(hosts_file_names(hosts))) }
    }

    #[test]
    fn hosts_file_parsing_keeps_loopback_names_only() {
        let names = hosts_file_names(
            "127.0.0.1 localhost vm # comment\n::1 ip6-localhost\n10.0.0.5 nas\n# 127.0.0.1 x\n",
        );
        let mut v: Vec<_> = names.into_iter().collect();
        v.sort();
        assert_eq!(v, ["ip6-localhost", "localhost", "vm"]);
    }

    #[test]
    fn enabled_guard_refuses_everything_beyond_loopback() {
        let g = enabled("127.0.0.1 vm\n");
        assert!(g.check_name("vm").is_ok());
        assert!(g.check_name("VM").is_ok());
        assert!(g.check_name("registry-1.docker.io").is_err());
        assert!(g.check_address("vm", "127.0.0.1".parse().unwrap()).is_ok());
        assert!(g.check_address("x", "::1".parse().unwrap()).is_ok());
        assert!(g.check_address("x", "::ffff:127.0.0.1".parse().unwrap()).is_ok());
        assert!(g.check_address("x", "10.0.0.1".parse().unwrap()).is_err());
        assert!(g.check_address("x", "8.8.8.8".parse().unwrap()).is_err());
        assert!(g.check_host(&Host::parse("192.168.1.1").unwrap()).is_err());
        assert!(
            g.check_host(&Host::parse("example.com").unwrap()).is_ok(),
            "names are checked when resolved"
        );
    }

    #[test]
    fn disabled_guard_allows_everything() {
        let g = LoopbackGuard::default();
        assert!(!g.enabled());
        assert!(g.check_name("registry-1.docker.io").is_ok());
        assert!(g.check_address("x", "8.8.8.8".parse().unwrap()).is_ok());
    }
}
