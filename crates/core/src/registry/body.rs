//! Reading response bodies with a limit: whole small documents (manifests, tokens, tag pages),
//! and the start of error pages.

use url::Url;

use super::errors::Error;
use crate::transport::{Method, ResponseBody, TransportError};

/// Reads a whole body, failing if it exceeds `limit` bytes (manifests, tokens).
pub async fn read_limited<B: ResponseBody>(
    body: &mut B,
    limit: usize,
    method: Method,
    url: &Url,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    while let Some(chunk) =
        body.chunk().await.map_err(|source| Error::Transport { method, url: url.to_string(), source })?
    {
        if out.len() + chunk.len() > limit {
            return Err(Error::Protocol {
                method,
                url: url.to_string(),
                what: format!("response body larger than {limit} bytes"),
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Reads at most `limit` bytes of a body and ignores the rest (error pages).
pub async fn read_prefix<B: ResponseBody>(body: &mut B, limit: usize) -> Result<Vec<u8>, TransportError> {
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(chunk) = body.chunk().await? else { break };
        let room = limit - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(out)
}
