//! The core's `Transport` for the Worker: every request goes through the Worker's own proxy, in
//! process.
//!
//! `/api/inspect` must not be a way around the proxy's policy, so its registry client is pointed
//! at `<worker origin>/r/<registry>` — exactly as the browser app's is — and this transport hands
//! each request to [`proxy::forward`] instead of the network: the allowlist, the address checks,
//! redirect re-checks, header filtering and token-realm rewriting all apply, and the outbound
//! fetch is the same `worker::Fetch` the proxy uses.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::StreamExt;
use waybill_core::proxy::ProxyError;
use waybill_core::transport::{
    Body, Request, Response, ResponseBody, Transport, TransportError, TransportErrorKind,
};
use worker::{ByteStream, ResponseBody as WorkerBody};

use crate::body::UpBody;
use crate::proxy::{self, Answer, Outgoing};
use crate::state::State;

/// A transport bound to the Worker's origin (the base of every URL it accepts).
#[derive(Clone)]
pub struct EdgeTransport {
    state: Rc<State>,
    origin: String,
    refusal: Rc<RefCell<Option<ProxyError>>>,
}

impl EdgeTransport {
    /// A transport for URLs under `origin` (`https://waybill.example.workers.dev`).
    pub fn new(state: Rc<State>, origin: String) -> EdgeTransport {
        EdgeTransport { state, origin, refusal: Rc::default() }
    }

    /// The last refusal of the proxy's policy, if any: the inspect API answers with it as is, so
    /// a refused registry gets the same status and code as through `/r/`.
    pub fn refusal(&self) -> Option<ProxyError> {
        self.refusal.borrow().clone()
    }
}

/// A response body: the upstream's stream, or the bytes of a refusal.
pub enum EdgeBody {
    /// Nothing (left).
    Empty,
    /// Bytes to hand out once.
    Bytes(Vec<u8>),
    /// The upstream's stream.
    Stream(ByteStream),
}

impl ResponseBody for EdgeBody {
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        match self {
            EdgeBody::Empty => Ok(None),
            EdgeBody::Bytes(bytes) => {
                let bytes = std::mem::take(bytes);
                *self = EdgeBody::Empty;
                Ok(Some(bytes))
            }
            EdgeBody::Stream(stream) => match stream.next().await {
                Some(Ok(chunk)) => Ok(Some(chunk)),
                Some(Err(e)) => Err(TransportError::new(TransportErrorKind::Interrupted, e.to_string())),
                None => Ok(None),
            },
        }
    }
}

impl Transport for EdgeTransport {
    type Chunk = Vec<u8>;
    type Body = EdgeBody;

    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<EdgeBody>, TransportError> {
        let Some(path_and_query) = request.url.strip_prefix(&self.origin).filter(|p| p.starts_with('/'))
        else {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                format!("{} is not under the Worker's origin {}", request.url, self.origin),
            ));
        };
        let body = match request.body {
            Body::Empty => UpBody::None,
            Body::Bytes(bytes) | Body::Chunk(bytes) => UpBody::Bytes(bytes),
        };
        let out = Outgoing {
            method: request.method.as_str().to_owned(),
            path_and_query: path_and_query.to_owned(),
            headers: request.headers,
            body,
        };
        let (decided, upstream) = proxy::forward(&self.state, out).await;
        if let Some(refusal) = &decided.refusal {
            *self.refusal.borrow_mut() = Some(refusal.clone());
        }
        let answer = Answer::decided(decided, upstream);
        let body = match answer.body {
            WorkerBody::Empty => EdgeBody::Empty,
            WorkerBody::Body(bytes) => EdgeBody::Bytes(bytes),
            WorkerBody::Stream(stream) => EdgeBody::Stream(ByteStream::from(stream)),
        };
        Ok(Response { status: answer.status, headers: answer.headers, body })
    }
}
