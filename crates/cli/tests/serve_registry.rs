//! `waybill serve` in front of the real Debian `docker-registry` (distribution 2.8) from the
//! harness: a chunked push and every kind of pull, through the proxy.
//!
//! Needs `scripts/registry up` and `eval "$(scripts/registry env)"` (REGISTRY_STRICT_URL).

mod support;

use support::registry_client::{Auth, Image, OCI_MANIFEST, ProxiedRegistry};
use support::{Server, authority, client, digest, harness_env, unique};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn push_and_pull_an_image_through_the_proxy() {
    let registry = harness_env("REGISTRY_STRICT_URL", "registry");
    let host = authority(&registry);
    let config = format!("[proxy]\ndefault_hosts = false\nplain_http_hosts = [\"{host}\"]\n");
    let server = tokio::task::spawn_blocking(move || Server::start(&config)).await.unwrap();
    let proxied = ProxiedRegistry {
        proxy: server.base.parse().unwrap(),
        route: format!("/r/{host}"),
        auth: Auth::Anonymous,
    };
    let repo = unique("waybill-proxy/push");
    let image = Image::new(5 * 1024 * 1024 + 123, 0x5eed);

    // The registry API root, through the proxy.
    let r = proxied.send(client().get(proxied.url("/v2/"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["docker-distribution-api-version"], "registry/2.0");

    // Chunked push (2 MiB parts, as the app does with its 8 MiB default), then the manifest.
    let manifest_digest = proxied.push(&repo, &image, "v1", 2 * 1024 * 1024).await;

    // The manifest, by tag and by digest, byte for byte.
    for reference in ["v1", manifest_digest.as_str()] {
        let r = proxied
            .send(
                client()
                    .get(proxied.url(&format!("/v2/{repo}/manifests/{reference}")))
                    .header("accept", OCI_MANIFEST),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], OCI_MANIFEST);
        assert_eq!(r.headers()["docker-content-digest"], manifest_digest.as_str());
        assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);
    }

    // The layer: HEAD, full GET, and a Range GET — and the same bytes as straight from the registry.
    let layer_digest = digest(&image.layer);
    let blob = proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}"));
    let r = proxied.send(client().head(blob.clone())).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], image.layer.len().to_string().as_str());
    let through = proxied.send(client().get(blob.clone())).await.bytes().await.unwrap();
    assert_eq!(digest(&through), layer_digest);
    let direct = client()
        .get(format!("{registry}/v2/{repo}/blobs/{layer_digest}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(through, direct);
    let r = proxied.send(client().get(blob).header("range", "bytes=1000-1999")).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.layer[1000..2000].to_vec());

    // Errors from the registry itself pass through untouched.
    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/manifests/missing")))).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("MANIFEST_UNKNOWN"));
}
