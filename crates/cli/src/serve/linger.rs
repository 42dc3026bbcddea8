//! Lingering reads: a request body the server stops reading (a refusal, the size cap, an
//! upstream that failed mid-upload) is read to its end in the background, within a budget,
//! before the connection closes.
//!
//! Why: hyper closes the connection after answering when the request body was left unread, and
//! a socket closed with unread bytes in it makes the kernel send a reset. The client is then
//! still writing its upload, gets "broken pipe" or "connection reset", and never reads the
//! 413 or 403 that says what was wrong. Reading the rest lets the client finish sending and
//! read the answer, as nginx's `lingering_close` does.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// At most this much of an unread body is read and thrown away; a larger upload is cut off as
/// before. Enough for any refused manifest and for a chunk the browser already has in flight.
const BUDGET: u64 = 16 * 1024 * 1024;
/// A client that stops sending is not waited for longer than this.
const IDLE: Duration = Duration::from_secs(5);

/// Middleware: gives every request that has a body the lingering read.
pub async fn linger(request: Request, next: Next) -> Response {
    let request = request.map(|body| {
        if body.is_end_stream() { body } else { Body::new(Lingering { inner: Some(body), ended: false }) }
    });
    next.run(request).await
}

/// The request body, passed through unchanged; when dropped before its end, the rest is read
/// and discarded by a background task.
struct Lingering {
    inner: Option<Body>,
    ended: bool,
}

impl HttpBody for Lingering {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            this.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        if self.ended || inner.is_end_stream() {
            return;
        }
        // No runtime means the server is shutting down: nothing is left to answer.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(discard(inner));
        }
    }
}

/// Reads `body` to its end, or until the budget is spent or the client goes quiet.
async fn discard(mut body: Body) {
    let mut read = 0u64;
    while read <= BUDGET {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        match tokio::time::timeout(IDLE, frame).await {
            Ok(Some(Ok(frame))) => read += frame.data_ref().map_or(0, |data| data.len() as u64),
            _ => return,
        }
    }
}
