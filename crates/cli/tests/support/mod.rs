//! Shared plumbing for the integration tests: where the real servers are, how to run the built
//! `waybill`, and independent clients (curl, skopeo) to check what it did.
//!
//! The servers are the project's harness: `scripts/pulp up`, `scripts/registry up` and
//! `scripts/registry seed`, with their `env` output exported. A test whose server is missing
//! fails, saying how to start it; nothing is skipped.

#![allow(dead_code)] // each test binary uses a different part of this module

pub mod archives;
pub mod explorer;
pub mod generator;
pub mod hostile;
pub mod mirror;
pub mod relay;
mod rss;
pub mod serve;
pub mod tar;

pub use rss::waybill_peak_rss;
#[allow(unused_imports)] // each test binary uses a different part of this module
pub use waybill_test_support::{digest as sha256, noise};

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

fn env(name: &str, script: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the servers and export their addresses first, e.g.\n  \
             scripts/{script} up && eval \"$(scripts/{script} env)\"{}",
            if script == "registry" { " && scripts/registry seed" } else { "" }
        )
    })
}

/// The real Pulp of `scripts/pulp`.
pub struct Pulp {
    /// Registry API and REST API, Basic auth (e.g. http://127.0.0.1:24817).
    pub url: String,
    /// The same Pulp with token auth (Bearer from /token/).
    pub token_url: String,
    /// The admin user.
    pub user: String,
    /// Its password.
    pub password: String,
}

/// The two distribution registries of `scripts/registry` and the fixtures seeded into them.
pub struct Registries {
    /// Default configuration: refuses manifests with foreign urls.
    pub strict_url: String,
    /// `validation.manifests.urls.allow` for the fixtures' urls; holds the fixture images.
    pub foreign_url: String,
    /// make_images.py's summary: `images` → repo:tag → manifest, config, layers.
    pub fixtures: Value,
}

impl Pulp {
    /// Reads the environment that `scripts/pulp env` prints, and checks Pulp answers.
    pub fn from_env() -> Pulp {
        let pulp = Pulp {
            url: env("PULP_URL", "pulp"),
            token_url: env("PULP_TOKEN_URL", "pulp"),
            user: env("PULP_USER", "pulp"),
            password: env("PULP_PASSWORD", "pulp"),
        };
        let status = curl_status(&[&format!("{}/pulp/api/v3/status/", pulp.url)]);
        assert_eq!(status, "200", "Pulp at {} is not answering: run scripts/pulp up", pulp.url);
        pulp
    }

    /// `host:port` of the Basic-auth API.
    pub fn host(&self) -> String {
        host_of(&self.url)
    }

    /// `host:port` of the token-auth API.
    pub fn token_host(&self) -> String {
        host_of(&self.token_url)
    }

    /// `user:password` for curl and skopeo.
    pub fn creds(&self) -> String {
        format!("{}:{}", self.user, self.password)
    }

    /// A REST API listing's `count`.
    pub fn count(&self, path: &str) -> u64 {
        let body = curl(&["-sf", "-u", &self.creds(), &format!("{}/pulp/api/v3/{path}", self.url)]);
        let json: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        json["count"].as_u64().unwrap_or_else(|| panic!("{path}: no count in {body}"))
    }
}

impl Registries {
    /// Reads the environment that `scripts/registry env` prints, and the seeded fixtures.
    pub fn from_env() -> Registries {
        let fixtures_path = env("REGISTRY_FIXTURES", "registry");
        let text = std::fs::read_to_string(&fixtures_path)
            .unwrap_or_else(|e| panic!("{fixtures_path}: {e}: run scripts/registry seed"));
        let registries = Registries {
            strict_url: env("REGISTRY_STRICT_URL", "registry"),
            foreign_url: env("REGISTRY_FOREIGN_URL", "registry"),
            fixtures: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{fixtures_path}: {e}")),
        };
        for url in [&registries.strict_url, &registries.foreign_url] {
            let status = curl_status(&[&format!("{url}/v2/")]);
            assert_eq!(status, "200", "distribution at {url} is not answering: run scripts/registry up");
        }
        registries
    }

    /// `host:port` of the strict registry.
    pub fn strict(&self) -> String {
        host_of(&self.strict_url)
    }

    /// `host:port` of the urls-allow registry.
    pub fn foreign(&self) -> String {
        host_of(&self.foreign_url)
    }

    /// A fixture's summary entry, e.g. `fixtures/origin-story:windows-amd64-1.13.0`.
    pub fn fixture(&self, name: &str) -> &Value {
        let entry = &self.fixtures["images"][name];
        assert!(entry.is_object(), "fixture {name} missing from the seed summary: run scripts/registry seed");
        entry
    }

    /// A fixture's reference on the urls-allow registry.
    pub fn source(&self, name: &str) -> String {
        format!("{}/{name}", self.foreign())
    }
}

/// `http://127.0.0.1:5000` → `127.0.0.1:5000`.
pub fn host_of(url: &str) -> String {
    url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/').to_owned()
}

/// A repository name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!(
        "waybill-tests/{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// The built `waybill` binary.
pub fn waybill_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_waybill"))
}

/// What a `waybill` run produced.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with the output unless the exit code is `code`.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "waybill exited {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// `waybill` with `args`, the credentials in `credentials` (as WAYBILL_* variables) and nothing
/// else from the caller's WAYBILL_* environment.
fn waybill_command(args: &[&str], credentials: &[(&str, &str)]) -> Command {
    let mut command = Command::new(waybill_bin());
    command.args(args).stdin(Stdio::null());
    for name in ["WAYBILL_USERNAME", "WAYBILL_PASSWORD", "WAYBILL_SRC_USERNAME", "WAYBILL_SRC_PASSWORD"] {
        command.env_remove(name);
    }
    for (name, value) in credentials {
        command.env(name, value);
    }
    command
}

/// Runs `waybill` with `args` and `credentials` (see [`waybill_command`]).
pub fn waybill(args: &[&str], credentials: &[(&str, &str)]) -> Run {
    Run::from(waybill_command(args, credentials).output().expect("run waybill"))
}

/// Runs curl and returns its stdout (it must exit 0 unless `-f` is absent from `args`).
pub fn curl(args: &[&str]) -> String {
    let output = Command::new("curl").args(args).output().expect("run curl");
    assert!(
        output.status.success() || !args.contains(&"-sf"),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The HTTP status curl got for `args` (the body thrown away).
pub fn curl_status(args: &[&str]) -> String {
    let mut all = vec!["-s", "-o", "/dev/null", "-w", "%{http_code}"];
    all.extend_from_slice(args);
    curl(&all)
}

/// HTTP status of a HEAD request (with `-u creds` when given).
pub fn head_status(url: &str, creds: Option<&str>) -> String {
    let mut args = vec!["-I"];
    if let Some(creds) = creds {
        args.extend(["-u", creds]);
    }
    args.push(url);
    curl_status(&args)
}

/// `skopeo inspect --raw` of an image: the manifest bytes as the registry serves them.
pub fn skopeo_raw(reference: &str, creds: Option<&str>) -> Vec<u8> {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some(creds) = creds {
        command.args(["--creds", creds]);
    }
    command.arg(format!("docker://{reference}"));
    let output = command.output().expect("run skopeo");
    assert!(
        output.status.success(),
        "skopeo inspect {reference}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Every blob digest a fixture lists (config and layers), as strings.
pub fn fixture_blobs(fixture: &Value) -> Vec<String> {
    let mut out = vec![fixture["config"]["digest"].as_str().expect("config digest").to_owned()];
    for layer in fixture["layers"].as_array().expect("layers") {
        out.push(layer["digest"].as_str().expect("layer digest").to_owned());
    }
    out
}

/// The digests of a fixture's foreign layers.
pub fn foreign_layers(fixture: &Value) -> Vec<String> {
    fixture["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter(|l| l["foreign"].as_bool() == Some(true))
        .map(|l| l["digest"].as_str().expect("digest").to_owned())
        .collect()
}
