//! Shared by the `serve_*` integration tests: the real `waybill serve` binary in a child process,
//! raw requests to it, and — from waybill-test-support, which the Worker's suites use too — small
//! loopback servers that play the upstream's part where a real registry cannot (a redirect to a
//! second server that records headers, a stalled body; they are not registries), the policy checks
//! both proxies must pass and the scenarios against the real registries.
#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};

#[allow(unused_imports)] // each test file uses a different part of these
pub use waybill_test_support::{
    ALARM, PATIENCE, authority, client, error_of, harness_env, policy, scenarios, upstream,
};

/// The server's stderr, line by line, with a condition variable to wait on.
#[derive(Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    changed: Condvar,
}

/// Changes to the app folder, made once its usual files are written (links, say).
pub type PrepareDist = Box<dyn FnOnce(&Path) + Send>;

/// What [`Server::launch`] changes from [`Server::start`].
#[derive(Default)]
pub struct Launch {
    /// Runs on the app folder before the server starts.
    pub prepare_dist: Option<PrepareDist>,
    /// The server's limit on open files, to see what it does when it runs out of them.
    pub max_open_files: Option<u32>,
}

/// The test app's `index.html`: an inline loader, as Trunk writes one.
pub const APP_INDEX: &str =
    "<!doctype html><title>waybill test app</title><script type=\"module\">import('/app.js');</script>";

/// A running `waybill serve`, with the loopback guard on.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// The bound address.
    pub addr: SocketAddr,
    log: Arc<Log>,
    expect_alarm: bool,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `config` as its waybill.toml and a small dist/ folder, and returns
    /// once it says it is listening.
    pub fn start(config: &str) -> Server {
        Server::launch(config, Launch::default())
    }

    /// [`Server::start`], with the changes `launch` asks for.
    pub fn launch(config: &str, launch: Launch) -> Server {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("waybill.toml"), config).unwrap();
        let dist = dir.path().join("dist");
        std::fs::create_dir(&dist).unwrap();
        std::fs::write(dist.join("index.html"), APP_INDEX).unwrap();
        std::fs::write(dist.join("app.wasm"), b"\0asm\x01\0\0\0").unwrap();
        if let Some(prepare) = launch.prepare_dist {
            prepare(&dist);
        }
        let mut command = match launch.max_open_files {
            // prlimit (util-linux) rather than setrlimit in pre_exec: no unsafe code in the tests.
            Some(limit) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={limit}:{limit}")).arg(env!("CARGO_BIN_EXE_waybill"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_waybill")),
        };
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0", "--dist"])
            .arg(&dist)
            .arg("--config")
            .arg(dir.path().join("waybill.toml"))
            .env("WAYBILL_TEST_LOOPBACK_ONLY", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Log::default());
        let stderr = child.stderr.take().unwrap();
        let reader_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                reader_log.lines.lock().unwrap().push(line);
                reader_log.changed.notify_all();
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            addr: "0.0.0.0:0".parse().unwrap(),
            log,
            expect_alarm: false,
            _dir: dir,
        };
        let line = server.wait_for_log(|l| l.contains("listening on http://") || l.starts_with("waybill: "));
        let addr: SocketAddr = line
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the server did not start: {line}"));
        server.base = format!("http://{addr}");
        server.addr = addr;
        server
    }

    /// The URL of a path on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits for a log line matching `pred` and returns it; fails the test after [`PATIENCE`].
    pub fn wait_for_log(&self, pred: impl Fn(&str) -> bool) -> String {
        wait_in_log(&self.log, pred)
    }

    /// Everything logged so far.
    pub fn log_text(&self) -> String {
        self.log.lines.lock().unwrap().join("\n")
    }

    /// Marks this server as one whose guard is expected to fire (the guard's own test).
    pub fn expect_alarm(&mut self) {
        self.expect_alarm = true;
    }

    /// Sends SIGTERM and waits for the process to exit; returns its status and log.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        self.wait_for_log(|l| l.contains("stopped"));
        (status, self.log_text())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() && !self.expect_alarm {
            let text = self.log_text();
            assert!(
                !text.contains(ALARM),
                "the loopback guard fired — the policy let a connection through:\n{text}"
            );
        }
    }
}

fn wait_in_log(log: &Log, pred: impl Fn(&str) -> bool) -> String {
    let mut lines = log.lines.lock().unwrap();
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        if let Some(line) = lines.iter().find(|l| pred(l)) {
            return line.clone();
        }
        let now = std::time::Instant::now();
        assert!(now < deadline, "no such log line within {PATIENCE:?}; log:\n{}", lines.join("\n"));
        lines = log.changed.wait_timeout(lines, deadline - now).unwrap().0;
    }
}

/// A raw HTTP/1.1 request, for paths an HTTP client would normalise (`/v2/../x`). Returns the
/// status and body.
pub fn raw_request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    raw_exchange(addr, &request)
}

/// Sends `request` as it is (e.g. an HTTP/1.0 request without `Host`) and reads the answer to the
/// end. Returns the status and body.
pub fn raw_exchange(addr: SocketAddr, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}
