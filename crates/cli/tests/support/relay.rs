//! A tiny HTTP/1.1 relay on 127.0.0.1 that sits between `waybill` and a REAL registry, records
//! the request lines it sees (and when), and injects the network faults a transfer has to survive
//! or report: a connection broken at a chosen PATCH, an error or a `429 Retry-After` answered in
//! the registry's place, a request that is never answered. Every other response comes from the
//! registry behind it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Which requests a fault applies to: a method, and a piece their path must contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requests {
    /// `PATCH`, `PUT`, …
    pub method: &'static str,
    /// e.g. `/blobs/uploads/` (a blob upload's requests) or `/manifests/`.
    pub path: &'static str,
}

impl Requests {
    fn match_line(&self, method: &str, target: &str) -> bool {
        method == self.method && target.contains(self.path)
    }
}

/// Which fault to inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward everything.
    None,
    /// At the n-th PATCH (1-based): read part of its body, forward none of it, and close the
    /// connection. The registry never sees that chunk.
    DropPatchBeforeForwarding(usize),
    /// At the n-th PATCH: forward it, let the registry answer, and close the connection instead
    /// of relaying the answer. The registry has the chunk; the client does not know.
    DropPatchResponse(usize),
    /// To the first `times` requests that match: read the request, forward nothing, and answer
    /// `status` (with `Retry-After: <seconds>` when given) in the registry's place, keeping the
    /// connection. The registry never sees those requests.
    Answer {
        /// Which requests.
        to: Requests,
        /// How many of them (`usize::MAX`: all).
        times: usize,
        /// The status answered.
        status: u16,
        /// The `Retry-After` sent with it.
        retry_after: Option<u64>,
    },
    /// To the first `times` requests that match: read the request, forward nothing, and never
    /// answer; the connection stays open until the client gives up on it.
    Stall {
        /// Which requests.
        to: Requests,
        /// How many of them (`usize::MAX`: all).
        times: usize,
    },
    /// To the first `times` requests that match: read the request, hold it for `by`, then
    /// forward it as usual — a slow network path.
    Hold {
        /// Which requests.
        to: Requests,
        /// How many of them (`usize::MAX`: all).
        times: usize,
        /// How long each is held.
        by: Duration,
    },
}

/// One request the relay saw.
#[derive(Clone, Debug)]
pub struct Seen {
    /// When its header block had arrived.
    pub at: Instant,
    /// Its request line without the HTTP version, e.g. `PATCH /v2/a/blobs/uploads/x`.
    pub line: String,
    /// Whether a fault was injected on it.
    pub faulted: bool,
    /// The registry's status, once its answer has arrived (never for a request the relay
    /// answered, dropped or stalled itself).
    pub status: Option<u16>,
}

struct Shared {
    upstream: String,
    fault: Fault,
    patches: AtomicUsize,
    faults: AtomicUsize,
    requests: Mutex<Vec<Seen>>,
}

/// A running relay; it lives as long as the test process.
pub struct Relay {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    shared: Arc<Shared>,
}

impl Relay {
    /// Starts relaying 127.0.0.1:<port> to `upstream` (`host:port`).
    pub fn start(upstream: &str, fault: Fault) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let port = listener.local_addr().expect("relay address").port();
        let shared = Arc::new(Shared {
            upstream: upstream.to_owned(),
            fault,
            patches: AtomicUsize::new(0),
            faults: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let shared = Arc::clone(&accepting);
                thread::spawn(move || {
                    // A broken connection is what the fault modes are for; nothing to report.
                    let _ = relay_connection(client, &shared);
                });
            }
        });
        Relay { port, shared }
    }

    /// `127.0.0.1:<port>`, to use as a registry host in references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// PATCH requests seen (including one dropped by a fault).
    pub fn patches(&self) -> usize {
        self.shared.patches.load(Ordering::SeqCst)
    }

    /// Faults injected.
    pub fn faults(&self) -> usize {
        self.shared.faults.load(Ordering::SeqCst)
    }

    /// Every request line seen, e.g. `PATCH /v2/a/blobs/uploads/x`.
    pub fn requests(&self) -> Vec<String> {
        self.seen().into_iter().map(|seen| seen.line).collect()
    }

    /// Every request seen, in order of arrival, with its time.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.requests.lock().expect("requests").clone()
    }
}

impl Shared {
    /// Whether this request gets an `Answer` or `Stall` fault (counting it if so).
    fn injects(&self, method: &str, target: &str) -> bool {
        let (to, times) = match self.fault {
            Fault::Answer { to, times, .. } | Fault::Stall { to, times } | Fault::Hold { to, times, .. } => {
                (to, times)
            }
            _ => return false,
        };
        to.match_line(method, target)
            && self
                .faults
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < times).then_some(n + 1))
                .is_ok()
    }
}

/// The answer of an `Answer` fault: an OCI error body, as a registry would send it.
fn answer(status: u16, retry_after: Option<u64>) -> Vec<u8> {
    let (reason, code) = match status {
        429 => ("Too Many Requests", "TOOMANYREQUESTS"),
        503 => ("Service Unavailable", "UNAVAILABLE"),
        _ => ("Injected Failure", "UNKNOWN"),
    };
    let body = format!(r#"{{"errors":[{{"code":"{code}","message":"injected by the test relay"}}]}}"#);
    let retry_after = retry_after.map(|s| format!("Retry-After: {s}\r\n")).unwrap_or_default();
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n{retry_after}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one header block (through the empty line). `None` at a clean end of stream.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return if head.is_empty() { Ok(None) } else { Err(std::io::ErrorKind::UnexpectedEof.into()) };
        }
        let end = line == b"\r\n" || line == b"\n";
        head.extend_from_slice(&line);
        if end {
            return Ok(Some(head));
        }
    }
}

fn header(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head).lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

fn copy_exact(from: &mut impl Read, to: &mut impl Write, mut n: u64) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    while n > 0 {
        let want = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
        let got = from.read(&mut buf[..want])?;
        if got == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        to.write_all(&buf[..got])?;
        n -= got as u64;
    }
    Ok(())
}

/// Copies a chunked body, framing included.
fn copy_chunked(from: &mut impl BufRead, to: &mut impl Write) -> std::io::Result<()> {
    loop {
        let mut size_line = Vec::new();
        from.read_until(b'\n', &mut size_line)?;
        to.write_all(&size_line)?;
        let text = String::from_utf8_lossy(&size_line);
        let size = u64::from_str_radix(text.trim().split(';').next().unwrap_or("0"), 16)
            .map_err(|_| std::io::Error::other("bad chunk size"))?;
        if size == 0 {
            // Trailers, then the empty line.
            while let Some(trailer) = read_head_line(from)? {
                to.write_all(&trailer)?;
                if trailer == b"\r\n" {
                    return Ok(());
                }
            }
            return Ok(());
        }
        copy_exact(from, to, size + 2)?;
    }
}

fn read_head_line(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    Ok((reader.read_until(b'\n', &mut line)? > 0).then_some(line))
}

fn relay_connection(client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let upstream = TcpStream::connect(&shared.upstream)?;
    let mut client_reader = BufReader::new(client.try_clone()?);
    let mut client_writer = client;
    let mut upstream_reader = BufReader::new(upstream.try_clone()?);
    let mut upstream_writer = upstream;
    while let Some(head) = read_head(&mut client_reader)? {
        let request_line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned();
        let method = request_line.split(' ').next().unwrap_or_default().to_owned();
        let target = request_line.split(' ').nth(1).unwrap_or_default().to_owned();
        let length: u64 = header(&head, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let at = Instant::now();
        let line = request_line.rsplit_once(' ').map_or(request_line.clone(), |(l, _)| l.to_owned());
        let patch = if method == "PATCH" { shared.patches.fetch_add(1, Ordering::SeqCst) + 1 } else { 0 };
        let injected = shared.injects(&method, &target);
        let dropped = matches!(
            shared.fault,
            Fault::DropPatchBeforeForwarding(n) | Fault::DropPatchResponse(n) if n == patch
        );
        let index = {
            let mut requests = shared.requests.lock().expect("requests");
            requests.push(Seen { at, line, faulted: injected || dropped, status: None });
            requests.len() - 1
        };
        // A held request's body, read before the wait.
        let mut held = None;
        if injected {
            // The request is read whole, so the connection stays usable (an answer, a hold) or
            // open (a stall).
            let mut body = Vec::new();
            copy_exact(&mut client_reader, &mut body, length)?;
            match shared.fault {
                Fault::Answer { status, retry_after, .. } => {
                    client_writer.write_all(&answer(status, retry_after))?;
                    client_writer.flush()?;
                    continue;
                }
                Fault::Hold { by, .. } => {
                    thread::sleep(by);
                    held = Some(body);
                }
                _ => {
                    // Never answer: wait for the client to give up and close.
                    let _ = std::io::copy(&mut client_reader, &mut std::io::sink());
                    let _ = upstream_writer.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
        if shared.fault == Fault::DropPatchBeforeForwarding(patch) {
            shared.faults.fetch_add(1, Ordering::SeqCst);
            let mut some = vec![0u8; 4096.min(usize::try_from(length).unwrap_or(4096))];
            let _ = client_reader.read(&mut some);
            let _ = client_writer.shutdown(Shutdown::Both);
            let _ = upstream_writer.shutdown(Shutdown::Both);
            return Ok(());
        }
        upstream_writer.write_all(&head)?;
        match held {
            Some(body) => upstream_writer.write_all(&body)?,
            None => copy_exact(&mut client_reader, &mut upstream_writer, length)?,
        }
        upstream_writer.flush()?;

        let Some(response) = read_head(&mut upstream_reader)? else { return Ok(()) };
        let status: u16 =
            String::from_utf8_lossy(&response).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        if shared.fault == Fault::DropPatchResponse(patch) {
            shared.faults.fetch_add(1, Ordering::SeqCst);
            let _ = client_writer.shutdown(Shutdown::Both);
            let _ = upstream_writer.shutdown(Shutdown::Both);
            return Ok(());
        }
        shared.requests.lock().expect("requests")[index].status = Some(status);
        client_writer.write_all(&response)?;
        let no_body = method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status);
        if !no_body {
            if header(&response, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
                copy_chunked(&mut upstream_reader, &mut client_writer)?;
            } else if let Some(n) = header(&response, "content-length").and_then(|v| v.parse::<u64>().ok()) {
                copy_exact(&mut upstream_reader, &mut client_writer, n)?;
            } else {
                std::io::copy(&mut upstream_reader, &mut client_writer)?;
                return Ok(());
            }
        }
        client_writer.flush()?;
    }
    Ok(())
}
