//! Archives in headless Chromium: a docker-archive skopeo wrote, read by the core's archive reader
//! over `Blob` slices (FileSource), hashed by the real hashing workers (hash jobs), served to the
//! upload engine as verified `Blob` slices (SliceSource); and the push worker opening it and
//! pushing it through `waybill serve` into the seeded registry. Expected digests come from the
//! fixture generator's summary and from coreutils (scripts/lib/wasm-tests.sh).
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{Facts, blob_of, facts, fetch_blob};
use futures_channel::mpsc;
use futures_util::StreamExt;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::blob::read_range;
use waybill_app::browser::chunk::BlobChunk;
use waybill_app::browser::file_source::FileSource;
use waybill_app::browser::pool::WorkerPool;
use waybill_app::browser::protocol::HashJob;
use waybill_app::browser::pusher::client::{Event, Pusher};
use waybill_app::browser::pusher::protocol::{Endpoint, FromPusher, PushSettings};
use waybill_app::browser::slice_source::SliceSource;
use waybill_core::archive::compress::LayerCompression;
use waybill_core::archive::{Archive, OpenOptions, Presence};
use waybill_core::digest::{Digest, Verified};
use waybill_core::media::Compression;
use waybill_core::registry::{BlobSource, Error};
use waybill_core::transport::ChunkBytes;
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_browser);

fn digest(s: &str) -> Digest {
    s.parse().unwrap()
}

async fn bytes_of(blob: &Blob) -> Vec<u8> {
    read_range(blob, 0, blob.size() as u64).await.unwrap()
}

async fn archive() -> (Facts, Blob) {
    let facts = facts().await;
    let blob = fetch_blob(&facts.archive.path).await;
    assert_eq!(blob.size() as u64, facts.archive.size);
    (facts, blob)
}

#[test]
async fn a_dropped_archive_is_read_by_slices() {
    let (facts, blob) = archive().await;
    let archive = Archive::open(FileSource::new(blob), OpenOptions::default()).await.unwrap();
    let image = archive.select(None).unwrap();
    assert!(image.names.iter().any(|n| n.ends_with(&facts.archive.name)), "{:?}", image.names);
    let [manifest] = image.manifests.as_slice() else { panic!("one manifest") };
    assert_eq!(manifest.config.descriptor.digest, digest(&facts.archive.config));
    let diff_ids: Vec<String> =
        manifest.layers.iter().map(|l| l.diff_id.as_ref().unwrap().to_string()).collect();
    assert_eq!(diff_ids, facts.archive.diff_ids);
    assert!(manifest.layers.iter().all(|l| l.presence() == Presence::Present));
}

#[test]
async fn hash_jobs_hash_ranges_of_the_file_in_the_workers() {
    let (facts, blob) = archive().await;
    let archive = Archive::open(FileSource::new(blob.clone()), OpenOptions::default()).await.unwrap();
    let pool = WorkerPool::new(&facts.worker, 2);
    let image = archive.select(None).unwrap();
    for (layer, diff_id) in image.manifests[0].layers.iter().zip(&facts.archive.diff_ids) {
        let stored = layer.stored.as_ref().unwrap();
        let slice =
            blob.slice_with_f64_and_f64(stored.offset as f64, (stored.offset + stored.size) as f64).unwrap();
        let job = HashJob { size: stored.size, compression: stored.compression, sha512: false };
        let progress = Rc::new(RefCell::new(Vec::new()));
        let seen = progress.clone();
        let found =
            pool.submit_hash(job, slice, move |done| seen.borrow_mut().push(done)).facts().await.unwrap();
        assert_eq!(found.sha256, digest(diff_id), "a skopeo layer file is the uncompressed tar");
        assert_eq!(found.content, Ok(digest(diff_id)));
        assert_eq!(found.sha512, None);
        assert_eq!(progress.borrow().last(), Some(&stored.size));
    }
    // A gzip'd file: its own digest and its content's, with sha512 on request.
    let gz = fetch_blob(&facts.gzip.path).await;
    let job = HashJob { size: facts.gzip.size, compression: Compression::Gzip, sha512: true };
    let found = pool.submit_hash(job, gz.clone(), |_| {}).facts().await.unwrap();
    assert_eq!(found.sha256, digest(&facts.gzip.sha256));
    assert_eq!(found.content, Ok(digest(&facts.diff_id)));
    assert!(found.sha512.is_some());
    // A slice shorter than the job says is refused, not hashed.
    let job = HashJob { size: facts.gzip.size + 1, compression: Compression::Gzip, sha512: false };
    let refused = pool.submit_hash(job, gz, |_| {}).facts().await.unwrap_err();
    assert!(refused.contains("choose the file again"), "{refused}");
}

#[test]
async fn slice_sources_serve_slices_and_hand_over_only_their_own_proof() {
    let facts = facts().await;
    let file = fetch_blob(&facts.stream.path).await;
    let bytes = bytes_of(&file).await;
    let (offset, size) = (1000_u64, facts.stream.size - 2000);
    let wanted = Digest::sha256_of(&bytes[offset as usize..(offset + size) as usize]);
    let proof = Verified { digest: wanted.clone(), size };
    let mut source = SliceSource::new(file.clone(), offset, wanted.clone(), size, Some(proof.clone()));
    // Reading ahead of what was served is refused; going back is free.
    assert!(matches!(source.read(1 << 20, 1 << 20).await, Err(Error::Source { .. })));
    let mut sent = Vec::new();
    let mut at = 0;
    while at < size {
        let chunk = source.read(at, 1 << 20).await.unwrap();
        assert_eq!(chunk.len, chunk.data.size());
        sent.extend(bytes_of(&chunk.data.0).await);
        at += chunk.len;
    }
    assert_eq!(sent, &bytes[offset as usize..(offset + size) as usize]);
    let again = source.read(5, 10).await.unwrap();
    assert_eq!(bytes_of(&again.data.0).await, &bytes[offset as usize + 5..offset as usize + 15]);
    assert_eq!(source.rewind_floor(), 0);
    assert_eq!(source.finish().await.unwrap(), proof);

    // Without a proof, or with one for other bytes, the upload is not finalised.
    let mut unproven = SliceSource::new(file.clone(), offset, wanted.clone(), size, None);
    unproven.read(0, size).await.unwrap();
    assert!(matches!(unproven.finish().await, Err(Error::Source { .. })));
    let other = Verified { digest: Digest::sha256_of(b"other bytes"), size };
    let mut wrong = SliceSource::new(file.clone(), offset, wanted.clone(), size, Some(other));
    wrong.read(0, size).await.unwrap();
    assert!(matches!(wrong.finish().await, Err(Error::Source { .. })));
    // Finishing before everything was served fails too.
    let mut early = SliceSource::new(file, offset, wanted, size, Some(proof));
    early.read(0, 10).await.unwrap();
    assert!(matches!(early.finish().await, Err(Error::Source { .. })));
}

#[test]
async fn blob_chunks_wrap_and_cut_without_copies_of_their_own() {
    let chunk = BlobChunk::from_vec(b"0123456789".to_vec());
    assert_eq!(chunk.size(), 10);
    let tail = chunk.tail(4);
    assert_eq!(bytes_of(&tail.0).await, b"456789");
    assert_eq!(chunk.tail(99).size(), 0);
    assert_eq!(bytes_of(&BlobChunk(blob_of(b"abc")).tail(1).0).await, b"bc");
}

/// The push worker (the real module Trunk built into dist/) opens the archive with the core's
/// reader, hashes every file with hashing workers it starts itself, and pushes the image through
/// `waybill serve` into the registry, which then serves the manifest under the digest reported.
#[test]
async fn the_push_worker_opens_verifies_and_pushes() {
    let (facts, blob) = archive().await;
    let serve =
        facts.serve.clone().expect("waybill serve and the registry (scripts/lib/wasm-tests.sh starts them)");
    let (sender, mut events) = mpsc::unbounded();
    let pusher = Pusher::start(&facts.worker, move |event| {
        let _ = sender.unbounded_send(event);
    })
    .unwrap();
    pusher.open(blob);
    let report = loop {
        match events.next().await.unwrap() {
            Event::Message(FromPusher::Opened { report, policy, .. }) => {
                assert!(policy[0].rejections.is_empty() && policy[0].absent_foreign.is_empty());
                break report;
            }
            Event::Message(FromPusher::Failed { failure }) => panic!("{failure:?}"),
            Event::Crashed(why) => panic!("{why}"),
            _ => {}
        }
    };
    assert_eq!(report.images.len(), 1);
    assert_eq!(report.images[0].manifests[0].layers.len(), facts.archive.diff_ids.len());

    let repository = format!("wasm-tests/plain-{}", js_sys::Date::now() as u64);
    let target = Endpoint {
        proxy_origin: serve.origin.clone(),
        api_host: serve.registry.clone(),
        repository: repository.clone(),
        reference: "v1".into(),
        login: None,
    };
    let settings = PushSettings {
        allow_foreign_layers: false,
        fetch_foreign: false,
        accept_lost_marks: false,
        // As stored: the layers go up as `Blob` slices of the file, whose digests this test checks.
        compress: LayerCompression::None,
        chunk_size: 8 << 20,
    };
    pusher.push(0, target, settings);
    let (mut hashed, mut uploaded) = (0, 0);
    let digest = loop {
        match events.next().await.unwrap() {
            Event::Message(FromPusher::FileHashed { result, .. }) => {
                result.unwrap();
                hashed += 1;
            }
            Event::Message(FromPusher::BlobDone { .. }) => uploaded += 1,
            Event::Message(FromPusher::Done { report, pulp }) => {
                assert!(!pulp, "distribution is not Pulp");
                break report.digest;
            }
            Event::Message(FromPusher::Failed { failure }) => panic!("{failure:?}"),
            Event::Crashed(why) => panic!("{why}"),
            _ => {}
        }
    };
    assert_eq!((hashed, uploaded), (1 + facts.archive.diff_ids.len(), 1 + facts.archive.diff_ids.len()));

    // The registry's own word on what it stored (plain fetch through the proxy, not the core).
    let url = format!("{}/r/{}/v2/{repository}/manifests/v1", serve.origin, serve.registry);
    let init = web_sys::RequestInit::new();
    init.set_method("HEAD");
    let headers = web_sys::Headers::new().unwrap();
    headers.append("Accept", "application/vnd.docker.distribution.manifest.v2+json").unwrap();
    init.set_headers(&headers);
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init))
            .await
            .unwrap()
            .into();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("Docker-Content-Digest").unwrap(), Some(digest.to_string()));
}
