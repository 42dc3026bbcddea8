//! Throughput through the proxy versus straight to the registry, in one run: a blob GET and a
//! chunked push (POST, PATCH × n, PUT ?digest=), alternating direct and proxied so that both see
//! the same machine load. Prints MB/s (10^6 bytes per second) per run, the median and the best of
//! each, their ratios, and — given the proxy's PID — the CPU time the proxy spent per GiB moved,
//! which does not depend on what else the machine is doing.
//!
//! `scripts/bench proxy` builds and runs it; by hand:
//! `proxy_bench --direct http://127.0.0.1:5000 --proxied http://127.0.0.1:8080/r/127.0.0.1:5000`

use std::time::Instant;

use bytes::Bytes;
use clap::Parser;
use futures_core::Stream;

/// Blob GET and chunked push throughput, direct vs through `waybill serve`.
#[derive(Parser)]
struct Args {
    /// The registry's URL.
    #[arg(long)]
    direct: String,
    /// The same registry through the proxy (`http://<proxy>/r/<host:port>`).
    #[arg(long)]
    proxied: String,
    /// Blob size in MiB.
    #[arg(long, default_value_t = 512)]
    size_mib: usize,
    /// Upload chunk size in MiB (the app's default is 8).
    #[arg(long, default_value_t = 8)]
    chunk_mib: usize,
    /// Runs of each measurement.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The proxy's PID, to report its CPU time per GiB (from /proc/<pid>/stat).
    #[arg(long)]
    proxy_pid: Option<u32>,
    /// Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`).
    #[arg(long, default_value_t = 100)]
    clock_ticks: u64,
}

/// Throughput and proxy CPU of the runs of one measurement.
#[derive(Default)]
struct Series {
    mb_per_s: Vec<f64>,
    cpu_s_per_gib: Vec<f64>,
}

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let client =
        reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::limited(5)).build()?;
    let size = args.size_mib * 1024 * 1024;
    let blob = Bytes::from(pseudo_random(size));
    let digest = sha256(&blob);
    let repo = format!("waybill-bench/proxy-{}", std::process::id());
    println!(
        "proxy bench: {} MiB blob, {} MiB chunks, {} runs, sha256 {}",
        args.size_mib,
        args.chunk_mib,
        args.runs,
        &digest[7..19]
    );

    // Setup: the blob exists in the registry for the GETs.
    push(&client, &args.direct, &repo, &blob, &digest, args.chunk_mib * 1024 * 1024).await?;

    let cpu = |pid: Option<u32>| pid.and_then(|p| cpu_seconds(p, args.clock_ticks));
    let gib = size as f64 / (1u64 << 30) as f64;
    let mut get = (Series::default(), Series::default());
    let mut put = (Series::default(), Series::default());
    for run in 1..=args.runs {
        for (label, base, series, pid) in [
            ("direct", &args.direct, &mut get.0, None),
            ("proxied", &args.proxied, &mut get.1, args.proxy_pid),
        ] {
            let (cpu0, started) = (cpu(pid), Instant::now());
            let n = download(&client, &format!("{base}/v2/{repo}/blobs/{digest}")).await?;
            if n != size as u64 {
                return Err(format!("{label} GET returned {n} bytes, expected {size}").into());
            }
            series.record(size, started, cpu0.zip(cpu(pid)).map(|(a, b)| (b - a) / gib));
            println!("  run {run}  GET  {label:8} {}", series.last());
        }
        for (label, base, series, pid) in [
            ("direct", &args.direct, &mut put.0, None),
            ("proxied", &args.proxied, &mut put.1, args.proxy_pid),
        ] {
            let target = format!("{repo}-push-{label}-{run}");
            let (cpu0, started) = (cpu(pid), Instant::now());
            push(&client, base, &target, &blob, &digest, args.chunk_mib * 1024 * 1024).await?;
            series.record(size, started, cpu0.zip(cpu(pid)).map(|(a, b)| (b - a) / gib));
            println!("  run {run}  push {label:8} {}", series.last());
        }
    }
    for (what, (direct, proxied)) in [("blob GET", get), ("chunked push", put)] {
        let (dm, pm) = (median(&direct.mb_per_s), median(&proxied.mb_per_s));
        let (db, pb) = (best(&direct.mb_per_s), best(&proxied.mb_per_s));
        print!("{what:13} median: direct {dm:7.1} MB/s, proxied {pm:7.1} MB/s, ratio {:.2}x", pm / dm);
        print!(" | best: direct {db:7.1}, proxied {pb:7.1}, ratio {:.2}x", pb / db);
        if !proxied.cpu_s_per_gib.is_empty() {
            print!(" | proxy CPU {:.2} s/GiB", median(&proxied.cpu_s_per_gib));
        }
        println!();
    }
    Ok(())
}

/// Streams a GET to nowhere and returns the byte count.
async fn download(client: &reqwest::Client, url: &str) -> Result<u64, Error> {
    let r = client.get(url).send().await?.error_for_status()?;
    let mut stream = Box::pin(r.bytes_stream());
    let mut n = 0u64;
    while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        n += chunk?.len() as u64;
    }
    Ok(n)
}

/// POST, PATCH per chunk (following each `Location`), PUT ?digest=.
async fn push(
    client: &reqwest::Client,
    base: &str,
    repo: &str,
    blob: &Bytes,
    digest: &str,
    chunk: usize,
) -> Result<(), Error> {
    let r =
        client.post(format!("{base}/v2/{repo}/blobs/uploads/")).header("content-length", "0").send().await?;
    let mut location = next(base, r, 202)?;
    let mut offset = 0;
    while offset < blob.len() {
        let end = (offset + chunk).min(blob.len());
        let r = client
            .patch(&location)
            .header("content-type", "application/octet-stream")
            .header("content-range", format!("{offset}-{}", end - 1))
            .body(blob.slice(offset..end))
            .send()
            .await?;
        location = next(base, r, 202)?;
        offset = end;
    }
    let mut put = url::Url::parse(&location)?;
    put.query_pairs_mut().append_pair("digest", digest);
    client.put(put).header("content-length", "0").send().await?.error_for_status()?;
    Ok(())
}

/// The absolute URL of a response's `Location` (relative ones resolve against `base`'s origin).
fn next(base: &str, r: reqwest::Response, want: u16) -> Result<String, Error> {
    if r.status().as_u16() != want {
        return Err(format!("expected {want}, got {}", r.status()).into());
    }
    let location = r.headers().get("location").ok_or("no Location")?.to_str()?;
    Ok(url::Url::parse(base)?.join(location)?.to_string())
}

fn mb_per_s(bytes: usize, started: Instant) -> f64 {
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

impl Series {
    fn record(&mut self, bytes: usize, started: Instant, cpu_s_per_gib: Option<f64>) {
        self.mb_per_s.push(mb_per_s(bytes, started));
        self.cpu_s_per_gib.extend(cpu_s_per_gib);
    }

    fn last(&self) -> String {
        let mut out = format!("{:8.1} MB/s", self.mb_per_s[self.mb_per_s.len() - 1]);
        if let Some(cpu) = self.cpu_s_per_gib.last() {
            out.push_str(&format!("  (proxy CPU {cpu:.2} s/GiB)"));
        }
        out
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn best(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// User + system CPU seconds of a process so far (fields 14 and 15 of /proc/<pid>/stat).
fn cpu_seconds(pid: u32, clock_ticks: u64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks as f64)
}

fn pseudo_random(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect::<String>())
}
