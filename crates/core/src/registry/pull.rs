//! Reading from a registry: manifests (GET/HEAD, digest checked against the bytes) and blobs
//! (streamed through the [`Verifier`], a chunk at a time).

use url::Url;

use super::auth::Scope;
use super::body::read_limited;
use super::client::Client;
use super::errors::Error;
use crate::digest::{Digest, Verified, Verifier};
use crate::manifest::MAX_MANIFEST_SIZE;
use crate::media::MANIFEST_ACCEPT;
use crate::transport::{Method, Request, ResponseBody, Transport};

/// A manifest exactly as the registry sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedManifest {
    /// The raw bytes (pushed again byte for byte, invariant 1).
    pub bytes: Vec<u8>,
    /// The `Content-Type` the registry sent, without parameters.
    pub media_type: Option<String>,
    /// The digest of the bytes (sha256, or the algorithm the reference named).
    pub digest: Digest,
}

/// What a manifest HEAD says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestHead {
    /// `Docker-Content-Digest`.
    pub digest: Option<Digest>,
    /// `Content-Type`, without parameters.
    pub media_type: Option<String>,
    /// `Content-Length`.
    pub size: Option<u64>,
}

fn media_type_of(value: Option<&str>) -> Option<String> {
    let media = value?.split(';').next()?.trim();
    (!media.is_empty()).then(|| media.to_owned())
}

fn header_u64(value: Option<&str>) -> Option<u64> {
    value?.trim().parse().ok()
}

impl<T: Transport> Client<T> {
    /// `…/v2/<repository>/manifests/<reference>`.
    pub fn manifest_url(&self, repository: &str, reference: &str) -> Url {
        self.url(&format!("/v2/{repository}/manifests/{reference}"))
    }

    /// `…/v2/<repository>/blobs/<digest>`.
    pub fn blob_url(&self, repository: &str, digest: &Digest) -> Url {
        self.url(&format!("/v2/{repository}/blobs/{digest}"))
    }

    /// Fetches a manifest by tag or digest. The bytes must hash to the digest the reference
    /// names (if it is one) and to the `Docker-Content-Digest` the registry sent (if any).
    pub async fn get_manifest(&self, repository: &str, reference: &str) -> Result<FetchedManifest, Error> {
        let url = self.manifest_url(repository, reference);
        let request = Request::new(Method::Get, url.as_str()).header("Accept", MANIFEST_ACCEPT.join(", "));
        let mut response = self.send(request, &Scope::pull(repository)).await?;
        if response.status != 200 {
            return Err(self.fail(Method::Get, &url, response).await);
        }
        let bytes = read_limited(&mut response.body, MAX_MANIFEST_SIZE, Method::Get, &url).await?;
        let mismatch = |claimed: &Digest, source: &str| {
            let actual = Digest::of(claimed.algorithm(), &bytes);
            (actual != *claimed).then(|| Error::Protocol {
                method: Method::Get,
                url: url.to_string(),
                what: format!(
                    "{source} is {claimed} but the manifest's {} bytes hash to {actual}; the registry (or \
                     something between) altered the manifest",
                    bytes.len()
                ),
            })
        };
        let named: Option<Digest> = reference.parse().ok();
        if let Some(error) = named.as_ref().and_then(|d| mismatch(d, "the requested digest")) {
            return Err(error);
        }
        if let Some(header) =
            response.header("Docker-Content-Digest").and_then(|h| h.trim().parse::<Digest>().ok())
            && let Some(error) = mismatch(&header, "Docker-Content-Digest")
        {
            return Err(error);
        }
        let digest = named.unwrap_or_else(|| Digest::sha256_of(&bytes));
        Ok(FetchedManifest { media_type: media_type_of(response.header("Content-Type")), bytes, digest })
    }

    /// HEADs a manifest: `None` if the registry does not have it. Does not count against Docker
    /// Hub's pull limit.
    pub async fn head_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<Option<ManifestHead>, Error> {
        let url = self.manifest_url(repository, reference);
        let request = Request::new(Method::Head, url.as_str()).header("Accept", MANIFEST_ACCEPT.join(", "));
        let response = self.send(request, &Scope::pull(repository)).await?;
        match response.status {
            200 => Ok(Some(ManifestHead {
                digest: response.header("Docker-Content-Digest").and_then(|h| h.trim().parse().ok()),
                media_type: media_type_of(response.header("Content-Type")),
                size: header_u64(response.header("Content-Length")),
            })),
            404 => Ok(None),
            _ => Err(self.fail(Method::Head, &url, response).await),
        }
    }

    /// Whether the repository holds the blob with the declared size. A HEAD that answers with a
    /// different size or digest is an error: the registry's copy is not this blob.
    pub async fn blob_present(
        &self,
        repository: &str,
        digest: &Digest,
        size: u64,
        scope: &Scope,
    ) -> Result<bool, Error> {
        let url = self.blob_url(repository, digest);
        let response = self.send(Request::new(Method::Head, url.as_str()), scope).await?;
        match response.status {
            200 => {
                let claimed: Option<Digest> =
                    response.header("Docker-Content-Digest").and_then(|h| h.trim().parse().ok());
                let length = header_u64(response.header("Content-Length"));
                if claimed.as_ref().is_some_and(|c| c != digest) || length.is_some_and(|l| l != size) {
                    return Err(Error::Protocol {
                        method: Method::Head,
                        url: url.to_string(),
                        what: format!(
                            "the registry holds a blob under {digest} whose digest/size is {}/{} instead of \
                             {digest}/{size}",
                            claimed.map_or("?".to_owned(), |c| c.to_string()),
                            length.map_or("?".to_owned(), |l| l.to_string()),
                        ),
                    });
                }
                Ok(true)
            }
            404 => Ok(false),
            _ => Err(self.fail(Method::Head, &url, response).await),
        }
    }

    /// Starts downloading a blob; its chunks are verified as they arrive (digest, and the size if
    /// known).
    pub async fn get_blob(
        &self,
        repository: &str,
        digest: &Digest,
        size: Option<u64>,
    ) -> Result<BlobStream<T::Body>, Error> {
        let url = self.blob_url(repository, digest);
        let response = self.send(Request::new(Method::Get, url.as_str()), &Scope::pull(repository)).await?;
        if response.status != 200 {
            return Err(self.fail(Method::Get, &url, response).await);
        }
        Ok(BlobStream::new(response.body, url, digest.clone(), size))
    }
}

/// A blob download in progress: every chunk passes the [`Verifier`]; the end of the stream is
/// where the digest is checked.
pub struct BlobStream<B> {
    body: B,
    url: Url,
    verifier: Option<Verifier>,
    verified: Option<Verified>,
    /// The foreign layer's url, when `url` is the mirror the user named for it.
    mirror_for: Option<String>,
}

impl<B: ResponseBody> BlobStream<B> {
    /// Wraps a response body.
    pub fn new(body: B, url: Url, digest: Digest, size: Option<u64>) -> BlobStream<B> {
        BlobStream {
            body,
            url,
            verifier: Some(Verifier::new(digest, size)),
            verified: None,
            mirror_for: None,
        }
    }

    /// Says in every error that the bytes come from a mirror standing for `url`: a mirror
    /// serving the wrong blob is the site's to fix, not the image's.
    pub(crate) fn mirrored_for(mut self, url: &Url) -> BlobStream<B> {
        self.mirror_for = Some(url.to_string());
        self
    }

    /// The next chunk, or `None` once the blob ended and verified. A blob longer than declared
    /// fails as soon as the excess arrives; a wrong digest or a short blob fails at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let next = self.next_verified().await;
        match (&self.mirror_for, next) {
            (Some(url), Err(source)) => Err(Error::Mirror {
                mirror: self.url.to_string(),
                url: url.clone(),
                source: Box::new(source),
            }),
            (_, next) => next,
        }
    }

    async fn next_verified(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let Some(verifier) = self.verifier.as_mut() else { return Ok(None) };
        let chunk = self.body.chunk().await.map_err(|source| Error::Transport {
            method: Method::Get,
            url: self.url.to_string(),
            source,
        })?;
        match chunk {
            Some(chunk) => {
                verifier.update(&chunk)?;
                Ok(Some(chunk))
            }
            None => {
                let verifier = self.verifier.take().ok_or_else(|| Error::Protocol {
                    method: Method::Get,
                    url: self.url.to_string(),
                    what: "blob stream read after its end".into(),
                })?;
                self.verified = Some(verifier.finish()?);
                Ok(None)
            }
        }
    }

    /// Bytes received so far.
    pub fn bytes_read(&self) -> u64 {
        match (&self.verifier, &self.verified) {
            (Some(v), _) => v.bytes_seen(),
            (None, Some(v)) => v.size,
            (None, None) => 0,
        }
    }

    /// The verification result, once the stream has ended.
    pub fn verified(&self) -> Option<&Verified> {
        self.verified.as_ref()
    }

    /// The URL the blob came from.
    pub fn url(&self) -> &Url {
        &self.url
    }
}
