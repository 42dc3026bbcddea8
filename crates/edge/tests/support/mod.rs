//! What only the Worker's suites need. The Worker under test: `scripts/edge up` runs it in local
//! workerd (`wrangler dev --local`) with the loopback-only allowlist and guard; `eval "$(scripts/edge
//! env)"` tells the tests where. And the `waybill` CLI its answers are compared with. What the
//! suites share with those of `waybill serve` is in waybill-test-support (crates/test-support).
#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};

use url::Url;
use waybill_test_support::{ALARM, harness_env};

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

/// The `waybill` CLI: $WAYBILL_BIN, else cargo's debug build (in CARGO_TARGET_DIR if set), as the
/// e2e suites find it. It is another package's binary, which cargo does not build for these tests:
/// `scripts/test` builds it (`cargo build -p waybill`) before the `edge` stage runs them.
pub fn waybill_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("WAYBILL_BIN") {
        return bin.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |t| root.join(t));
    let bin = target.join("debug/waybill");
    assert!(
        bin.is_file(),
        "no {}: build the CLI first (`cargo build -p waybill`) or set WAYBILL_BIN",
        bin.display()
    );
    bin
}
