//! The browser's [`Transport`]: `fetch()`, in a window or in a worker.
//!
//! * `redirect: "manual"`: the core follows redirects itself so that it can drop credentials
//!   when a redirect leaves the registry. Through Waybill's proxy a browser never sees one (the
//!   proxy follows blob redirects server-side and rewrites `Location`s into its own routes); if
//!   one slips through, fetch hides its target (an "opaque redirect") and this transport says so
//!   instead of returning status 0.
//! * `cache: "no-store"`: a registry's answer must be the registry's, never the HTTP cache's — a
//!   tag moves, a blob file can be replaced, and verification must see what the registry serves.
//! * Response bodies are read from the `ReadableStream` one chunk at a time (never buffered
//!   whole); dropping a body cancels the stream, so an abandoned download stops.
//! * Upload bodies ([`Body::Chunk`]) are `Blob`s handed straight to fetch, so the bytes of a
//!   dropped file are never copied into wasm memory.
//! * URLs that are not on the proxy's origin (a foreign layer's `urls`) are rewritten into the
//!   proxy's route form, `/r/<host[:port]>/<path>`: the page can reach nothing else, and the
//!   proxy decides whether that host is allowed.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use waybill_core::transport::{
    Body, Request, Response, ResponseBody, Transport, TransportError, TransportErrorKind,
};
use web_sys::{
    AbortSignal, Blob, Headers, ReadableStreamDefaultReader, RequestCache, RequestInit, RequestRedirect,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`: `window.fetch` on a page, `self.fetch` in a worker.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> js_sys::Promise;
}

/// Where the proxy routes registries: `<origin>/r/<host[:port]>/…`.
pub const ROUTE_PREFIX: &str = "/r/";

/// fetch as a core transport.
#[derive(Clone, Debug)]
pub struct FetchTransport {
    /// The proxy's origin (`http://127.0.0.1:8080`), without a trailing slash.
    proxy_origin: String,
    /// Aborts every request and body read of this transport when triggered.
    signal: Option<AbortSignal>,
}

impl FetchTransport {
    /// A transport whose requests go to (or are rewritten into routes of) the proxy at
    /// `proxy_origin`, normally the page's own origin.
    pub fn new(proxy_origin: &str) -> FetchTransport {
        FetchTransport { proxy_origin: proxy_origin.trim_end_matches('/').to_owned(), signal: None }
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

    fn build(&self, request: Request<Blob>) -> Result<web_sys::Request, TransportError> {
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
        if let Some(signal) = &self.signal {
            init.set_signal(Some(signal));
        }
        match request.body {
            Body::Empty => {}
            Body::Bytes(bytes) => init.set_body(&Uint8Array::from(bytes.as_slice())),
            Body::Chunk(blob) => init.set_body(&blob),
        }
        web_sys::Request::new_with_str_and_init(&url, &init)
            .map_err(|e| other(&format!("the browser refused the request to {url}"), &e))
    }
}

impl Transport for FetchTransport {
    type Chunk = Blob;
    type Body = FetchBody;

    async fn send(&self, request: Request<Blob>) -> Result<Response<FetchBody>, TransportError> {
        let method = request.method;
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
        let reader =
            response.body().map(|stream| stream.get_reader().unchecked_into::<ReadableStreamDefaultReader>());
        Ok(Response { status: response.status(), headers, body: FetchBody { reader } })
    }
}

/// A response body being read from its `ReadableStream`.
pub struct FetchBody {
    /// `None` once the stream ended (or when there was no body, as for HEAD).
    reader: Option<ReadableStreamDefaultReader>,
}

impl std::fmt::Debug for FetchBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchBody").field("open", &self.reader.is_some()).finish()
    }
}

impl ResponseBody for FetchBody {
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        loop {
            let Some(reader) = &self.reader else { return Ok(None) };
            let result = match JsFuture::from(reader.read()).await {
                Ok(result) => result,
                Err(e) => {
                    self.reader = None;
                    return Err(failed(&e, "response body"));
                }
            };
            let done =
                Reflect::get(&result, &JsValue::from_str("done")).map(|d| d.is_truthy()).unwrap_or(true);
            if done {
                self.reader = None;
                return Ok(None);
            }
            let value = Reflect::get(&result, &JsValue::from_str("value"))
                .map_err(|e| other("a body chunk without a value", &e))?;
            let bytes: Uint8Array =
                value.dyn_into().map_err(|e| other("a body chunk that is not a Uint8Array", &e))?;
            // Streams may deliver empty chunks; they are not the end.
            if bytes.length() > 0 {
                return Ok(Some(bytes.to_vec()));
            }
        }
    }
}

impl Drop for FetchBody {
    /// An abandoned body (a failed verification, a cancelled job) stops downloading.
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            wasm_bindgen_futures::spawn_local(async move {
                // The stream may already have errored; either way it is released.
                let _ = JsFuture::from(reader.cancel()).await;
            });
        }
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
