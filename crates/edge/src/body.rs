//! Request bodies on their way upstream: streamed, never buffered, under the per-request cap.
//!
//! A body with a `Content-Length` within the cap is handed to the upstream fetch as the very
//! `ReadableStream` the runtime gave us: its bytes never enter wasm, and HTTP framing already
//! bounds it by the declared length. A body without one (chunked) is counted as it passes through
//! wasm and fails the upload once it goes past the cap. Cloudflare itself refuses request bodies
//! over 100 MB on the Free and Pro plans (200 MB Business, 500 MB Enterprise) before the Worker
//! runs, so the app uploads blobs in chunks well below that (8 MiB by default).

use std::cell::Cell;
use std::rc::Rc;

use futures_util::StreamExt;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use waybill_core::proxy::BodyPlan;
use worker::web_sys::ReadableStream;
use worker::{ByteStream, Request};

/// A body for the upstream request.
pub enum UpBody {
    /// No body.
    None,
    /// Bytes built by the Worker itself (the inspect API's requests).
    Bytes(Vec<u8>),
    /// The client's body, passed through as a stream.
    Stream(ReadableStream),
    /// The client's body, counted against the cap on the way; `exceeded` is set when it went over.
    Capped {
        /// The counting stream.
        stream: ReadableStream,
        /// Set once the cap was passed (the stream then fails).
        exceeded: Rc<Cell<bool>>,
    },
}

impl UpBody {
    /// The client's body, as the core's plan says: none, as it comes, or counted up to the cap.
    pub fn from_request(request: &Request, plan: BodyPlan) -> UpBody {
        let Some(stream) = request.inner().body() else { return UpBody::None };
        match plan {
            BodyPlan::None => UpBody::None,
            BodyPlan::Declared => UpBody::Stream(stream),
            BodyPlan::Counted { limit } => capped(stream, limit),
        }
    }

    /// The value for `RequestInit.body`, and the flag that says the cap was passed (if counted).
    pub fn into_js(self) -> (Option<JsValue>, Option<Rc<Cell<bool>>>) {
        match self {
            UpBody::None => (None, None),
            UpBody::Bytes(bytes) => (Some(Uint8Array::from(bytes.as_slice()).into()), None),
            UpBody::Stream(stream) => (Some(stream.into()), None),
            UpBody::Capped { stream, exceeded } => (Some(stream.into()), Some(exceeded)),
        }
    }
}

/// Wraps `stream` in one that fails after `limit` bytes.
fn capped(stream: ReadableStream, limit: u64) -> UpBody {
    let exceeded = Rc::new(Cell::new(false));
    let flag = exceeded.clone();
    let mut seen = 0u64;
    let counted = ByteStream::from(stream).map(move |chunk| {
        let chunk = chunk.map_err(|e| JsValue::from_str(&e.to_string()))?;
        seen += chunk.len() as u64;
        if seen > limit {
            flag.set(true);
            return Err(JsValue::from_str("the request body is larger than the proxy's limit"));
        }
        Ok(JsValue::from(Uint8Array::from(chunk.as_slice())))
    });
    let stream: ReadableStream =
        wasm_streams::ReadableStream::from_stream(counted).into_raw().unchecked_into();
    UpBody::Capped { stream, exceeded }
}
