//! `waybill serve`: the built app and its registry proxy on one origin.
//!
//! The browser app cannot talk to registries directly (no CORS), so this server serves `dist/`
//! and, on the same origin, the proxy at `/r/<host[:port]>/v2/…`. Every decision — which hosts,
//! which paths, which headers, which addresses, which origins — is made by the core's
//! [`ProxyPolicy`]; this module only moves bytes: it streams request bodies upstream under the
//! size cap, resolves names itself and refuses forbidden addresses before connecting, follows
//! redirects hop by hop, and streams answers back; a body it stops reading is read to its end
//! in the background so the client can read the refusal. Clients that hold connections without
//! asking anything meet a header-read timeout, a keep-alive timeout and a cap on connections.

mod access_log;
mod app_headers;
mod body;
mod config_file;
mod connections;
mod error;
mod guard;
mod header_timeout;
mod host_check;
mod linger;
mod proxy;
mod reach;
mod resolver;
mod shutdown;
mod state;
mod static_files;
mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::routing::{any, get};

use waybill_core::proxy::{ProxyPolicy, REACH_PATH};

pub use error::ServeError;

/// `waybill serve` options.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on. Keep it on loopback unless other machines should use the proxy.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The built app (Trunk's output folder).
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Configuration file with a [proxy] table (allowlists, plain-HTTP registries, origins).
    /// [default: waybill.toml when it exists, built-in defaults otherwise]
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Runs the server until SIGINT or SIGTERM, then drains open requests (for a bounded time).
pub async fn run(args: ServeArgs) -> Result<(), ServeError> {
    let config = config_file::load(args.config.as_deref())?;
    let policy = ProxyPolicy::new(config.proxy).map_err(|source| ServeError::Policy { source })?;
    let guard = guard::LoopbackGuard::from_env();
    let listener =
        connections::bind(args.listen).map_err(|source| ServeError::Bind { addr: args.listen, source })?;
    let local = listener.local_addr().map_err(|source| ServeError::Bind { addr: args.listen, source })?;
    let state = Arc::new(state::AppState::new(policy, guard, local)?);

    let app_files = static_files::AppFiles::new(&args.dist);
    let app = Router::new()
        .route("/r/", any(proxy::handle))
        .route("/r/{*rest}", any(proxy::handle))
        .route(REACH_PATH, get(reach::handle))
        .fallback(move |request: Request| app_files.clone().serve(request))
        .layer(axum::middleware::from_fn_with_state(app_headers::for_dist(&args.dist), app_headers::add))
        .layer(axum::middleware::from_fn_with_state(state.clone(), host_check::require_own_host))
        .layer(axum::middleware::from_fn(linger::linger))
        .layer(axum::middleware::from_fn(access_log::log))
        .with_state(state.clone());

    announce(&args, local, &state);
    shutdown::serve_until_signal(listener, app, config.serve).await;
    Ok(())
}

fn announce(args: &ServeArgs, local: SocketAddr, state: &state::AppState) {
    if !args.dist.join("index.html").is_file() {
        eprintln!(
            "waybill serve: warning: {} has no index.html (build the app with `trunk build`); the proxy works anyway",
            args.dist.display()
        );
    }
    if !local.ip().is_loopback() {
        eprintln!(
            "waybill serve: warning: listening on {local}, not on loopback: every machine that can reach it can use the proxy"
        );
    }
    if state.guard.enabled() {
        eprintln!("waybill serve: {} is set: connections beyond loopback are refused", guard::ENV_VAR);
    }
    eprintln!(
        "waybill serve: listening on http://{local} (app from {}, proxy at /r/<host>/v2/…)",
        args.dist.display()
    );
}
