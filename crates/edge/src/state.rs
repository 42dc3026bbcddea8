//! What every request in one isolate shares: the compiled policy, the learned token realms and
//! the test guard.
//!
//! A Worker has no process: Cloudflare runs it in isolates that come and go, several at once, and
//! each keeps its own globals. The policy is compiled once per isolate (the variables cannot change
//! under a running isolate). Learned token realms live per isolate too: a token request that lands
//! on an isolate that has not seen the challenge is refused unless the realm is seeded
//! (`extra_token_realms`, or the built-in Docker Hub and GHCR realms); the app's next attempt,
//! which repeats the challenge, teaches that isolate.

use std::cell::{RefCell, RefMut};
use std::rc::Rc;

use waybill_core::proxy::{LearnedRealms, ProxyPolicy};
use worker::Env;

use crate::config::{GUARD_VAR, flag, proxy_config};
use crate::guard::LoopbackGuard;

/// The isolate's shared state.
pub struct State {
    /// The compiled policy.
    pub policy: ProxyPolicy,
    realms: RefCell<LearnedRealms>,
    /// The loopback-only test guard.
    pub guard: LoopbackGuard,
}

impl State {
    /// The learned realms. Callers hold the borrow only between two awaits (never across one), so
    /// concurrent requests in the isolate never meet a borrowed cell.
    pub fn realms(&self) -> RefMut<'_, LearnedRealms> {
        self.realms.borrow_mut()
    }
}

thread_local! {
    static STATE: RefCell<Option<Rc<State>>> = const { RefCell::new(None) };
}

/// The isolate's state, built from the variables on first use.
pub fn for_env(env: &Env) -> Result<Rc<State>, String> {
    if let Some(state) = STATE.with(|s| s.borrow().clone()) {
        return Ok(state);
    }
    let config = proxy_config(env)?;
    let policy = ProxyPolicy::new(config).map_err(|e| e.to_string())?;
    let realms = RefCell::new(policy.new_realms());
    let guard = LoopbackGuard::new(flag(env, GUARD_VAR));
    if guard.enabled() {
        worker::console_log!("waybill: {GUARD_VAR} is set: connections beyond loopback are refused");
    }
    let state = Rc::new(State { policy, realms, guard });
    STATE.with(|s| *s.borrow_mut() = Some(state.clone()));
    Ok(state)
}
