//! The browser's [`Transport`]: `fetch()`, in a window or in a worker.
//!
//! * `redirect: "manual"`: the core follows redirects itself so that it can drop credentials
//!   when a redirect leaves the registry. Through Waybill's proxy a browser never sees one (the
//!   proxy follows blob redirects server-side and rewrites `Location`s into its own routes); if
//!   one slips through, fetch hides its target (an "opaque redirect") and this transport says so
//!   instead of returning status 0.
//! * `credentials: "omit"`: the core sends the `Authorization` each request needs, and nothing
//!   else may: no cookies, no HTTP-auth cache — and no login prompt. Pulp answers 401 with
//!   `WWW-Authenticate: Basic`, on which Chromium would otherwise hold the request to ask the user
//!   (headless, forever) instead of handing the 401 to the core, which retries with the login.
//! * `cache: "no-store"`: a registry's answer must be the registry's, never the HTTP cache's — a
//!   tag moves, a blob file can be replaced, and verification must see what the registry serves.
//! * Response bodies are read from the `ReadableStream` one chunk at a time (never buffered
//!   whole), through a BYOB reader into one reused buffer ([`ByobReader`]) where the browser
//!   allows it; dropping a body cancels the stream, so an abandoned download stops.
//! * Upload bodies ([`Body::Chunk`]) are `Blob`s ([`BlobChunk`]) handed straight to fetch, so the
//!   bytes of a dropped file are never copied into wasm memory.
//! * A [`Cancel`] stops a transport's work: requests in flight are aborted and later ones refused
//!   — all but `DELETE`, so that an upload stopped half-way still cancels its session.
//! * URLs that are not on the proxy's origin (a foreign layer's `urls`) are rewritten into the
//!   proxy's route form, `/r/<host[:port]>/<path>`: the page can reach nothing else, and the
//!   proxy decides whether that host is allowed.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use waybill_core::transport::{
    Body, Method, Request, Response, ResponseBody, Transport, TransportError, TransportErrorKind,
};
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStream, ReadableStreamDefaultReader, RequestCache,
    RequestCredentials, RequestInit, RequestRedirect,
};

use super::byob::ByobReader;
use super::chunk::BlobChunk;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`: `window.fetch` on a page, `self.fetch` in a worker.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> js_sys::Promise;
}

/// Where the proxy routes registries: `<origin>/r/<host[:port]>/…`.
pub const ROUTE_PREFIX: &str = "/r/";

/// Stops the requests of the transports that share it (see [`FetchTransport::with_cancel`]).
#[derive(Clone, Debug)]
pub struct Cancel {
    cancelled: Rc<Cell<bool>>,
    abort: AbortController,
}

impl Cancel {
    /// A handle that has not been triggered.
    pub fn new() -> Result<Cancel, TransportError> {
        let abort = AbortController::new().map_err(|e| other("could not create an AbortController", &e))?;
        Ok(Cancel { cancelled: Rc::default(), abort })
    }

    /// Aborts what is in flight and refuses what comes next (but `DELETE`s).
    pub fn cancel(&self) {
        self.cancelled.set(true);
        self.abort.abort();
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// The signal aborted by [`Cancel::cancel`], for waits that should end with the work.
    pub fn signal(&self) -> AbortSignal {
        self.abort.signal()
    }
}

/// fetch as a core transport.
#[derive(Clone, Debug)]
pub struct FetchTransport {
    /// The proxy's origin (`http://127.0.0.1:8080`), without a trailing slash.
    proxy_origin: String,
    /// Aborts every request and body read of this transport when triggered.
    signal: Option<AbortSignal>,
    /// Stops every request but `DELETE`s when triggered.
    cancel: Option<Cancel>,
}

impl FetchTransport {
    /// A transport whose requests go to (or are rewritten into routes of) the proxy at
    /// `proxy_origin`, normally the page's own origin.
    pub fn new(proxy_origin: &str) -> FetchTransport {
        FetchTransport {
            proxy_origin: proxy_origin.trim_end_matches('/').to_owned(),
            signal: None,
            cancel: None,
        }
    }

    /// The same transport, stopped by `cancel` — except its `DELETE` requests, which still go
    /// out, so that an upload cancelled half-way also cancels its session on the registry.
    #[must_use]
    pub fn with_cancel(mut self, cancel: Cancel) -> FetchTransport {
        self.cancel = Some(cancel);
        self
    }

    /// The same transport, aborted when `signal` is.
    #[must_use]
    pub fn with_signal(mut self, signal: AbortSignal) -> FetchTransport {
        self.signal = Some(signal);
        self
    }

    /// The proxy base URL for a registry `host[:port]`: `<origin>/r/<host[:port]>`.
    pub fn registry_base(&self, api_host: &str) -> String {
        format!("{}{ROUTE_PREFIX}{api_host}", self.proxy_origin)
    }

    /// The URL fetch is given: `url` itself when it is on the proxy's origin, else its route
    /// through the proxy. Only https URLs may be routed (the proxy picks the scheme per host,
    /// so an http URL elsewhere would silently be upgraded or refused).
    pub fn routed(&self, url: &str) -> Result<String, TransportError> {
        if url == self.proxy_origin || url.starts_with(&format!("{}/", self.proxy_origin)) {
            return Ok(url.to_owned());
        }
        let refuse = |why: &str| {
            TransportError::new(
                TransportErrorKind::Other,
                format!("cannot fetch {url} through the proxy: {why}"),
            )
        };
        let rest = url.strip_prefix("https://").ok_or_else(|| refuse("only https URLs can be proxied"))?;
        let (authority, path) = rest.find(['/', '?', '#']).map_or((rest, "/"), |i| rest.split_at(i));
        if authority.is_empty() || authority.contains('@') {
            return Err(refuse("the URL has no host, or carries credentials"));
        }
        let path = path.split('#').next().unwrap_or_default();
        let path = if path.starts_with('?') { format!("/{path}") } else { path.to_owned() };
        Ok(format!("{}{ROUTE_PREFIX}{authority}{path}", self.proxy_origin))
    }

    fn build(&self, request: Request<BlobChunk>) -> Result<web_sys::Request, TransportError> {
        let url = self.routed(&request.url)?;
        let headers = Headers::new().map_err(|e| other("could not create request headers", &e))?;
        for (name, value) in &request.headers {
            headers
                .append(name, value)
                .map_err(|e| other(&format!("the browser refused request header {name}"), &e))?;
        }
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        init.set_headers(&headers);
        init.set_redirect(RequestRedirect::Manual);
        init.set_cache(RequestCache::NoStore);
        init.set_credentials(RequestCredentials::Omit);
        let cancel = self.cancel.as_ref().filter(|_| request.method != Method::Delete);
        if let Some(signal) = &self.signal {
            init.set_signal(Some(signal));
        } else if let Some(cancel) = cancel {
            init.set_signal(Some(&cancel.abort.signal()));
        }
        match request.body {
            Body::Empty => {}
            Body::Bytes(bytes) => init.set_body(&Uint8Array::from(bytes.as_slice())),
            Body::Chunk(chunk) => init.set_body(&chunk.0),
        }
        web_sys::Request::new_with_str_and_init(&url, &init)
            .map_err(|e| other(&format!("the browser refused the request to {url}"), &e))
    }
}

impl Transport for FetchTransport {
    type Chunk = BlobChunk;
    type Body = FetchBody;

    async fn send(&self, request: Request<BlobChunk>) -> Result<Response<FetchBody>, TransportError> {
        let method = request.method;
        if method != Method::Delete && self.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
            return Err(TransportError::new(
                TransportErrorKind::Cancelled,
                format!("{method} {} was not sent: the operation was cancelled", request.url),
            ));
        }
        let original_url = request.url.clone();
        let fetch_request = self.build(request)?;
        let answer = JsFuture::from(global_fetch(&fetch_request)).await.map_err(|e| failed(&e, "request"))?;
        let response: web_sys::Response =
            answer.dyn_into().map_err(|e| other("fetch resolved to something that is not a Response", &e))?;
        if response.type_() == web_sys::ResponseType::Opaqueredirect {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                format!(
                    "{method} {original_url} answered with a redirect the browser does not let the page \
                     follow; requests must go through Waybill's proxy, which follows redirects itself"
                ),
            ));
        }
        let headers = header_list(&response.headers())?;
        let length = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse().ok());
        let body = FetchBody::new(response.body(), body_buffer(length));
        Ok(Response { status: response.status(), headers, body })
    }
}

/// How many bytes a response body read asks for at once. Chromium answers a BYOB read with what
/// its data pipe holds, up to this; 1 MiB keeps the reads few (~1,100 per GiB) and the buffer
/// small.
pub const BODY_BUFFER: u32 = 1024 * 1024;

/// The read buffer for a body of `length` bytes, when the response says: no bigger than the
/// body. Most registry answers are empty or small (every PATCH's 202, a HEAD, a token), and a
/// 1 MiB buffer each left 65 MiB of them waiting for the collector during a 1 GiB upload.
pub fn body_buffer(length: Option<u64>) -> u32 {
    length.map_or(BODY_BUFFER, |n| n.clamp(1, u64::from(BODY_BUFFER)) as u32)
}

/// A response body being read from its `ReadableStream`.
pub struct FetchBody {
    /// `None` once the stream ended (or when there was no body, as for HEAD).
    reader: Option<BodyReader>,
}

/// A BYOB reader into one reused buffer where the browser's fetch bodies are byte streams
/// (Chromium's, Firefox's), a default reader elsewhere.
enum BodyReader {
    Byob(ByobReader),
    Default(ReadableStreamDefaultReader),
}

impl FetchBody {
    fn new(stream: Option<ReadableStream>, buffer: u32) -> FetchBody {
        let reader = stream.map(|stream| match ByobReader::new(&stream, buffer) {
            Ok(reader) => BodyReader::Byob(reader),
            Err(_) => BodyReader::Default(stream.get_reader().unchecked_into()),
        });
        FetchBody { reader }
    }
}

impl std::fmt::Debug for FetchBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchBody").field("open", &self.reader.is_some()).finish()
    }
}

impl ResponseBody for FetchBody {
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        loop {
            let read = match &mut self.reader {
                None => return Ok(None),
                Some(BodyReader::Byob(reader)) => reader.read().await,
                Some(BodyReader::Default(reader)) => read_default(reader).await,
            };
            let bytes = match read {
                Ok(Some(bytes)) => bytes,
                Ok(None) => {
                    self.reader = None;
                    return Ok(None);
                }
                Err(e) => {
                    self.reader = None;
                    return Err(failed(&e, "response body"));
                }
            };
            // Streams may deliver empty chunks; they are not the end.
            if bytes.length() > 0 {
                return Ok(Some(bytes.to_vec()));
            }
        }
    }
}

/// One read of a default reader: the chunk, or `None` at the end.
async fn read_default(reader: &ReadableStreamDefaultReader) -> Result<Option<Uint8Array>, JsValue> {
    let result = JsFuture::from(reader.read()).await?;
    if Reflect::get(&result, &JsValue::from_str("done")).map(|d| d.is_truthy()).unwrap_or(true) {
        return Ok(None);
    }
    let value = Reflect::get(&result, &JsValue::from_str("value"))?;
    value
        .dyn_into::<Uint8Array>()
        .map(Some)
        .map_err(|_| JsValue::from_str("a body chunk that is not a Uint8Array"))
}

impl Drop for FetchBody {
    /// An abandoned body (a failed verification, a cancelled job) stops downloading.
    fn drop(&mut self) {
        let cancel = match self.reader.take() {
            None => return,
            Some(BodyReader::Byob(reader)) => reader.cancel(),
            Some(BodyReader::Default(reader)) => reader.cancel(),
        };
        // The stream may already have errored; either way it is released.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(cancel).await;
        });
    }
}

/// The response's headers as (name, value) pairs.
fn header_list(headers: &Headers) -> Result<Vec<(String, String)>, TransportError> {
    let mut list = Vec::new();
    let entries = js_sys::try_iter(headers)
        .map_err(|e| other("could not iterate the response headers", &e))?
        .ok_or_else(|| TransportError::new(TransportErrorKind::Other, "response headers are not iterable"))?;
    for entry in entries {
        let entry = entry.map_err(|e| other("could not read a response header", &e))?;
        let pair: js_sys::Array = entry.unchecked_into();
        let name = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1).as_string().unwrap_or_default();
        list.push((name, value));
    }
    Ok(list)
}

/// A rejected fetch or read: aborted (cancelled), or a network failure. Browsers give no
/// detail on network failures on purpose, so the message says what usually causes one.
fn failed(error: &JsValue, what: &str) -> TransportError {
    let name = Reflect::get(error, &JsValue::from_str("name")).ok().and_then(|n| n.as_string());
    if name.as_deref() == Some("AbortError") {
        return TransportError::new(TransportErrorKind::Cancelled, format!("the {what} was cancelled"));
    }
    let kind = if what == "request" { TransportErrorKind::Connect } else { TransportErrorKind::Interrupted };
    TransportError::new(
        kind,
        format!(
            "the {what} failed in the browser ({}): the network or Waybill's proxy is unreachable, or the \
             connection broke",
            describe(error)
        ),
    )
}

fn other(what: &str, error: &JsValue) -> TransportError {
    TransportError::new(TransportErrorKind::Other, format!("{what}: {}", describe(error)))
}

/// A JS error's `message`, or its string form.
pub fn describe(error: &JsValue) -> String {
    if let Some(text) = error.as_string() {
        return text;
    }
    let message = Reflect::get(error, &JsValue::from_str("message")).ok().and_then(|m| m.as_string());
    message.unwrap_or_else(|| {
        error
            .dyn_ref::<Object>()
            .map(|o| String::from(o.to_string()))
            .unwrap_or_else(|| "unknown error".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_gets_a_buffer_no_bigger_than_itself() {
        assert_eq!(body_buffer(Some(0)), 1, "an empty 202: the smallest buffer a read can take");
        assert_eq!(body_buffer(Some(1234)), 1234);
        assert_eq!(body_buffer(Some(1 << 30)), BODY_BUFFER);
        assert_eq!(body_buffer(None), BODY_BUFFER, "length unknown (chunked)");
    }

    #[test]
    fn same_origin_urls_pass_and_others_are_routed() {
        let t = FetchTransport::new("http://127.0.0.1:8080/");
        assert_eq!(t.registry_base("ghcr.io"), "http://127.0.0.1:8080/r/ghcr.io");
        let own = "http://127.0.0.1:8080/r/127.0.0.1:5000/v2/a/blobs/sha256:ab";
        assert_eq!(t.routed(own).unwrap(), own);
        assert_eq!(
            t.routed("https://go.microsoft.com/fwlink/?linkid=837858#x").unwrap(),
            "http://127.0.0.1:8080/r/go.microsoft.com/fwlink/?linkid=837858"
        );
        assert_eq!(
            t.routed("https://example.com:8443").unwrap(),
            "http://127.0.0.1:8080/r/example.com:8443/"
        );
        assert_eq!(t.routed("https://example.com?a=b").unwrap(), "http://127.0.0.1:8080/r/example.com/?a=b");
        assert!(t.routed("http://example.com/x").is_err(), "plain http elsewhere");
        assert!(t.routed("http://127.0.0.1:80800/x").is_err(), "a longer port is another origin");
        assert!(t.routed("https://user:pw@example.com/x").is_err());
        assert!(t.routed("https:///x").is_err());
    }
}
