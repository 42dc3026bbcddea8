//! The header-read timeout: once the first byte of a request head has arrived, the whole head
//! must arrive within `header_read_timeout_secs`, or the connection is closed.
//!
//! hyper's own `header_read_timeout` cannot be this: it starts when hyper begins waiting for a
//! head (when the connection opens, and again after every response), so it bounds the idle wait
//! and the head together. The server uses it for that, as the keep-alive timeout
//! (`connections.rs`), and this module adds the shorter limit on a head that has begun — the
//! slowloris case, a client trickling a head to hold a connection. The clock lives in the
//! connection's reader ([`HeaderTimeoutIo`]): it starts at the first byte read while no request
//! is in progress and stops when a request reaches the service ([`Activity::start`]). A request
//! stays in progress until both its body and its answer's body are dropped, so a long upload,
//! a slow download or the lingering read of an unread body (`linger.rs`) never run against it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// What one connection's requests are doing, shared by its reader and its service.
#[derive(Default)]
pub struct Activity {
    /// Requests that reached the service, ever.
    started: AtomicU64,
    /// Requests whose body or answer is still open.
    in_progress: AtomicUsize,
}

impl Activity {
    /// A request reached the service: its head is complete. The returned token keeps it in
    /// progress until the last clone is dropped.
    pub fn start(self: &Arc<Self>) -> Arc<InProgress> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        Arc::new(InProgress(self.clone()))
    }
}

/// A request in progress (see [`Activity::start`]).
pub struct InProgress(Arc<Activity>);

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.in_progress.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A request or answer body that keeps its request in progress while it is open.
pub struct Tracked<B> {
    inner: B,
    _request: Arc<InProgress>,
}

impl<B> Tracked<B> {
    /// Wraps `inner`.
    pub fn new(inner: B, request: Arc<InProgress>) -> Tracked<B> {
        Tracked { inner, _request: request }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A connection whose reads fail with `TimedOut` when a request head takes too long.
pub struct HeaderTimeoutIo<T> {
    inner: T,
    activity: Arc<Activity>,
    timeout: Duration,
    /// Running while a head is arriving: its deadline, and the requests started when it began.
    clock: Option<(Pin<Box<Sleep>>, u64)>,
}

impl<T> HeaderTimeoutIo<T> {
    /// Wraps `inner`, whose requests report to `activity`.
    pub fn new(inner: T, activity: Arc<Activity>, timeout: Duration) -> HeaderTimeoutIo<T> {
        HeaderTimeoutIo { inner, activity, timeout, clock: None }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HeaderTimeoutIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let started = this.activity.started.load(Ordering::SeqCst);
        if this.clock.as_ref().is_some_and(|(_, at)| *at != started) {
            this.clock = None; // the head it timed reached the service
        }
        let filled = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let idle = this.activity.in_progress.load(Ordering::SeqCst) == 0;
                if this.clock.is_none() && idle && buf.filled().len() > filled {
                    let deadline = Box::pin(tokio::time::sleep(this.timeout));
                    this.clock = Some((deadline, started));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let expired =
                    this.clock.as_mut().is_some_and(|(deadline, _)| deadline.as_mut().poll(cx).is_ready());
                if !expired {
                    return Poll::Pending;
                }
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head did not arrive within header_read_timeout_secs",
                )))
            }
            failed => failed,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HeaderTimeoutIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
