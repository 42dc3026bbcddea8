//! The pure parts of a blob upload session: where the next request goes, how big a chunk may be,
//! what the registry says it holds, and where to resume after a failed chunk.
//!
//! A session is `POST /v2/<name>/blobs/uploads/` (202 and a `Location`, relative on Pulp and
//! absolute with a `_state` query on distribution), then `PATCH <location>` per chunk with
//! `Content-Range: <first>-<last>` (each 202 carries the next `Location` and a `Range: 0-<last>`
//! of what the registry holds), then `PUT <location>?digest=<digest>`.

use url::Url;

/// The default chunk size: large enough that the per-request overhead vanishes, small enough
/// to keep memory bounded (design.md, invariant 5).
pub const DEFAULT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// GHCR refuses PATCH bodies over 4 MiB.
pub const GHCR_MAX_CHUNK_SIZE: u64 = 4 * 1024 * 1024;

/// Why an upload response could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// `Location` missing where the protocol requires it.
    #[error("the registry's upload response has no Location header")]
    MissingLocation,
    /// `Location` that is not a URL.
    #[error("the registry's upload Location {location:?} is not a valid URL: {reason}")]
    BadLocation {
        /// The header value.
        location: String,
        /// The parser's complaint.
        reason: String,
    },
    /// `Range` that is not `[bytes=]0-<n>`.
    #[error("the registry's Range header {0:?} is not of the form 0-<last byte>")]
    BadRange(String),
    /// `OCI-Chunk-Min-Length` / `-Max-Length` that is not a positive number.
    #[error("the registry's {header} header {value:?} is not a positive number of bytes")]
    BadChunkLength {
        /// Which header.
        header: &'static str,
        /// Its value.
        value: String,
    },
}

/// Resolves a `Location` header against the URL of the request it answered.
pub fn resolve_location(request_url: &Url, location: Option<&str>) -> Result<Url, UploadError> {
    let location = location.map(str::trim).filter(|l| !l.is_empty()).ok_or(UploadError::MissingLocation)?;
    request_url
        .join(location)
        .map_err(|e| UploadError::BadLocation { location: location.to_owned(), reason: e.to_string() })
}

/// The URL that completes an upload: the session URL with `digest=` added to its query (kept, as
/// distribution's `_state` must be).
pub fn with_digest(location: &Url, digest: &crate::digest::Digest) -> Url {
    let mut url = location.clone();
    url.query_pairs_mut().append_pair("digest", &digest.to_string());
    url
}

/// `Content-Range` for `len` bytes at `offset` (inclusive end, no unit, as the distribution spec
/// and Pulp's parser want). `len` must be positive.
pub fn content_range(offset: u64, len: u64) -> String {
    format!("{offset}-{}", offset + len.saturating_sub(1))
}

/// How many bytes the registry holds, from its `Range` header.
///
/// `0-<last>` means `last + 1` bytes — except `0-0`, which Pulp and distribution both send for an
/// empty session (and which would also describe a single byte: treated as empty, the reading
/// every real upload needs). A missing header means nothing received. `bytes=` is tolerated.
pub fn bytes_held(range: Option<&str>) -> Result<u64, UploadError> {
    let Some(raw) = range else { return Ok(0) };
    let bad = || UploadError::BadRange(raw.to_owned());
    let text = raw.trim();
    let text = text.strip_prefix("bytes=").unwrap_or(text);
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let start: u64 = start.trim().parse().map_err(|_| bad())?;
    let end: u64 = end.trim().parse().map_err(|_| bad())?;
    if start != 0 {
        return Err(bad());
    }
    Ok(if end == 0 { 0 } else { end + 1 })
}

/// The chunk-size rule: the user's preference (default 8 MiB), optionally capped by a registry
/// profile, then kept within what the registry announced in `OCI-Chunk-Min-Length` and
/// `OCI-Chunk-Max-Length`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkPolicy {
    /// The size the user asked for.
    pub preferred: u64,
    /// A profile cap (GHCR: 4 MiB), applied before the registry's own limits.
    pub profile_max: Option<u64>,
}

impl Default for ChunkPolicy {
    fn default() -> ChunkPolicy {
        ChunkPolicy { preferred: DEFAULT_CHUNK_SIZE, profile_max: None }
    }
}

/// The registry's announced limits, from the POST that opened a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkLimits {
    /// `OCI-Chunk-Min-Length`: every chunk but the last must be at least this long.
    pub min: Option<u64>,
    /// `OCI-Chunk-Max-Length`: no chunk may be longer.
    pub max: Option<u64>,
}

impl ChunkLimits {
    /// Reads the limits from response headers.
    pub fn from_headers(headers: &[(String, String)]) -> Result<ChunkLimits, UploadError> {
        let read = |header: &'static str| -> Result<Option<u64>, UploadError> {
            let Some((_, value)) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(header)) else {
                return Ok(None);
            };
            match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(UploadError::BadChunkLength { header, value: value.clone() }),
            }
        };
        Ok(ChunkLimits { min: read("OCI-Chunk-Min-Length")?, max: read("OCI-Chunk-Max-Length")? })
    }
}

impl ChunkPolicy {
    /// The policy for a preferred size (at least one byte).
    pub fn new(preferred: u64) -> ChunkPolicy {
        ChunkPolicy { preferred: preferred.max(1), profile_max: None }
    }

    /// The GHCR profile: the preference capped at 4 MiB.
    pub fn ghcr(preferred: u64) -> ChunkPolicy {
        ChunkPolicy { preferred: preferred.max(1), profile_max: Some(GHCR_MAX_CHUNK_SIZE) }
    }

    /// The chunk size for a session with these limits. The registry's maximum wins over its
    /// minimum if the two contradict, because a chunk over the maximum is refused outright.
    pub fn chunk_size(&self, limits: ChunkLimits) -> u64 {
        let mut size = self.preferred;
        if let Some(cap) = self.profile_max {
            size = size.min(cap);
        }
        if let Some(min) = limits.min {
            size = size.max(min);
        }
        if let Some(max) = limits.max {
            size = size.min(max);
        }
        size.max(1)
    }
}

/// What to do after a chunk failed, given what the registry now holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Continue from this offset (within what the source can still serve).
    At(u64),
    /// The registry holds less than the source can go back to: start the blob over.
    Restart,
    /// The registry claims more than was sent: the session is not ours to trust.
    Inconsistent,
}

/// Decides where to continue. `held` is what the registry reports; `rewind_floor` the earliest
/// offset the source can serve again (0 for a file, the start of the buffered chunk for a
/// stream); `sent_end` the end of the last byte range sent.
pub fn resume_from(held: u64, rewind_floor: u64, sent_end: u64) -> Resume {
    if held > sent_end {
        Resume::Inconsistent
    } else if held < rewind_floor {
        Resume::Restart
    } else {
        Resume::At(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn relative_and_absolute_locations() {
        let req = Url::parse("http://127.0.0.1:24817/v2/a/b/blobs/uploads/").unwrap();
        let pulp = resolve_location(&req, Some("/v2/a/b/blobs/uploads/0192-ab")).unwrap();
        assert_eq!(pulp.as_str(), "http://127.0.0.1:24817/v2/a/b/blobs/uploads/0192-ab");
        let dist =
            resolve_location(&req, Some("http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=xyz%3D"))
                .unwrap();
        assert_eq!(dist.as_str(), "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=xyz%3D");
        // Through the proxy, a rewritten location keeps the proxy prefix.
        let proxied = Url::parse("http://127.0.0.1:8080/r/ghcr.io/v2/o/i/blobs/uploads/").unwrap();
        let loc = resolve_location(&proxied, Some("/r/ghcr.io/v2/o/i/blobs/upload/s1")).unwrap();
        assert_eq!(loc.as_str(), "http://127.0.0.1:8080/r/ghcr.io/v2/o/i/blobs/upload/s1");
        assert_eq!(resolve_location(&req, None), Err(UploadError::MissingLocation));
        assert_eq!(resolve_location(&req, Some("  ")), Err(UploadError::MissingLocation));
        assert!(matches!(resolve_location(&req, Some("http://[::1")), Err(UploadError::BadLocation { .. })));
    }

    #[test]
    fn digest_query_keeps_state() {
        let loc = Url::parse("http://r/v2/a/blobs/uploads/u?_state=abc").unwrap();
        let d = crate::digest::Digest::sha256_of(b"");
        assert_eq!(
            with_digest(&loc, &d).as_str(),
            "http://r/v2/a/blobs/uploads/u?_state=abc&digest=sha256%3Ae3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(content_range(0, 8), "0-7");
        assert_eq!(content_range(8_388_608, 8_388_608), "8388608-16777215");
        assert_eq!(bytes_held(None), Ok(0));
        assert_eq!(bytes_held(Some("0-0")), Ok(0));
        assert_eq!(bytes_held(Some("0-8388607")), Ok(8_388_608));
        assert_eq!(bytes_held(Some("bytes=0-99")), Ok(100));
        assert_eq!(bytes_held(Some(" 0 - 9 ")), Ok(10));
        for bad in ["", "5-9", "0-", "-9", "0-x", "abc", "0-99/100"] {
            assert_eq!(bytes_held(Some(bad)), Err(UploadError::BadRange(bad.to_owned())), "{bad}");
        }
    }

    #[test]
    fn chunk_sizing() {
        let none = ChunkLimits::default();
        assert_eq!(ChunkPolicy::default().chunk_size(none), 8 * 1024 * 1024);
        assert_eq!(ChunkPolicy::new(1024).chunk_size(none), 1024);
        assert_eq!(ChunkPolicy::new(0).chunk_size(none), 1);
        assert_eq!(ChunkPolicy::ghcr(DEFAULT_CHUNK_SIZE).chunk_size(none), 4 * 1024 * 1024);
        assert_eq!(ChunkPolicy::ghcr(1 << 20).chunk_size(none), 1 << 20);
        // ECR-like minimum raises a small preference; a maximum lowers a large one.
        let ecr = ChunkLimits { min: Some(5_242_880), max: None };
        assert_eq!(ChunkPolicy::new(1 << 20).chunk_size(ecr), 5_242_880);
        let capped = ChunkLimits { min: None, max: Some(1 << 20) };
        assert_eq!(ChunkPolicy::default().chunk_size(capped), 1 << 20);
        let contradictory = ChunkLimits { min: Some(10), max: Some(5) };
        assert_eq!(ChunkPolicy::default().chunk_size(contradictory), 5);
        // A registry minimum beats the GHCR profile cap.
        assert_eq!(ChunkPolicy::ghcr(DEFAULT_CHUNK_SIZE).chunk_size(ecr), 5_242_880);
    }

    #[test]
    fn chunk_limit_headers() {
        let l = ChunkLimits::from_headers(&headers(&[("oci-chunk-min-length", "5242880")])).unwrap();
        assert_eq!(l, ChunkLimits { min: Some(5_242_880), max: None });
        let l = ChunkLimits::from_headers(&headers(&[("OCI-Chunk-Max-Length", " 4194304 ")])).unwrap();
        assert_eq!(l.max, Some(4_194_304));
        assert!(ChunkLimits::from_headers(&headers(&[("OCI-Chunk-Min-Length", "0")])).is_err());
        assert!(ChunkLimits::from_headers(&headers(&[("OCI-Chunk-Min-Length", "-1")])).is_err());
        assert_eq!(ChunkLimits::from_headers(&[]).unwrap(), ChunkLimits::default());
    }

    #[test]
    fn resume_decisions() {
        // The chunk 8..16 failed; the registry kept only the first chunk: resend from 8.
        assert_eq!(resume_from(8, 8, 16), Resume::At(8));
        // The chunk actually landed (the response was lost): continue at 16.
        assert_eq!(resume_from(16, 8, 16), Resume::At(16));
        // Part of the chunk landed: a file or buffered chunk can serve from 12.
        assert_eq!(resume_from(12, 8, 16), Resume::At(12));
        // The registry lost data the stream can no longer replay.
        assert_eq!(resume_from(4, 8, 16), Resume::Restart);
        // A file source can always rewind.
        assert_eq!(resume_from(4, 0, 16), Resume::At(4));
        assert_eq!(resume_from(20, 8, 16), Resume::Inconsistent);
    }
}
