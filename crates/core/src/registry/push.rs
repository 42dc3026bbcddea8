//! Writing to a registry: upload sessions, cross-repository mounts, chunked blob uploads that
//! resume from the registry's `Range`, and manifest PUTs with the exact bytes.
//!
//! A blob upload is finalised (`PUT ?digest=`) only after its [`BlobSource`] has proved the
//! bytes match the digest and size; otherwise the session is cancelled. Blobs that fit in one
//! chunk are verified *before* any byte is sent and go up in a single `PUT`. Larger ones go up
//! one `PATCH` per chunk, the next chunk being read from the source while the current one is on
//! the wire (so a copy downloads and uploads at the same time, as a streaming client would).

use futures_util::future::join;
use url::Url;

use super::auth::Scope;
use super::blob_source::BlobSource;
use super::chunk::SourceChunk;
use super::client::Client;
use super::errors::Error;
use super::upload::{
    ChunkLimits, ChunkPolicy, Resume, bytes_held, content_range, resolve_location, resume_from, with_digest,
};
use crate::digest::{Digest, Verified};
use crate::transport::{Body, Method, Request, Response, Transport};

/// How many failed chunks one blob upload survives before giving up.
const MAX_CHUNK_FAILURES: u32 = 3;

/// An open upload session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSession {
    /// Where the next request goes (it changes with every response on distribution).
    pub location: Url,
    /// The registry's chunk-size limits.
    pub limits: ChunkLimits,
}

/// The outcome of a cross-repository mount request.
#[derive(Debug)]
pub enum Mount {
    /// The registry linked the blob: nothing to upload.
    Mounted,
    /// The registry could not mount it and opened an upload session instead.
    Upload(UploadSession),
}

impl<T: Transport> Client<T> {
    /// `…/v2/<repository>/blobs/uploads/`.
    pub fn uploads_url(&self, repository: &str) -> Url {
        self.url(&format!("/v2/{repository}/blobs/uploads/"))
    }

    /// Opens an upload session (`POST …/blobs/uploads/`).
    pub async fn start_upload(&self, repository: &str) -> Result<UploadSession, Error> {
        let url = self.uploads_url(repository);
        let request = Request::new(Method::Post, url.as_str()).header("Content-Length", "0");
        let response = self.send(request, &Scope::push(repository)).await?;
        if response.status != 202 {
            return Err(self.fail(Method::Post, &url, response).await);
        }
        session_from(Method::Post, &url, &response)
    }

    /// Asks the registry to link a blob from another repository it holds. Registries that
    /// cannot (distribution without the blob; Pulp, which answers 404 instead of opening a
    /// session as the spec says) get a plain session instead.
    pub async fn mount_blob(&self, repository: &str, digest: &Digest, from: &str) -> Result<Mount, Error> {
        let mut url = self.uploads_url(repository);
        url.query_pairs_mut().append_pair("mount", &digest.to_string()).append_pair("from", from);
        let mut scope = Scope::push(repository);
        scope.merge(&Scope::pull(from));
        let request = Request::new(Method::Post, url.as_str()).header("Content-Length", "0");
        let response = self.send(request, &scope).await?;
        match response.status {
            201 => {
                check_created_digest(Method::Post, &url, &response, digest)?;
                Ok(Mount::Mounted)
            }
            202 => Ok(Mount::Upload(session_from(Method::Post, &url, &response)?)),
            404 => Ok(Mount::Upload(self.start_upload(repository).await?)),
            _ => Err(self.fail(Method::Post, &url, response).await),
        }
    }

    /// Uploads a blob through an open session and finalises it, cancelling the session on any
    /// failure. `progress` is told the bytes the registry has acknowledged.
    pub async fn upload_blob<S: BlobSource<Chunk = T::Chunk>>(
        &self,
        repository: &str,
        mut session: UploadSession,
        source: &mut S,
        policy: ChunkPolicy,
        progress: &dyn Fn(u64),
    ) -> Result<Verified, Error> {
        let result = self.upload_in_session(repository, &mut session, source, policy, progress).await;
        if result.is_err() {
            // Best effort: the registry expires abandoned sessions anyway.
            self.cancel_upload(repository, &session).await;
        }
        result
    }

    async fn upload_in_session<S: BlobSource<Chunk = T::Chunk>>(
        &self,
        repository: &str,
        session: &mut UploadSession,
        source: &mut S,
        policy: ChunkPolicy,
        progress: &dyn Fn(u64),
    ) -> Result<Verified, Error> {
        let size = source.size();
        let digest = source.digest().clone();
        let scope = Scope::push(repository);
        let chunk_size = policy.chunk_size(session.limits);
        if let Some(size) = size.filter(|size| *size <= chunk_size) {
            // Small enough to hold: verify first, then one PUT with the body.
            let piece = if size == 0 { None } else { Some(source.read(0, size).await?) };
            let verified = source.finish().await?;
            let url = with_digest(&session.location, &verified.digest);
            let request = Request::new(Method::Put, url.as_str())
                .header("Content-Type", "application/octet-stream")
                .header("Content-Length", size.to_string())
                .body(piece.map_or(Body::Empty, |p| Body::Chunk(p.data)));
            let response = self.send(request, &scope).await?;
            if response.status != 201 {
                return Err(self.fail(Method::Put, &url, response).await);
            }
            check_created_digest(Method::Put, &url, &response, &verified.digest)?;
            progress(size);
            return Ok(verified);
        }
        // The next read's length: a chunk, or what is left of a blob of known size.
        let want = |offset: u64| size.map_or(chunk_size, |size| chunk_size.min(size - offset));
        let mut offset = 0;
        let mut failures = 0;
        // The next chunk, read while the previous one was on the wire.
        let mut ahead: Option<SourceChunk<T::Chunk>> = None;
        while size.is_none_or(|size| offset < size) {
            let piece = match ahead.take() {
                Some(piece) => piece,
                None => source.read(offset, want(offset)).await?,
            };
            if piece.len == 0 {
                // A made blob's end (a blob of known size never gives an empty read before it).
                break;
            }
            let end = offset + piece.len;
            let url = session.location.clone();
            let request = Request::new(Method::Patch, url.as_str())
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", content_range(offset, piece.len))
                .header("Content-Length", piece.len.to_string())
                .body(Body::Chunk(piece.data));
            // Download and upload overlap: the next chunk is read while this one is sent.
            let read_ahead = async {
                if size.is_none_or(|size| end < size) {
                    Some(source.read(end, want(end)).await)
                } else {
                    None
                }
            };
            let (sent, next) = join(self.send(request, &scope), read_ahead).await;
            let next = next.transpose()?;
            let failure = match sent {
                Ok(response) if response.status == 202 => {
                    session.location = located(Method::Patch, &url, &response)?;
                    if let Some(range) = response.header("Range") {
                        let held = bytes_held(Some(range)).map_err(|source| Error::Upload {
                            method: Method::Patch,
                            url: url.to_string(),
                            source,
                        })?;
                        if held != end {
                            return Err(Error::Protocol {
                                method: Method::Patch,
                                url: url.to_string(),
                                what: format!(
                                    "after bytes {offset}..{end} the registry reports holding {held}"
                                ),
                            });
                        }
                    }
                    offset = end;
                    ahead = next;
                    progress(offset);
                    continue;
                }
                Ok(response) => self.fail(Method::Patch, &url, response).await,
                Err(error) => error,
            };
            failures += 1;
            let resumable = failure.is_transient() || failure.registry().is_some_and(|e| e.status == 416);
            if !resumable || failures > MAX_CHUNK_FAILURES {
                return Err(failure);
            }
            // A registry that just dropped a connection or failed is given the retry rule's
            // backoff before it is asked how much it holds.
            self.pause(self.retry_rule().backoff(failures)).await;
            let held = match self.upload_status(repository, session).await {
                Ok(held) => held,
                Err(status) => {
                    return Err(Error::ResumeFailed { failure: Box::new(failure), status: Box::new(status) });
                }
            };
            offset = match resume_from(held, source.rewind_floor(), end) {
                // The chunk landed after all (only its answer was lost): the one read ahead is next.
                Resume::At(at) if at == end => {
                    ahead = next;
                    at
                }
                Resume::At(at) => at,
                Resume::Restart => {
                    return Err(Error::Source {
                        digest,
                        message: format!(
                            "after a failed chunk ({failure}) the registry holds {held} bytes, fewer than the \
                             stream can resend from ({}); run the copy again",
                            source.rewind_floor()
                        ),
                    });
                }
                Resume::Inconsistent => {
                    return Err(Error::Protocol {
                        method: Method::Get,
                        url: session.location.to_string(),
                        what: format!("the registry reports {held} bytes but only {end} were sent"),
                    });
                }
            };
            progress(offset);
        }
        let verified = source.finish().await?;
        let url = with_digest(&session.location, &verified.digest);
        let request = Request::new(Method::Put, url.as_str()).header("Content-Length", "0");
        let response = self.send(request, &scope).await?;
        if response.status != 201 {
            return Err(self.fail(Method::Put, &url, response).await);
        }
        check_created_digest(Method::Put, &url, &response, &verified.digest)?;
        Ok(verified)
    }

    /// Asks how many bytes of the session the registry holds (`GET <location>` → 204 + `Range`),
    /// taking the fresh `Location` it returns.
    pub async fn upload_status(&self, repository: &str, session: &mut UploadSession) -> Result<u64, Error> {
        let url = session.location.clone();
        let response = self.send(Request::new(Method::Get, url.as_str()), &Scope::push(repository)).await?;
        if response.status != 204 && response.status != 200 {
            return Err(self.fail(Method::Get, &url, response).await);
        }
        if response.header("Location").is_some() {
            session.location = located(Method::Get, &url, &response)?;
        }
        bytes_held(response.header("Range")).map_err(|source| Error::Upload {
            method: Method::Get,
            url: url.to_string(),
            source,
        })
    }

    /// Cancels a session (best effort; registries expire abandoned ones anyway).
    pub async fn cancel_upload(&self, repository: &str, session: &UploadSession) {
        let request = Request::new(Method::Delete, session.location.as_str());
        // Ignored on purpose: the error being reported is the one that made us cancel.
        let _ = self.send(request, &Scope::push(repository)).await;
    }

    /// PUTs a manifest with its exact bytes and media type under a tag or digest; returns its
    /// digest (checked against `Docker-Content-Digest` when the registry sends one).
    pub async fn put_manifest(
        &self,
        repository: &str,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, Error> {
        let url = self.manifest_url(repository, reference);
        let digest = Digest::sha256_of(bytes);
        let request = Request::new(Method::Put, url.as_str())
            .header("Content-Type", media_type)
            .header("Content-Length", bytes.len().to_string())
            .body(Body::Bytes(bytes.to_vec()));
        let response = self.send(request, &Scope::push(repository)).await?;
        if response.status != 201 && response.status != 200 {
            return Err(self.fail(Method::Put, &url, response).await);
        }
        check_created_digest(Method::Put, &url, &response, &digest)?;
        Ok(digest)
    }
}

fn located<B>(method: Method, url: &Url, response: &Response<B>) -> Result<Url, Error> {
    resolve_location(url, response.header("Location")).map_err(|source| Error::Upload {
        method,
        url: url.to_string(),
        source,
    })
}

fn session_from<B>(method: Method, url: &Url, response: &Response<B>) -> Result<UploadSession, Error> {
    let location = located(method, url, response)?;
    let limits = ChunkLimits::from_headers(&response.headers).map_err(|source| Error::Upload {
        method,
        url: url.to_string(),
        source,
    })?;
    Ok(UploadSession { location, limits })
}

/// A 201 that names a different digest than the one sent means the registry stored something
/// else.
fn check_created_digest<B>(
    method: Method,
    url: &Url,
    response: &Response<B>,
    digest: &Digest,
) -> Result<(), Error> {
    let Some(header) = response.header("Docker-Content-Digest") else { return Ok(()) };
    if header.trim() == digest.to_string() {
        return Ok(());
    }
    Err(Error::Protocol {
        method,
        url: url.to_string(),
        what: format!("the registry stored {} instead of {digest}", header.trim()),
    })
}
