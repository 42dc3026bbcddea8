//! `waybill serve` in front of the real Pulp from the harness: a chunked push with Basic auth,
//! blob downloads that Pulp redirects to its content app (another origin), and the Bearer token
//! flow through the rewritten realm on the token-auth API.
//!
//! Needs `scripts/pulp up` and `eval "$(scripts/pulp env)"` (PULP_URL, PULP_TOKEN_URL,
//! PULP_CONTENT_URL, PULP_USER, PULP_PASSWORD).

mod support;

use support::registry_client::{Auth, Image, OCI_MANIFEST, ProxiedRegistry};
use support::{Server, authority, client, digest, harness_env, unique};

struct Pulp {
    api: String,
    token_api: String,
    content: String,
    user: String,
    password: String,
}

fn pulp() -> Pulp {
    Pulp {
        api: harness_env("PULP_URL", "pulp"),
        token_api: harness_env("PULP_TOKEN_URL", "pulp"),
        content: harness_env("PULP_CONTENT_URL", "pulp"),
        user: harness_env("PULP_USER", "pulp"),
        password: harness_env("PULP_PASSWORD", "pulp"),
    }
}

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
async fn chunked_push_and_redirected_blob_download() {
    let p = pulp();
    let server = proxy_for(&p).await;
    let proxied = ProxiedRegistry {
        proxy: server.base.parse().unwrap(),
        route: format!("/r/{}", authority(&p.api)),
        auth: Auth::Basic(p.user.clone(), p.password.clone()),
    };
    let repo = unique("waybill-proxy/basic");
    let image = Image::new(3 * 1024 * 1024 + 7, 0xb10b);
    let manifest_digest = proxied.push(&repo, &image, "v1", 1024 * 1024).await;

    let r = proxied
        .send(client().get(proxied.url(&format!("/v2/{repo}/manifests/v1"))).header("accept", OCI_MANIFEST))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["docker-content-digest"], manifest_digest.as_str());
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);

    // Pulp answers a blob GET with a redirect to its content app, on another origin…
    let layer_digest = digest(&image.layer);
    let direct = Auth::Basic(p.user.clone(), p.password.clone())
        .apply(client().get(format!("{}/v2/{repo}/blobs/{layer_digest}", p.api)))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 302, "precondition: Pulp redirects blob GETs");
    assert!(direct.headers()["location"].to_str().unwrap().starts_with(&p.content));
    // …which the proxy follows, so the browser gets the answer in one response: HEAD and GET.
    let r = proxied.send(client().head(proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}")))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], image.layer.len().to_string().as_str());
    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}")))).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert_eq!(digest(&r.bytes().await.unwrap()), layer_digest);
    server.wait_for_log(|l| {
        l.starts_with(&format!("GET /r/{}/v2/{repo}/blobs/{layer_digest} 200", authority(&p.api)))
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn token_auth_through_the_rewritten_realm() {
    let p = pulp();
    let server = proxy_for(&p).await;
    let token_host = authority(&p.token_api);
    let route = format!("/r/{token_host}");
    let anonymous =
        ProxiedRegistry { proxy: server.base.parse().unwrap(), route: route.clone(), auth: Auth::Anonymous };

    // The challenge names a realm on the proxy.
    let r = anonymous.send(client().get(anonymous.url("/v2/"))).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let parsed = waybill_core::challenge::parse_challenges(&challenge).unwrap();
    let bearer =
        parsed.iter().find(|c| c.is("bearer")).unwrap_or_else(|| panic!("no Bearer challenge: {challenge}"));
    let realm = bearer.param("realm").unwrap();
    assert_eq!(realm, format!("{route}/token/"), "{challenge}");
    let service = bearer.param("service").unwrap().to_owned();

    // Token requests go to the rewritten realm, through the proxy, with Basic credentials: one
    // without a scope for the /v2/ check (Pulp refuses a repository-scoped token there with
    // "insufficient_scope"), one for the repository.
    let repo = unique("waybill-proxy/token");
    let token = |scope: Option<String>| {
        let mut url = server.base.parse::<url::Url>().unwrap().join(realm).unwrap();
        url.query_pairs_mut().append_pair("service", &service);
        if let Some(scope) = scope {
            url.query_pairs_mut().append_pair("scope", &scope);
        }
        let request = client().get(url).basic_auth(&p.user, Some(&p.password));
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 200);
            let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            body["token"].as_str().expect("a token").to_owned()
        }
    };
    let ping = ProxiedRegistry { auth: Auth::Bearer(token(None).await), ..anonymous };
    assert_eq!(ping.send(client().get(ping.url("/v2/"))).await.status(), 200);

    // With the repository token: push, pull the manifest, download a blob (redirected to the
    // content app).
    let proxied = ProxiedRegistry {
        auth: Auth::Bearer(token(Some(format!("repository:{repo}:pull,push"))).await),
        ..ping
    };
    let image = Image::new(1024 * 1024 + 3, 0x70c3);
    let manifest_digest = proxied.push(&repo, &image, "v1", 512 * 1024).await;
    let r = proxied
        .send(
            client()
                .get(proxied.url(&format!("/v2/{repo}/manifests/{manifest_digest}")))
                .header("accept", OCI_MANIFEST),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);
    let layer_digest = digest(&image.layer);
    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}")))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(digest(&r.bytes().await.unwrap()), layer_digest);
}
