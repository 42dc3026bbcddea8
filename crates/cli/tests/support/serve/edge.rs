//! The Worker under test: `scripts/edge up` runs it in local workerd (`wrangler dev --local`) with
//! the loopback-only allowlist and guard; `eval "$(scripts/edge env)"` tells the tests where.

use std::path::PathBuf;

use url::Url;

use super::{ALARM, harness_env};

/// The running Worker.
pub struct Edge {
    /// `http://127.0.0.1:<port>`.
    pub base: Url,
    /// wrangler's log (the Worker's console output included).
    pub log: PathBuf,
    /// A page origin the Worker's configuration allows besides its own.
    pub other_origin: String,
    /// The Worker's per-request body cap.
    pub max_body: u64,
    /// `host:port` of the two loopback upstreams the configuration allows for these tests.
    pub upstreams: [String; 2],
}

impl Edge {
    /// The Worker described by `scripts/edge env`.
    pub fn from_env() -> Edge {
        Edge {
            base: harness_env("EDGE_URL", "edge").parse().unwrap(),
            log: harness_env("EDGE_LOG", "edge").into(),
            other_origin: harness_env("EDGE_OTHER_ORIGIN", "edge"),
            max_body: harness_env("EDGE_MAX_BODY", "edge").parse().unwrap(),
            upstreams: [harness_env("EDGE_UPSTREAM_A", "edge"), harness_env("EDGE_UPSTREAM_B", "edge")],
        }
    }

    /// The Worker's own origin, as a browser would send it in `Origin`.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    /// A URL on the Worker (`path` may carry a query).
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    /// Fails the test if the Worker's loopback guard fired: the policy let a connection through.
    pub fn assert_no_alarm(&self) {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(!log.contains(ALARM), "the Worker's loopback guard fired:\n{log}");
    }
}
