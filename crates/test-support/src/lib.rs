//! What the tests of both proxies — `waybill serve` (crates/cli/tests) and the Worker
//! (crates/edge/tests) — share, written once: the small loopback upstreams ([`upstream`]), the
//! policy checks both shells must pass ([`policy`]), a registry client that pushes and pulls
//! through a proxy's routes ([`registry_client`]) and the scenarios run against the harness's real
//! registries ([`scenarios`]), and the helpers beneath them. Each crate's `tests/support` holds
//! what only its own suites need (the `waybill serve` child, the Worker's address).
//!
//! Dev-only: a dev-dependency of those two crates, never published.

pub mod policy;
pub mod registry_client;
pub mod scenarios;
pub mod upstream;

use std::time::Duration;

/// How long a test waits for a condition (server ready, a log line) before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// The loopback guard's marker, in the log of `waybill serve` (crates/cli/src/serve/guard.rs) and
/// of the Worker (crates/edge/src/guard.rs).
pub const ALARM: &str = "LOOPBACK GUARD ALARM";

/// A client that does what a browser's fetch would not do for us: no redirects, no proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap()
}

/// The `{"errors":[{"code","message"}]}` body of a refusal: (code, message).
pub fn error_of(body: &str) -> (String, String) {
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not a JSON error body ({e}): {body}"));
    let e = &v["errors"][0];
    (e["code"].as_str().unwrap_or_default().to_owned(), e["message"].as_str().unwrap_or_default().to_owned())
}

/// `sha256:<hex>` of `data`, computed with sha2 directly (not with Waybill's digest module).
pub fn digest(data: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(data);
    format!("sha256:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A name unique to this process and call, for repositories in shared registries.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// An environment variable set by the harness (`eval "$(scripts/registry env)"`, `eval "$(scripts/pulp env)"`).
pub fn harness_env(name: &str, script: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the server with `scripts/{script} up` and run `eval \"$(scripts/{script} env)\"` first")
    })
}

/// `host:port` of an `http://host:port` URL.
pub fn authority(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    format!("{}:{}", u.host_str().unwrap(), u.port_or_known_default().unwrap())
}

/// `len` bytes from `seed` (xorshift): incompressible, different for each seed, the same every
/// run — blobs and hostile archives without a random-number crate.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}
