//! Waybill at the edge: the Cloudflare Worker (workers-rs) that serves the built app, the registry
//! proxy (`/r/<host[:port]>/v2/…`), the inspect API (`/api/inspect`) and what the proxy reaches
//! (`/api/reach`, for the app's landing page).
//!
//! A thin shell, like `waybill serve`: every proxy decision is the core's `ProxyPolicy`, every
//! registry exchange the core's protocol code; this crate moves bytes with `worker::Fetch`.
//! Configuration comes from Worker variables ([`config`]); see docs/edge.md.

mod assets;
mod body;
mod config;
mod guard;
mod inspect;
mod proxy;
mod state;
mod transport;
mod upstream;

use waybill_core::proxy::{REACH_PATH, Reach, is_proxy_path};
use worker::{Context, Env, Request, Response, event};

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let state = match state::for_env(&env) {
        Ok(state) => state,
        Err(message) => {
            worker::console_error!("waybill: {message}");
            let json =
                serde_json::json!({ "errors": [{ "code": "WORKER_MISCONFIGURED", "message": message }] });
            return Ok(Response::from_json(&json)?.with_status(500));
        }
    };
    let path = request.path();
    if is_proxy_path(&path) {
        proxy::handle(&state, request).await
    } else if path == inspect::PATH {
        inspect::handle(state, request).await
    } else if path == REACH_PATH {
        let mut response = Response::from_json(&Reach::of(&state.policy))?;
        response.headers_mut().set("cache-control", "no-store")?;
        Ok(response)
    } else {
        assets::serve(&env, request).await
    }
}
