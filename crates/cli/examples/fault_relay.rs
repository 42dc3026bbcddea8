//! The test relay of `tests/support/relay.rs` as a process, for the browser suites (tests/e2e), so
//! the faults a push from the app must survive are the very ones `waybill copy` and `push` are
//! tested against — one relay, not one per language.
//!
//! `fault_relay UPSTREAM FAULT`, where UPSTREAM is `host:port` and FAULT one of
//!   `none` · `drop-patch:N` · `drop-patch-response:N` ·
//!   `answer:METHOD:PATH-PIECE:TIMES:STATUS[:RETRY-AFTER]` · `stall:METHOD:PATH-PIECE:TIMES` ·
//!   `hold:METHOD:PATH-PIECE:TIMES:MILLISECONDS` (TIMES: a number or `all`).
//! It prints its `127.0.0.1:PORT` on the first line, then one JSON line per request as it arrives
//! (`{"ms", "line", "faulted"}`, `ms` counted from the relay's start), and runs until killed.

#[allow(dead_code)] // the process reads the log; the Rust tests' accessors go unused here
#[path = "../tests/support/relay.rs"]
mod relay;

use std::io::Write;
use std::time::{Duration, Instant};

use relay::{Fault, Relay, Requests};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [upstream, fault] = args.as_slice() else {
        eprintln!("usage: fault_relay UPSTREAM-HOST:PORT FAULT (see the file's header)");
        std::process::exit(2);
    };
    let fault = parse_fault(fault).unwrap_or_else(|e| {
        eprintln!("fault_relay: {e}");
        std::process::exit(2);
    });
    let started = Instant::now();
    let relay = Relay::start(upstream, fault);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", relay.host()).and_then(|()| out.flush()).expect("stdout");
    // The log is polled: the relay's threads record, this one reports what is new.
    let mut reported = 0;
    loop {
        let seen = relay.seen();
        for request in &seen[reported..] {
            let line = serde_json::json!({
                "ms": request.at.duration_since(started).as_millis() as u64,
                "line": request.line,
                "faulted": request.faulted,
            });
            writeln!(out, "{line}").expect("stdout");
        }
        out.flush().expect("stdout");
        reported = seen.len();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn parse_fault(spec: &str) -> Result<Fault, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let number = |s: &str| s.parse::<usize>().map_err(|_| format!("{s:?} is not a number in {spec:?}"));
    let times = |s: &str| if s == "all" { Ok(usize::MAX) } else { number(s) };
    // A process-long value: the relay's request filters are `&'static str`, as the tests write them.
    let to = |method: &str, path: &str| Requests {
        method: Box::leak(method.to_owned().into_boxed_str()),
        path: Box::leak(path.to_owned().into_boxed_str()),
    };
    Ok(match parts.as_slice() {
        ["none"] => Fault::None,
        ["drop-patch", n] => Fault::DropPatchBeforeForwarding(number(n)?),
        ["drop-patch-response", n] => Fault::DropPatchResponse(number(n)?),
        ["answer", method, path, n, status, rest @ ..] if rest.len() <= 1 => Fault::Answer {
            to: to(method, path),
            times: times(n)?,
            status: status.parse().map_err(|_| format!("{status:?} is not a status in {spec:?}"))?,
            retry_after: rest.first().map(|s| number(s).map(|n| n as u64)).transpose()?,
        },
        ["stall", method, path, n] => Fault::Stall { to: to(method, path), times: times(n)? },
        ["hold", method, path, n, ms] => Fault::Hold {
            to: to(method, path),
            times: times(n)?,
            by: Duration::from_millis(number(ms)? as u64),
        },
        _ => {
            return Err(format!(
                "unknown fault {spec:?} (see the header of crates/cli/examples/fault_relay.rs)"
            ));
        }
    })
}
