//! Accepting connections: at most `max_connections` open at once, each closed when it holds the
//! server without a request in progress for too long.
//!
//! axum's own `serve` loop has neither limit, and a half-sent request, a silent connection or an
//! idle keep-alive stayed open for good: a few hundred of them exhaust the process's file
//! descriptors once the server listens beyond loopback. So the loop is written here, with
//! hyper's HTTP/1 connection directly:
//!
//! * keep-alive timeout: hyper's `header_read_timeout`, which runs from the moment a connection
//!   waits for a request head (when it opens, and after each answer) until the head is complete;
//! * header-read timeout: once a head has begun, the rest within a shorter time
//!   (`header_timeout.rs`);
//! * the cap: connections beyond it are not accepted until one closes; they wait in the listen
//!   backlog (the kernel completes their handshake), so a browser's request is delayed, not
//!   refused, and is served in its turn while the connections ahead of it run out their timeouts.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::config_file::ConnectionLimits;
use super::header_timeout::{Activity, HeaderTimeoutIo, Tracked};

/// Connections the kernel may hold, handshake done, until the server accepts them: where the
/// connections beyond the cap wait (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: u32 = 1024;
/// The "all connections in use" warning is repeated at most this often.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Listens on `addr` with room for [`BACKLOG`] waiting connections (tokio's `bind` leaves 128).
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves `app` on `listener` until `stop` resolves, then waits for open requests to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) {
    let mut stop = pin!(stop);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(limits.keep_alive_timeout_secs));
    let http = Arc::new(http);
    let header_timeout = Duration::from_secs(limits.header_read_timeout_secs);
    let mut warned: Option<Instant> = None;
    loop {
        let slot = tokio::select! {
            slot = take_slot(&slots, limits.max_connections, &mut warned) => slot,
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let (http, watcher, app) = (http.clone(), graceful.watcher(), app.clone());
        tokio::spawn(async move {
            serve_connection(&http, watcher, stream, app, header_timeout).await;
            drop(slot);
        });
    }
    // Closed now, so clients connecting during the drain are refused instead of left waiting.
    drop(listener);
    graceful.shutdown().await;
}

/// Serves one connection: `app` behind the header clock.
async fn serve_connection(
    http: &http1::Builder,
    watcher: Watcher,
    stream: TcpStream,
    app: Router,
    header_timeout: Duration,
) {
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(HeaderTimeoutIo::new(stream, activity.clone(), header_timeout));
    let app = TowerToHyperService::new(app);
    let service = service_fn(move |request: Request<Incoming>| {
        let in_progress = activity.start();
        let answer = app.call(request.map(|body| Tracked::new(body, in_progress.clone())));
        async move {
            let answer = answer.await?;
            Ok::<_, Infallible>(answer.map(|body| Tracked::new(body, in_progress)))
        }
    });
    // An error here is the client's (a reset, a timeout): there is no one to report it to.
    let _ = watcher.watch(http.serve_connection(io, service)).await;
}

/// A free connection slot; waits for one when all are taken.
async fn take_slot(slots: &Arc<Semaphore>, max: usize, warned: &mut Option<Instant>) -> OwnedSemaphorePermit {
    if let Ok(slot) = slots.clone().try_acquire_owned() {
        return slot;
    }
    if warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
        eprintln!(
            "waybill serve: {max} connections are open (max_connections): new ones wait until one closes"
        );
        *warned = Some(Instant::now());
    }
    slots.clone().acquire_owned().await.expect("the semaphore is never closed")
}

/// After a failed accept: a connection reset before it was accepted is the client's business;
/// anything else (out of file descriptors, out of memory) would fail again at once, so the loop
/// waits for connections to close first, as hyper's and axum's loops do.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    eprintln!(
        "waybill serve: cannot accept a connection ({error}); trying again in 1 s \
         (if the process is out of file descriptors, lower max_connections or raise `ulimit -n`)"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
}
