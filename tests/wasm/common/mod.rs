//! What the browser suites share: the facts scripts/lib/wasm-tests.sh wrote with independent
//! tools (coreutils sha256sum, seq) before the run, read over HTTP from the test runner's own
//! server (it serves the package directory), and small helpers.
#![allow(dead_code)] // each suite uses some of them

use js_sys::Uint8Array;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Where the script leaves the fixtures, relative to the runner's origin.
pub const FIXTURES: &str = "/target/wasm-fixtures";

/// A file and what sha256sum said about it.
#[derive(Clone, Debug, Deserialize)]
pub struct FileFact {
    /// Its path on the runner's server.
    pub path: String,
    /// Its size.
    pub size: u64,
    /// `sha256:<hex>`.
    pub sha256: String,
}

/// The facts.
#[derive(Clone, Debug, Deserialize)]
pub struct Facts {
    /// A few MiB of random bytes.
    pub stream: FileFact,
    /// seq 1 10000, gzip'd (committed fixture).
    pub gzip: FileFact,
    /// The same, zstd'd.
    pub zstd: FileFact,
    /// sha256 of `seq 1 10000`: the diff ID of both.
    pub diff_id: String,
    /// The directory of the built hashing worker (dist/).
    pub worker: String,
    /// `waybill serve` in front of the seeded registry, when the script started them.
    pub serve: Option<Serve>,
}

/// The proxy and the registry behind it.
#[derive(Clone, Debug, Deserialize)]
pub struct Serve {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    /// The registry's `host:port` as the proxy routes it.
    pub registry: String,
    /// A repository and tag there.
    pub repository: String,
    /// Its tag.
    pub tag: String,
    /// Its manifest digest, from the fixture generator's summary.
    pub manifest_digest: String,
    /// Its manifest size.
    pub manifest_size: u64,
    /// One layer: digest and size.
    pub layer_digest: String,
    /// The layer's size.
    pub layer_size: u64,
    /// The layer's diff ID.
    pub layer_diff_id: String,
}

/// The page's origin (the test runner's server).
pub fn origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

/// Fetches `path` from the runner's server with plain fetch (not the transport under test).
pub async fn fetch_blob(path: &str) -> Blob {
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str(path)).await.unwrap().dyn_into().unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    JsFuture::from(response.blob().unwrap()).await.unwrap().dyn_into().unwrap()
}

/// The facts file. Fails (never skips) when the script did not write it.
pub async fn facts() -> Facts {
    let blob = fetch_blob(&format!("{FIXTURES}/facts.json")).await;
    let text = JsFuture::from(blob.text()).await.unwrap().as_string().unwrap();
    serde_json::from_str(&text).expect("facts.json as written by scripts/lib/wasm-tests.sh")
}

/// A Blob holding `bytes`.
pub fn blob_of(bytes: &[u8]) -> Blob {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// A Blob of `copies` times `part` (built from parts: the bytes are not copied `copies` times
/// into wasm memory).
pub fn repeated_blob(part: &[u8], copies: usize) -> Blob {
    let chunk = Uint8Array::from(part);
    let parts = js_sys::Array::new();
    for _ in 0..copies {
        parts.push(&chunk);
    }
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}
