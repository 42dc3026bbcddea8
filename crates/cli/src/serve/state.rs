//! What every request handler shares.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use waybill_core::proxy::{LearnedRealms, ProxyPolicy};

use super::error::ServeError;
use super::guard::LoopbackGuard;
use super::upstream;

/// The server's shared state.
pub struct AppState {
    /// The compiled policy.
    pub policy: Arc<ProxyPolicy>,
    /// Token realms learned from challenges (bounded by the policy).
    realms: Mutex<LearnedRealms>,
    /// The upstream client (no redirects, policy-checked resolver).
    pub client: reqwest::Client,
    /// The loopback-only test guard.
    pub guard: LoopbackGuard,
    /// The address actually bound (for the Host check).
    pub local: SocketAddr,
}

impl AppState {
    /// Builds the state and the upstream client.
    pub fn new(policy: ProxyPolicy, guard: LoopbackGuard, local: SocketAddr) -> Result<AppState, ServeError> {
        let policy = Arc::new(policy);
        let realms = Mutex::new(policy.new_realms());
        let client = upstream::client(policy.clone(), guard.clone())
            .map_err(|source| ServeError::Client { source })?;
        Ok(AppState { policy, realms, client, guard, local })
    }

    /// The learned realms. A panic while holding the lock cannot leave them inconsistent (every
    /// update is a single push or pop), so a poisoned lock is used as is.
    pub fn realms(&self) -> MutexGuard<'_, LearnedRealms> {
        self.realms.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
