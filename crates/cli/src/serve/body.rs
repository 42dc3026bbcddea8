//! Bodies streamed through the proxy, never buffered: a byte cap and an idle timeout on the way
//! up, an idle timeout on the way down.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

/// Why a streamed body stopped early. Found again in the upstream client's error chain.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The request body went over the cap.
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// No data for the idle timeout.
    #[error("no data for {seconds} s")]
    Idle {
        /// The timeout.
        seconds: u64,
    },
    /// The client's connection failed while sending.
    #[error("the client's request body broke off: {0}")]
    Client(axum::Error),
}

/// Restarts an idle timer after each piece of data.
struct IdleTimer {
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl IdleTimer {
    fn new(timeout: Duration) -> IdleTimer {
        IdleTimer { timeout, sleep: Box::pin(tokio::time::sleep(timeout)) }
    }

    fn reset(&mut self) {
        self.sleep.as_mut().reset(Instant::now() + self.timeout);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.sleep.as_mut().poll(cx).is_ready()
    }

    fn error(&self) -> BodyError {
        BodyError::Idle { seconds: self.timeout.as_secs() }
    }
}

/// The client's request body on its way upstream: fails past `limit` bytes or after an idle
/// stall, and says when it has ended (so the response timeout starts only then).
pub struct RequestBody {
    inner: axum::body::BodyDataStream,
    seen: u64,
    limit: u64,
    idle: IdleTimer,
    finished: Option<oneshot::Sender<()>>,
}

impl RequestBody {
    /// Wraps `body`; the receiver resolves when the body has been read to its end (or dropped).
    pub fn new(body: axum::body::Body, limit: u64, idle: Duration) -> (RequestBody, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let stream = RequestBody {
            inner: body.into_data_stream(),
            seen: 0,
            limit,
            idle: IdleTimer::new(idle),
            finished: Some(tx),
        };
        (stream, rx)
    }
}

impl Stream for RequestBody {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.seen += chunk.len() as u64;
                if this.seen > this.limit {
                    return Poll::Ready(Some(Err(BodyError::TooLarge { limit: this.limit })));
                }
                this.idle.reset();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(BodyError::Client(e)))),
            Poll::Ready(None) => {
                if let Some(tx) = this.finished.take() {
                    let _ = tx.send(()); // nobody waiting is fine
                }
                Poll::Ready(None)
            }
            Poll::Pending if this.idle.expired(cx) => Poll::Ready(Some(Err(this.idle.error()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// An upstream response body on its way to the browser: fails after an idle stall, so a stuck
/// upstream cannot hold a connection open forever.
pub struct ResponseBody<S> {
    inner: Pin<Box<S>>,
    idle: IdleTimer,
}

impl<S> ResponseBody<S> {
    /// Wraps an upstream byte stream.
    pub fn new(inner: S, idle: Duration) -> ResponseBody<S> {
        ResponseBody { inner: Box::pin(inner), idle: IdleTimer::new(idle) }
    }
}

impl<S> Stream for ResponseBody<S>
where
    S: Stream<Item = Result<Bytes, reqwest::Error>>,
{
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.idle.reset();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e.without_url())))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending if this.idle.expired(cx) => Poll::Ready(Some(Err(Box::new(this.idle.error())))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn drain(mut body: RequestBody) -> Result<u64, BodyError> {
        let mut n = 0;
        while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
            n += chunk?.len() as u64;
        }
        Ok(n)
    }

    #[tokio::test]
    async fn under_and_at_the_cap_pass_and_signal_the_end() {
        let (body, done) =
            RequestBody::new(axum::body::Body::from(vec![7u8; 1000]), 1000, Duration::from_secs(5));
        assert_eq!(drain(body).await.unwrap(), 1000);
        assert!(done.await.is_ok());
    }

    #[tokio::test]
    async fn over_the_cap_fails() {
        let (body, _done) =
            RequestBody::new(axum::body::Body::from(vec![7u8; 1001]), 1000, Duration::from_secs(5));
        assert!(matches!(drain(body).await, Err(BodyError::TooLarge { limit: 1000 })));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_client_times_out() {
        let (_tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let stream =
            futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
        let (body, _done) =
            RequestBody::new(axum::body::Body::from_stream(stream), 10, Duration::from_secs(3));
        assert!(matches!(drain(body).await, Err(BodyError::Idle { seconds: 3 })));
    }
}
