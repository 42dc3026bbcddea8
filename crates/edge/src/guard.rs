//! The loopback-only test guard: a second, independent check before every outbound fetch.
//!
//! The integration tests run the Worker with `WAYBILL_TEST_LOOPBACK_ONLY=1` and an allowlist of
//! loopback registries only. Should the policy ever let something else through, this refuses any
//! hop whose host is not a loopback IP literal (127.0.0.0/8, ::1) — names included, so not even a
//! DNS query leaves the machine — and logs `LOOPBACK GUARD ALARM`, which the tests look for.

use std::net::IpAddr;

use url::{Host, Url};

/// The guard; off in production.
#[derive(Clone, Copy, Debug)]
pub struct LoopbackGuard {
    enabled: bool,
}

/// The line the tests look for in the Worker's log.
pub const ALARM: &str = "LOOPBACK GUARD ALARM";

impl LoopbackGuard {
    /// A guard, on or off.
    pub fn new(enabled: bool) -> LoopbackGuard {
        LoopbackGuard { enabled }
    }

    /// Whether the guard is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Refuses a hop to anything but a loopback literal (when on).
    pub fn check(&self, url: &Url) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let ip: Option<IpAddr> = match url.host() {
            Some(Host::Ipv4(v4)) => Some(v4.into()),
            Some(Host::Ipv6(v6)) => Some(v6.into()),
            _ => None,
        };
        if ip.is_some_and(|ip| ip.is_loopback()) {
            return Ok(());
        }
        let host = url.host_str().unwrap_or("?");
        let message = format!("{ALARM}: refused a connection to {host}, which is not a loopback address");
        worker::console_error!("{message}");
        Err(message)
    }
}
