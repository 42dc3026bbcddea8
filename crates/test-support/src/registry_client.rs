//! Just enough of the distribution protocol to push and pull an image through the proxy the way
//! the app will: chunked uploads following the (rewritten) `Location`s, a manifest PUT, GETs.

use reqwest::{RequestBuilder, Response};
use url::Url;

use crate::{client, digest};

/// Credentials for the upstream, sent as `Authorization`.
#[derive(Clone, Debug)]
pub enum Auth {
    /// None.
    Anonymous,
    /// Basic.
    Basic(String, String),
    /// A bearer token.
    Bearer(String),
}

impl Auth {
    /// Adds the credentials to a request.
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::Anonymous => request,
            Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token),
        }
    }
}

/// A registry reached through the proxy: `proxy` is the server's origin, `route` the
/// `/r/<host:port>` prefix.
pub struct ProxiedRegistry {
    /// `http://127.0.0.1:<port>` of `waybill serve`.
    pub proxy: Url,
    /// `/r/<host:port>`.
    pub route: String,
    /// Credentials.
    pub auth: Auth,
}

/// A small OCI image: config, one layer, manifest.
pub struct Image {
    /// The config blob.
    pub config: Vec<u8>,
    /// The layer blob.
    pub layer: Vec<u8>,
    /// The manifest bytes.
    pub manifest: Vec<u8>,
}

/// The OCI manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

impl Image {
    /// An image whose single (uncompressed-tar media type) layer is `layer_len` pseudo-random bytes.
    pub fn new(layer_len: usize, seed: u64) -> Image {
        let layer = crate::noise(layer_len, seed);
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": { "type": "layers", "diff_ids": [digest(&layer)] },
        }))
        .unwrap();
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(&config), "size": config.len() },
            "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(&layer), "size": layer.len() }],
        }))
        .unwrap();
        Image { config, layer, manifest }
    }
}

impl ProxiedRegistry {
    /// The proxy URL of a registry API path (`/v2/…`).
    pub fn url(&self, api_path: &str) -> Url {
        self.proxy.join(&format!("{}{api_path}", self.route)).unwrap()
    }

    /// Sends a request with the credentials.
    pub async fn send(&self, request: RequestBuilder) -> Response {
        self.auth.apply(request).send().await.unwrap()
    }

    /// `GET /v2/<repo>/manifests/<reference>`, accepting the OCI manifest the tests push.
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Response {
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        self.send(client().get(url).header("accept", OCI_MANIFEST)).await
    }

    /// Uploads `data` to `repo` in chunks of `chunk` bytes (POST, PATCH…, PUT ?digest=),
    /// checking every step the way the app will, and returns the digest.
    pub async fn upload_chunked(&self, repo: &str, data: &[u8], chunk: usize) -> String {
        let c = client();
        let r = self
            .send(c.post(self.url(&format!("/v2/{repo}/blobs/uploads/"))).header("content-length", "0"))
            .await;
        assert_eq!(r.status(), 202, "POST upload: {}", r.text().await.unwrap());
        let mut location = self.next_location(&r);
        let mut offset = 0usize;
        for part in data.chunks(chunk) {
            let end = offset + part.len() - 1;
            let r = self
                .send(
                    c.patch(location.clone())
                        .header("content-type", "application/octet-stream")
                        .header("content-range", format!("{offset}-{end}"))
                        .body(part.to_vec()),
                )
                .await;
            assert_eq!(r.status(), 202, "PATCH {offset}-{end}");
            assert_eq!(
                r.headers()["range"],
                format!("0-{end}"),
                "the registry's Range after PATCH {offset}-{end}"
            );
            location = self.next_location(&r);
            offset = end + 1;
        }
        let d = digest(data);
        let mut put = location.clone();
        put.query_pairs_mut().append_pair("digest", &d);
        let r = self.send(c.put(put).header("content-length", "0")).await;
        let status = r.status();
        let got = r.headers().get("docker-content-digest").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(status, 201, "PUT ?digest: {}", r.text().await.unwrap());
        assert_eq!(got.as_deref(), Some(d.as_str()));
        d
    }

    /// Pushes an image: both blobs chunked, then the manifest under `tag`. Returns the
    /// manifest's digest.
    pub async fn push(&self, repo: &str, image: &Image, tag: &str, chunk: usize) -> String {
        self.upload_chunked(repo, &image.config, chunk).await;
        self.upload_chunked(repo, &image.layer, chunk).await;
        let r = self
            .send(
                client()
                    .put(self.url(&format!("/v2/{repo}/manifests/{tag}")))
                    .header("content-type", OCI_MANIFEST)
                    .body(image.manifest.clone()),
            )
            .await;
        let status = r.status();
        let headers = r.headers().clone();
        assert_eq!(status, 201, "PUT manifest: {}", r.text().await.unwrap());
        let d = digest(&image.manifest);
        assert_eq!(headers["docker-content-digest"], d.as_str());
        let location = headers["location"].to_str().unwrap();
        assert!(
            location.starts_with(&format!("{}/v2/{repo}/manifests/", self.route)),
            "manifest Location {location}"
        );
        d
    }

    /// The upload `Location` of a response, which must point back at the proxy.
    fn next_location(&self, r: &Response) -> Url {
        let location = r.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with(&format!("{}/v2/", self.route)),
            "Location {location} does not go through the proxy route {}",
            self.route
        );
        self.proxy.join(location).unwrap()
    }
}
