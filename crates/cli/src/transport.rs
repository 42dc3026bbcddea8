//! The native [`Transport`]: reqwest over rustls with the system's root certificates.
//!
//! Redirects are never followed here (the core follows them, dropping credentials when one
//! leaves the registry). Plain HTTP is refused except to loopback hosts and to hosts the user
//! named with `--plain-http`, so a typo cannot send credentials in the clear.

use std::error::Error as _;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use waybill_core::transport::ChunkBytes;
use waybill_core::transport::{
    Body, Method, Request, Response, ResponseBody, Transport, TransportError, TransportErrorKind,
};

/// Upload data natively: reference-counted bytes, so resending a chunk after a failure and
/// cutting it at the registry's `Range` never copy it.
#[derive(Clone, Debug)]
pub struct Chunk(pub Bytes);

/// Chunk buffers that chunks gave back once sent (and dropped from the resend window), to be
/// filled again. A fresh 8 MiB buffer for every chunk let glibc's per-thread arenas keep the freed
/// ones, so a sync of several tags at once outgrew its memory bound (docs/benchmarks.md). The
/// list never holds more buffers than were in use at once, and at most [`RECYCLED_KEPT`].
static RECYCLED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// Buffers kept for reuse, at most.
const RECYCLED_KEPT: usize = 12;

/// The smallest buffer worth keeping: upload chunks are MiBs; small bodies are not kept.
const RECYCLED_MIN: usize = 1024 * 1024;

/// A chunk's buffer, given back to [`RECYCLED`] when the last view of the chunk is dropped.
struct Recycled(Vec<u8>);

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        let mut buffer = std::mem::take(&mut self.0);
        buffer.clear();
        if buffer.capacity() >= RECYCLED_MIN
            && let Ok(mut kept) = RECYCLED.lock()
            && kept.len() < RECYCLED_KEPT
        {
            kept.push(buffer);
        }
    }
}

impl ChunkBytes for Chunk {
    fn from_vec(bytes: Vec<u8>) -> Chunk {
        Chunk(Bytes::from_owner(Recycled(bytes)))
    }

    fn buffer(capacity: usize) -> Vec<u8> {
        let reused = RECYCLED.lock().ok().and_then(|mut kept| {
            let fits = kept.iter().position(|b| b.capacity() >= capacity)?;
            Some(kept.swap_remove(fits))
        });
        reused.unwrap_or_else(|| Vec::with_capacity(capacity))
    }

    fn tail(&self, start: usize) -> Chunk {
        Chunk(self.0.slice(start.min(self.0.len())..))
    }
}

/// A cheap-to-clone handle on one connection pool.
#[derive(Clone, Debug)]
pub struct NativeTransport {
    client: reqwest::Client,
    plain_http: Arc<Vec<String>>,
    timeout: Duration,
}

/// The longest wait for a connection, whatever `--timeout` says: a registry that cannot be
/// reached in 30 s is not coming.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl NativeTransport {
    /// A transport allowing plain HTTP to loopback and to the listed `host` or `host:port`s, that
    /// gives up on a connection silent for `timeout` (waiting for an answer or within a body),
    /// and trusts `roots` besides the system's certificate authorities.
    pub fn new(
        plain_http: Vec<String>,
        timeout: Duration,
        roots: Vec<reqwest::Certificate>,
    ) -> Result<NativeTransport, String> {
        let builder =
            roots.into_iter().fold(reqwest::Client::builder(), |b, root| b.add_root_certificate(root));
        let client = builder
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .read_timeout(timeout)
            .user_agent(concat!("waybill/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", describe(&e)))?;
        Ok(NativeTransport { client, plain_http: Arc::new(plain_http), timeout })
    }

    /// Whether plain HTTP may be used for `url`.
    pub fn plain_http_allowed(&self, url: &reqwest::Url) -> bool {
        plain_http_allowed(url, &self.plain_http)
    }
}

/// The certificates of a PEM file (`--ca-file`): an internal CA to trust besides the system's.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("--ca-file {}: {}", path.display(), describe(&e)))?;
    if roots.is_empty() {
        return Err(format!(
            "--ca-file {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
            path.display()
        ));
    }
    Ok(roots)
}

/// Whether plain HTTP may go to `url`'s host: loopback always, others only when listed (by
/// `host` or `host:port`).
pub fn plain_http_allowed(url: &reqwest::Url, listed: &[String]) -> bool {
    let Some(host) = url.host_str() else { return false };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || bare.eq_ignore_ascii_case("localhost")
        || bare.to_ascii_lowercase().ends_with(".localhost");
    if loopback {
        return true;
    }
    let with_port = url.port().map(|p| format!("{host}:{p}"));
    listed.iter().any(|l| {
        l.eq_ignore_ascii_case(host) || with_port.as_deref().is_some_and(|hp| l.eq_ignore_ascii_case(hp))
    })
}

/// The scheme to reach `host[:port]` with: http for loopback and `--plain-http` hosts.
pub fn scheme_for(host: &str, listed: &[String]) -> &'static str {
    match reqwest::Url::parse(&format!("http://{host}/")) {
        Ok(url) if plain_http_allowed(&url, listed) => "http",
        _ => "https",
    }
}

/// A response body read chunk by chunk.
#[derive(Debug)]
pub struct NativeBody {
    response: reqwest::Response,
    timeout: Duration,
}

impl ResponseBody for NativeBody {
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        match self.response.chunk().await {
            Ok(chunk) => Ok(chunk.map(|b| b.to_vec())),
            Err(e) => Err(transport_error(&e, self.timeout)),
        }
    }
}

impl Transport for NativeTransport {
    type Chunk = Chunk;
    type Body = NativeBody;

    async fn send(&self, request: Request<Chunk>) -> Result<Response<NativeBody>, TransportError> {
        let url = reqwest::Url::parse(&request.url).map_err(|e| {
            TransportError::new(TransportErrorKind::Other, format!("bad URL {}: {e}", request.url))
        })?;
        if url.scheme() == "http" && !self.plain_http_allowed(&url) {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                format!(
                    "refusing plain HTTP to {}: use https, or pass --plain-http {} if this registry has no TLS",
                    url.host_str().unwrap_or_default(),
                    url.host_str().unwrap_or_default()
                ),
            ));
        }
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Bytes(bytes) => builder.body(bytes),
            Body::Chunk(Chunk(bytes)) => builder.body(bytes),
        };
        let response = builder.send().await.map_err(|e| transport_error(&e, self.timeout))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        Ok(Response { status, headers, body: NativeBody { response, timeout: self.timeout } })
    }
}

/// A failure below HTTP; a timeout says how long was waited, and how to wait longer.
fn transport_error(e: &reqwest::Error, timeout: Duration) -> TransportError {
    let kind = kind_of(e);
    let message = if kind == TransportErrorKind::Timeout {
        format!("no answer within {} s (--timeout): {}", timeout.as_secs(), describe(e))
    } else {
        describe(e)
    };
    TransportError::new(kind, message)
}

fn kind_of(e: &reqwest::Error) -> TransportErrorKind {
    if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_request() || e.is_body() || e.is_decode() {
        TransportErrorKind::Interrupted
    } else {
        TransportErrorKind::Other
    }
}

/// reqwest's own message plus its causes ("error sending request" alone says little).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn a_sent_chunks_buffer_is_filled_again_once_no_view_of_it_is_left() {
        // An odd size no other test asks for, so the buffer found is this one.
        let size = (3 << 20) + 17;
        let mut buffer = Chunk::buffer(size);
        buffer.resize(size, 7);
        let at = buffer.as_ptr();
        let chunk = Chunk::from_vec(buffer);
        let tail = chunk.tail(10);
        drop(chunk);
        let other = Chunk::buffer(size);
        assert_ne!(other.as_ptr(), at, "a resume's view of the chunk still holds it");
        drop(tail);
        let again = Chunk::buffer(size);
        assert_eq!(again.as_ptr(), at, "the chunk's buffer is handed out again");
        assert!(again.is_empty() && again.capacity() >= size);
        let small = Chunk::from_vec(vec![1; 100]);
        drop(small);
        assert!(
            RECYCLED.lock().unwrap().iter().all(|b| b.capacity() >= RECYCLED_MIN),
            "small bodies are not kept"
        );
    }

    #[test]
    fn plain_http_only_to_loopback_or_listed_hosts() {
        let none: Vec<String> = Vec::new();
        for ok in [
            "http://127.0.0.1:5000/v2/",
            "http://localhost:8080/",
            "http://[::1]:5000/",
            "http://pulp.localhost/",
        ] {
            assert!(plain_http_allowed(&url(ok), &none), "{ok}");
        }
        assert!(!plain_http_allowed(&url("http://registry.example:5000/v2/"), &none));
        assert!(!plain_http_allowed(&url("http://10.0.0.5/v2/"), &none));
        let listed = vec!["registry.example:5000".to_owned(), "lab.internal".to_owned()];
        assert!(plain_http_allowed(&url("http://registry.example:5000/v2/"), &listed));
        assert!(!plain_http_allowed(&url("http://registry.example:5001/v2/"), &listed));
        assert!(plain_http_allowed(&url("http://lab.internal:1234/v2/"), &listed));
        assert_eq!(scheme_for("127.0.0.1:24817", &none), "http");
        assert_eq!(scheme_for("ghcr.io", &none), "https");
        assert_eq!(scheme_for("lab.internal", &listed), "http");
    }

    #[test]
    fn chunks_are_cut_without_copying() {
        let chunk = Chunk::from_vec(b"0123456789".to_vec());
        let tail = chunk.tail(4);
        assert_eq!(&tail.0[..], b"456789");
        assert_eq!(tail.0.as_ptr(), chunk.0[4..].as_ptr());
        assert!(chunk.tail(20).0.is_empty());
    }
}
