//! The one seam between the protocol code and the network.
//!
//! Three shells implement [`Transport`]: the browser (fetch, through Waybill's proxy), the
//! Cloudflare Worker (`worker::Fetch`) and the native CLI (reqwest). The futures are not `Send`
//! on purpose: browser and Worker futures never are, and the protocol code is written once.
//!
//! Transports must not follow redirects: the protocol code follows them itself so that it can
//! drop the `Authorization` header when a redirect leaves the registry host (invariant 4).

use std::fmt;

/// The HTTP methods the distribution protocol uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request body. `Chunk` is the transport's own handle for upload data — a `Blob` slice in
/// the browser (handed to fetch without copying it into wasm memory), bytes natively.
#[derive(Debug)]
pub enum Body<C> {
    /// No body.
    Empty,
    /// Small bodies the protocol code builds itself (manifests, token forms).
    Bytes(Vec<u8>),
    /// Blob data, produced by the shell that holds it.
    Chunk(C),
}

/// A request: absolute URL, headers in order, body.
#[derive(Debug)]
pub struct Request<C> {
    /// The method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Header names and values, sent as given.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body<C>,
}

impl<C> Request<C> {
    /// A request without headers or body.
    pub fn new(method: Method, url: impl Into<String>) -> Request<C> {
        Request { method, url: url.into(), headers: Vec::new(), body: Body::Empty }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request<C> {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: Body<C>) -> Request<C> {
        self.body = body;
        self
    }

    /// A header's value by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response whose body has not been read yet.
#[derive(Debug)]
pub struct Response<B> {
    /// Status code.
    pub status: u16,
    /// Header names and values as received.
    pub headers: Vec<(String, String)>,
    /// The body, read chunk by chunk.
    pub body: B,
}

impl<B> Response<B> {
    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// A streaming response body.
#[allow(async_fn_in_trait)] // deliberately not Send: browser and Worker futures never are
pub trait ResponseBody {
    /// The next chunk, or `None` at the end.
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError>;
}

/// A transport's handle for upload data (natively `bytes::Bytes`, in the browser a `Blob`): the
/// core builds one from bytes it holds and cuts it again on a resume.
pub trait ChunkBytes: Clone {
    /// Wraps bytes (natively without copying them).
    fn from_vec(bytes: Vec<u8>) -> Self;
    /// An empty buffer for at least `capacity` bytes, to be filled and handed to
    /// [`ChunkBytes::from_vec`]: a shell may give out one that a chunk already sent gave back.
    fn buffer(capacity: usize) -> Vec<u8> {
        Vec::with_capacity(capacity)
    }
    /// The part from `start` to the end (cheap: a view, not a copy, where the type allows).
    fn tail(&self, start: usize) -> Self;
}

/// Plain bytes: the chunk of a transport that never uploads (the Worker's), and of tests.
impl ChunkBytes for Vec<u8> {
    fn from_vec(bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }

    fn tail(&self, start: usize) -> Vec<u8> {
        self[start..].to_vec()
    }
}

/// Sends requests. Implementations must not follow redirects.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// The shell's handle for upload data (see [`Body::Chunk`]).
    type Chunk: ChunkBytes;
    /// The response body type.
    type Body: ResponseBody;

    /// Sends one request and returns once the status and headers have arrived.
    async fn send(&self, request: Request<Self::Chunk>) -> Result<Response<Self::Body>, TransportError>;
}

/// What went wrong below HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// Could not connect (refused, DNS failure, network down).
    Connect,
    /// No answer in time.
    Timeout,
    /// The connection broke while a body was moving.
    Interrupted,
    /// The user or the program cancelled.
    Cancelled,
    /// Anything else the shell reports.
    Other,
}

/// A failure below HTTP, with the shell's own description.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// The category, for retry decisions.
    pub kind: TransportErrorKind,
    /// What the shell said.
    pub message: String,
}

impl TransportError {
    /// An error of a kind with a message.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
        TransportError { kind, message: message.into() }
    }
}
