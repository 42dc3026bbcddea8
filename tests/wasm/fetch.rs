//! The fetch transport in headless Chromium, against real servers: the test runner's own static
//! file server for the fetch mechanics (status, headers, streamed bodies, HEAD, abort), and
//! `waybill serve` in front of the seeded distribution registry for the protocol driven through
//! it (the core's registry client, Docker-Content-Digest, blob verification, proxy refusals).
#![cfg(target_arch = "wasm32")]

mod common;

use common::{FIXTURES, facts, origin};
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::fetch::FetchTransport;
use waybill_core::digest::{Algorithm, Digest, Hasher};
use waybill_core::manifest::ManifestDocument;
use waybill_core::registry::{Client, Error};
use waybill_core::transport::{Method, Request, ResponseBody, Transport, TransportErrorKind};
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_browser);

fn get(url: String) -> Request<Blob> {
    Request::new(Method::Get, url)
}

#[test]
async fn streams_a_body_in_chunks() {
    let facts = facts().await;
    let transport = FetchTransport::new(&origin());
    let mut response = transport.send(get(format!("{}{}", origin(), facts.stream.path))).await.unwrap();
    assert_eq!(response.status, 200);
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let (mut total, mut chunks) = (0_u64, 0);
    while let Some(chunk) = response.body.chunk().await.unwrap() {
        assert!(!chunk.is_empty(), "no empty chunks");
        total += chunk.len() as u64;
        chunks += 1;
        hasher.update(&chunk);
    }
    assert_eq!(total, facts.stream.size);
    assert!(chunks > 1, "a {total}-byte body arrives in several chunks, got {chunks}");
    assert_eq!(hasher.finalize().to_string(), facts.stream.sha256, "bytes as sha256sum saw them");
    assert_eq!(response.body.chunk().await.unwrap(), None, "stays ended");
}

#[test]
async fn status_and_head() {
    let facts = facts().await;
    let transport = FetchTransport::new(&origin());
    let missing = transport.send(get(format!("{}{FIXTURES}/no-such-file", origin()))).await.unwrap();
    assert_eq!(missing.status, 404);
    let head = Request::new(Method::Head, format!("{}{}", origin(), facts.gzip.path));
    let mut response = transport.send(head).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Length"), Some(facts.gzip.size.to_string().as_str()));
    assert_eq!(response.body.chunk().await.unwrap(), None, "HEAD has no body");
}

#[test]
async fn an_aborted_signal_cancels() {
    let facts = facts().await;
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let transport = FetchTransport::new(&origin()).with_signal(controller.signal());
    let error = transport.send(get(format!("{}{}", origin(), facts.stream.path))).await.unwrap_err();
    assert_eq!(error.kind, TransportErrorKind::Cancelled, "{error}");
}

#[test]
async fn abort_midway_interrupts_the_body() {
    let facts = facts().await;
    let controller = web_sys::AbortController::new().unwrap();
    let transport = FetchTransport::new(&origin()).with_signal(controller.signal());
    let mut response = transport.send(get(format!("{}{}", origin(), facts.stream.path))).await.unwrap();
    assert!(response.body.chunk().await.unwrap().is_some());
    controller.abort();
    let error = loop {
        match response.body.chunk().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the body ended normally after abort()"),
            Err(e) => break e,
        }
    };
    assert_eq!(error.kind, TransportErrorKind::Cancelled, "{error}");
}

#[test]
async fn an_unreachable_server_is_a_connect_error() {
    // Nothing listens on loopback port 47 (and Chromium does not block it as an unsafe port):
    // the connection is refused at once.
    let transport = FetchTransport::new("http://127.0.0.1:47");
    let error = transport.send(get("http://127.0.0.1:47/v2/".into())).await.unwrap_err();
    assert_eq!(error.kind, TransportErrorKind::Connect, "{error}");
}

/// The core's registry client driven through fetch and `waybill serve` against the real
/// distribution registry: manifest by tag (its digest checked against Docker-Content-Digest by
/// the core), HEAD, and a layer streamed through the verifier.
#[test]
async fn the_core_client_pulls_through_waybill_serve() {
    let facts = facts().await;
    let serve = facts.serve.expect("waybill serve and the registry (scripts/lib/wasm-tests.sh starts them)");
    let transport = FetchTransport::new(&serve.origin);
    let client = Client::new(transport.clone(), &transport.registry_base(&serve.registry)).unwrap();
    let fetched = client.get_manifest(&serve.repository, &serve.tag).await.unwrap();
    assert_eq!(fetched.digest.to_string(), serve.manifest_digest);
    assert_eq!(fetched.bytes.len() as u64, serve.manifest_size);
    ManifestDocument::parse(fetched.bytes, fetched.media_type.as_deref()).unwrap();
    let head = client.head_manifest(&serve.repository, &serve.tag).await.unwrap().expect("present");
    assert_eq!(head.digest.map(|d| d.to_string()), Some(serve.manifest_digest.clone()));

    let layer: Digest = serve.layer_digest.parse().unwrap();
    let mut stream = client.get_blob(&serve.repository, &layer, Some(serve.layer_size)).await.unwrap();
    while stream.next().await.unwrap().is_some() {}
    let verified = stream.verified().expect("verified at the end");
    assert_eq!((verified.digest.to_string(), verified.size), (serve.layer_digest, serve.layer_size));

    let wrong: Digest = format!("sha256:{}", "0".repeat(64)).parse().unwrap();
    let Err(error) = client.get_blob(&serve.repository, &wrong, None).await else {
        panic!("the registry served a blob nobody pushed")
    };
    assert_eq!(error.registry().map(|e| e.status), Some(404), "{error}");
}

/// A host the proxy is not configured for is refused by the proxy, in the registry's error
/// format, and the core reads the refusal.
#[test]
async fn the_proxy_refuses_hosts_it_does_not_allow() {
    let facts = facts().await;
    let serve = facts.serve.expect("waybill serve (scripts/lib/wasm-tests.sh starts it)");
    let transport = FetchTransport::new(&serve.origin);
    let client = Client::new(transport.clone(), &transport.registry_base("10.255.255.1:5000")).unwrap();
    let error = client.get_manifest("any/thing", "latest").await.unwrap_err();
    let Error::Registry(refusal) = &error else { panic!("expected the proxy's refusal, got {error}") };
    let code = refusal.code.clone().unwrap_or_default();
    assert!(code.starts_with("PROXY_"), "{error}");
}
