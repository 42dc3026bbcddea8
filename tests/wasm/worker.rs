//! The hashing-worker protocol end to end, in headless Chromium: the page's pool starts the
//! real worker module Trunk built into dist/, sends it jobs, and reads progress and outcomes.
//! Expected digests are published vectors or what coreutils computed (scripts/lib/wasm-tests.sh).
#![cfg(target_arch = "wasm32")]

mod common;

use common::{Facts, blob_of, facts, fetch_blob, repeated_blob};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::pool::WorkerPool;
use waybill_app::browser::protocol::{Job, Source, Verdict};
use waybill_core::digest::Digest;
use waybill_core::media::Compression;

wasm_bindgen_test_configure!(run_in_browser);

/// FIPS 180-2: sha256 of one million 'a'.
const SHA256_MILLION_A: &str = "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
/// FIPS 180-2: sha256 of "abc".
const SHA256_ABC: &str = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn digest(s: &str) -> Digest {
    s.parse().unwrap()
}

fn blob_job(d: &str, size: u64, diff_id: bool) -> Job {
    Job { digest: digest(d), size, source: Source::Blob, diff_id }
}

async fn pool() -> (WorkerPool, Facts) {
    let facts = facts().await;
    (WorkerPool::new(&facts.worker, 2), facts)
}

#[test]
async fn a_blob_verifies_with_progress() {
    let (pool, _) = pool().await;
    let progress = Rc::new(RefCell::new(Vec::new()));
    let seen = progress.clone();
    let blob = repeated_blob(&[b'a'; 1000], 1000);
    let submitted = pool.submit(blob_job(SHA256_MILLION_A, 1_000_000, false), Some(blob), move |done| {
        seen.borrow_mut().push(done);
    });
    let outcome = submitted.outcome().await;
    assert_eq!(outcome.verdict, Verdict::Verified { diff_id: None });
    assert_eq!((outcome.bytes, outcome.source.as_str()), (1_000_000, "blob"));
    let progress = progress.borrow();
    assert_eq!(progress.first(), Some(&0), "the start is reported");
    assert_eq!(progress.last(), Some(&1_000_000), "the end is reported");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "progress never goes back: {progress:?}");
}

#[test]
async fn a_wrong_digest_names_both() {
    let (pool, _) = pool().await;
    let wanted = format!("sha256:{}", "1".repeat(64));
    let outcome = pool.submit(blob_job(&wanted, 3, false), Some(blob_of(b"abc")), |_| {}).outcome().await;
    assert_eq!(outcome.verdict, Verdict::Mismatch { expected: digest(&wanted), actual: digest(SHA256_ABC) });
}

#[test]
async fn a_wrong_size_fails() {
    let (pool, _) = pool().await;
    let outcome = pool.submit(blob_job(SHA256_ABC, 4, false), Some(blob_of(b"abc")), |_| {}).outcome().await;
    let Verdict::Failed { message } = outcome.verdict else { panic!("{:?}", outcome.verdict) };
    assert!(message.contains("truncated") && message.contains("3 bytes of 4"), "{message}");
}

#[test]
async fn diff_ids_of_gzip_and_zstd_layers() {
    let (pool, facts) = pool().await;
    for (file, compression) in [(&facts.gzip, Compression::Gzip), (&facts.zstd, Compression::Zstd)] {
        let blob = fetch_blob(&file.path).await;
        let outcome =
            pool.submit(blob_job(&file.sha256, file.size, true), Some(blob), |_| {}).outcome().await;
        let Verdict::Verified { diff_id: Some(Ok(found)) } = outcome.verdict else {
            panic!("{}: {:?}", file.path, outcome.verdict)
        };
        assert_eq!(found.digest, digest(&facts.diff_id), "{}", file.path);
        assert_eq!(found.compression, compression);
        assert_eq!(found.uncompressed_size, 48_894, "seq 1 10000 is 48894 bytes");
    }
}

#[test]
async fn jobs_run_in_parallel_and_queue_beyond_the_pool() {
    let (pool, _) = pool().await;
    let jobs: Vec<_> =
        (0..5).map(|_| pool.submit(blob_job(SHA256_ABC, 3, false), Some(blob_of(b"abc")), |_| {})).collect();
    for job in jobs {
        assert_eq!(job.outcome().await.verdict, Verdict::Verified { diff_id: None });
    }
}

#[test]
async fn cancel_stops_a_running_job_and_a_queued_one() {
    let (pool, _) = pool().await;
    // 512 MiB of one repeated MiB: far longer to hash than the cancel takes to arrive.
    let big = repeated_blob(&vec![7_u8; 1 << 20], 512);
    let any = format!("sha256:{}", "2".repeat(64));
    let running = pool.submit(blob_job(&any, 512 << 20, false), Some(big.clone()), |_| {});
    let second = pool.submit(blob_job(&any, 512 << 20, false), Some(big.clone()), |_| {});
    let queued = pool.submit(blob_job(&any, 512 << 20, false), Some(big), |_| {});
    pool.cancel(queued.id);
    assert_eq!(queued.outcome().await.verdict, Verdict::Cancelled, "a queued job ends at once");
    pool.cancel(running.id);
    pool.cancel(second.id);
    let outcome = running.outcome().await;
    assert_eq!(outcome.verdict, Verdict::Cancelled);
    assert!(outcome.bytes < 512 << 20, "stopped before the end ({} bytes)", outcome.bytes);
    assert_eq!(second.outcome().await.verdict, Verdict::Cancelled);
}

#[test]
async fn a_missing_worker_script_fails_the_job() {
    let pool = WorkerPool::new("/target/wasm-fixtures/no-such-dir/", 1);
    let outcome = pool.submit(blob_job(SHA256_ABC, 3, false), Some(blob_of(b"abc")), |_| {}).outcome().await;
    let Verdict::Failed { message } = outcome.verdict else { panic!("{:?}", outcome.verdict) };
    assert!(message.contains("could not start"), "{message}");
}

/// A registry job: the worker downloads the blob itself through `waybill serve` with the core's
/// client, verifies it and computes its diff ID.
#[test]
async fn a_registry_blob_through_the_proxy() {
    let (pool, facts) = pool().await;
    let serve = facts.serve.expect("waybill serve and the registry (scripts/lib/wasm-tests.sh starts them)");
    let job = |d: &str, size| Job {
        digest: digest(d),
        size,
        source: Source::Registry {
            proxy_origin: serve.origin.clone(),
            api_host: serve.registry.clone(),
            repository: serve.repository.clone(),
            login: None,
            urls: Vec::new(),
            allow_urls: false,
        },
        diff_id: true,
    };
    let outcome = pool.submit(job(&serve.layer_digest, serve.layer_size), None, |_| {}).outcome().await;
    let Verdict::Verified { diff_id: Some(Ok(found)) } = &outcome.verdict else {
        panic!("{:?}", outcome.verdict)
    };
    assert_eq!(found.digest, digest(&serve.layer_diff_id));
    assert_eq!(outcome.bytes, serve.layer_size);
    assert!(outcome.source.contains(&serve.layer_digest), "{}", outcome.source);
    let absent = format!("sha256:{}", "3".repeat(64));
    let outcome = pool.submit(job(&absent, 10), None, |_| {}).outcome().await;
    let Verdict::Failed { message } = outcome.verdict else { panic!("{:?}", outcome.verdict) };
    assert!(message.contains("404"), "{message}");
}
