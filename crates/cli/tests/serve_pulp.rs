//! `waybill serve` in front of the real Pulp from the harness: a chunked push with Basic auth,
//! blob downloads that Pulp redirects to its content app (another origin), and the Bearer token
//! flow through the rewritten realm on the token-auth API (the scenarios in
//! crates/test-support/src/scenarios.rs, which crates/edge's `edge_registries` runs through the
//! Worker).
//!
//! Needs `scripts/pulp up` and `eval "$(scripts/pulp env)"` (PULP_URL, PULP_TOKEN_URL,
//! PULP_CONTENT_URL, PULP_USER, PULP_PASSWORD).

mod support;

use support::serve::scenarios::{
    Pulp, chunked_push_and_redirected_blob_download, token_auth_through_the_rewritten_realm,
};
use support::serve::{Server, authority};

/// The proxy with all three Pulp servers as plain-HTTP loopback registries.
async fn proxy_for(p: &Pulp) -> Server {
    let config = format!(
        "[proxy]\ndefault_hosts = false\nplain_http_hosts = [\"{}\", \"{}\", \"{}\"]\n",
        authority(&p.api),
        authority(&p.token_api),
        authority(&p.content)
    );
    tokio::task::spawn_blocking(move || Server::start(&config)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chunked_push_and_redirected_blob_download_through_the_server() {
    let p = Pulp::from_env();
    let server = proxy_for(&p).await;
    let blob =
        chunked_push_and_redirected_blob_download(&p, server.base.parse().unwrap(), "waybill-proxy", 0xb10b)
            .await;
    // The access log shows one answer for the redirected GET.
    server.wait_for_log(|l| l.starts_with(&format!("GET {blob} 200")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn token_auth_through_the_server() {
    let p = Pulp::from_env();
    let server = proxy_for(&p).await;
    token_auth_through_the_rewritten_realm(&p, server.base.parse().unwrap(), "waybill-proxy", 0x70c3).await;
}
