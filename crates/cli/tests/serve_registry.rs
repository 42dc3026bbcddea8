//! `waybill serve` in front of the real Debian `docker-registry` (distribution 2.8) from the
//! harness: a chunked push and every kind of pull, through the proxy (the scenario in
//! crates/test-support/src/scenarios.rs, which crates/edge's `edge_registries` runs through the
//! Worker).
//!
//! Needs `scripts/registry up` and `eval "$(scripts/registry env)"` (REGISTRY_STRICT_URL).

mod support;

use support::serve::scenarios::push_and_pull_through_distribution;
use support::serve::{Server, authority, harness_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn push_and_pull_an_image_through_the_proxy() {
    let host = authority(&harness_env("REGISTRY_STRICT_URL", "registry"));
    let config = format!("[proxy]\ndefault_hosts = false\nplain_http_hosts = [\"{host}\"]\n");
    let server = tokio::task::spawn_blocking(move || Server::start(&config)).await.unwrap();
    push_and_pull_through_distribution(server.base.parse().unwrap(), "waybill-proxy", 0x5eed).await;
}
