//! Serving until SIGINT or SIGTERM, then a bounded drain.
//!
//! On a signal the server stops accepting connections and lets open requests finish — but a
//! browser in the middle of a 2 GB blob download must not keep the process alive indefinitely,
//! so after [`DRAIN`] the remaining connections are dropped.

use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::config_file::ConnectionLimits;
use super::connections;

/// How long open requests may continue after a shutdown signal.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` until a signal, then drains for at most [`DRAIN`].
pub async fn serve_until_signal(listener: TcpListener, app: Router, limits: ConnectionLimits) {
    let (signalled_tx, mut signalled_rx) = watch::channel(false);
    let stop = async move {
        let signal = wait_for_signal().await;
        eprintln!(
            "waybill serve: {signal} received, finishing open requests (at most {} s)",
            DRAIN.as_secs()
        );
        let _ = signalled_tx.send(true);
    };
    let drain_deadline = async move {
        let _ = signalled_rx.wait_for(|signalled| *signalled).await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::select! {
        () = connections::serve(listener, app, limits, stop) => eprintln!("waybill serve: stopped"),
        () = drain_deadline => {
            eprintln!("waybill serve: stopped with requests still open after {} s", DRAIN.as_secs());
        }
    }
}

/// Resolves with the name of the first SIGINT or SIGTERM.
async fn wait_for_signal() -> &'static str {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            eprintln!("waybill serve: cannot watch SIGTERM ({e}); stop with Ctrl-C");
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    }
}
