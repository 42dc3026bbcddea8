//! What both proxies (`waybill serve`, the Worker) must do in front of the harness's real
//! registries — written once, run through each shell: crates/cli's `serve_registry` and
//! `serve_pulp` through `waybill serve`, crates/edge's `edge_registries` through the Worker. Each
//! shell passes its own repository prefix and image seed, so their runs share nothing in the
//! registries.

use url::Url;

use crate::registry_client::{Auth, Image, OCI_MANIFEST, ProxiedRegistry};
use crate::{authority, client, digest, harness_env, unique};

/// A chunked push through the proxy at `proxy` into the harness's distribution
/// (REGISTRY_STRICT_URL), then every kind of pull: the API root, the manifest by tag and by digest
/// byte for byte, the layer by HEAD, GET (the same bytes as straight from the registry) and Range,
/// and the registry's own errors passed through untouched.
pub async fn push_and_pull_through_distribution(proxy: Url, repo_prefix: &str, seed: u64) {
    let registry = harness_env("REGISTRY_STRICT_URL", "registry");
    let proxied =
        ProxiedRegistry { proxy, route: format!("/r/{}", authority(&registry)), auth: Auth::Anonymous };
    let repo = unique(&format!("{repo_prefix}/push"));
    let image = Image::new(5 * 1024 * 1024 + 123, seed);

    let r = proxied.send(client().get(proxied.url("/v2/"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["docker-distribution-api-version"], "registry/2.0");

    // Chunked push (2 MiB parts, as the app does with its 8 MiB default), then the manifest.
    let manifest_digest = proxied.push(&repo, &image, "v1", 2 * 1024 * 1024).await;
    for reference in ["v1", manifest_digest.as_str()] {
        let r = proxied.get_manifest(&repo, reference).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], OCI_MANIFEST);
        assert_eq!(r.headers()["docker-content-digest"], manifest_digest.as_str());
        assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);
    }

    let layer_digest = digest(&image.layer);
    let blob = proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}"));
    let r = proxied.send(client().head(blob.clone())).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], image.layer.len().to_string().as_str());
    let through = proxied.send(client().get(blob.clone())).await.bytes().await.unwrap();
    assert_eq!(digest(&through), layer_digest);
    let direct = client().get(format!("{registry}/v2/{repo}/blobs/{layer_digest}")).send().await.unwrap();
    assert_eq!(through, direct.bytes().await.unwrap());
    let r = proxied.send(client().get(blob).header("range", "bytes=1000-1999")).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.layer[1000..2000].to_vec());

    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/manifests/missing")))).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("MANIFEST_UNKNOWN"));
}

/// Where the harness's Pulp answers (`scripts/pulp env`).
pub struct Pulp {
    /// The registry API with Basic auth.
    pub api: String,
    /// The registry API with Bearer tokens.
    pub token_api: String,
    /// The content app blob GETs are redirected to.
    pub content: String,
    pub user: String,
    pub password: String,
}

impl Pulp {
    /// The Pulp `scripts/pulp env` describes.
    pub fn from_env() -> Pulp {
        Pulp {
            api: harness_env("PULP_URL", "pulp"),
            token_api: harness_env("PULP_TOKEN_URL", "pulp"),
            content: harness_env("PULP_CONTENT_URL", "pulp"),
            user: harness_env("PULP_USER", "pulp"),
            password: harness_env("PULP_PASSWORD", "pulp"),
        }
    }
}

/// A chunked push with Basic auth through the proxy at `proxy`, the manifest read back, and a
/// blob download that Pulp redirects to its content app (another origin) answered in one
/// response, HEAD and GET. Returns the request path of that blob on the proxy, for the shell's
/// own checks (its access log).
pub async fn chunked_push_and_redirected_blob_download(
    p: &Pulp,
    proxy: Url,
    repo_prefix: &str,
    seed: u64,
) -> String {
    let proxied = ProxiedRegistry {
        proxy,
        route: format!("/r/{}", authority(&p.api)),
        auth: Auth::Basic(p.user.clone(), p.password.clone()),
    };
    let repo = unique(&format!("{repo_prefix}/basic"));
    let image = Image::new(3 * 1024 * 1024 + 7, seed);
    let manifest_digest = proxied.push(&repo, &image, "v1", 1024 * 1024).await;

    let r = proxied.get_manifest(&repo, "v1").await;
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
    let path = format!("/v2/{repo}/blobs/{layer_digest}");
    let r = proxied.send(client().head(proxied.url(&path))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], image.layer.len().to_string().as_str());
    let r = proxied.send(client().get(proxied.url(&path))).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert_eq!(digest(&r.bytes().await.unwrap()), layer_digest);
    format!("{}{path}", proxied.route)
}

/// Pulp's token flow through the proxy at `proxy`: the challenge names a realm on the proxy,
/// tokens are fetched from it with Basic credentials, and with the repository's token an image is
/// pushed, its manifest read and a (redirected) blob downloaded.
pub async fn token_auth_through_the_rewritten_realm(p: &Pulp, proxy: Url, repo_prefix: &str, seed: u64) {
    let route = format!("/r/{}", authority(&p.token_api));
    let anonymous = ProxiedRegistry { proxy: proxy.clone(), route: route.clone(), auth: Auth::Anonymous };

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
    let repo = unique(&format!("{repo_prefix}/token"));
    let token = |scope: Option<String>| {
        let mut url = proxy.join(realm).unwrap();
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

    let proxied = ProxiedRegistry {
        auth: Auth::Bearer(token(Some(format!("repository:{repo}:pull,push"))).await),
        ..ping
    };
    let image = Image::new(1024 * 1024 + 3, seed);
    let manifest_digest = proxied.push(&repo, &image, "v1", 512 * 1024).await;
    let r = proxied.get_manifest(&repo, &manifest_digest).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), image.manifest);
    let layer_digest = digest(&image.layer);
    let r = proxied.send(client().get(proxied.url(&format!("/v2/{repo}/blobs/{layer_digest}")))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(digest(&r.bytes().await.unwrap()), layer_digest);
}
