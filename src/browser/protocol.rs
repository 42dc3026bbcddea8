//! The messages between the page and a hashing worker.
//!
//! Each message is a plain object `{ json, blob? }`: `json` is one of the serde enums below as
//! JSON text (typed on both ends, no hand-written JS), and `blob` carries the `Blob` a
//! [`Source::Blob`] job hashes — Blobs are passed by reference between threads, so the bytes are
//! read by the worker and never cross the page's wasm memory.
//!
//! The conversation:
//!
//! ```text
//! page                                   worker
//!   ─ new Worker(waybill-hasher_loader.js) →
//!                                         ← Ready            (wasm loaded, listening)
//!   ─ Run { id, job } ─────────────────────→
//!                                         ← Progress { id, done }   (at most every PROGRESS_MS)
//!   ─ Cancel { id } (optional) ────────────→
//!                                         ← Finished { id, outcome }
//!   ─ Hash { id, job } + blob ─────────────→   (a file of a dropped archive)
//!                                         ← Progress { id, done }
//!                                         ← Hashed { id, facts }
//! ```
//!
//! A worker runs one job at a time; the pool sends the next job after `Finished` or `Hashed`.

use js_sys::{Object, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use waybill_core::archive::verify::FileFacts;
use waybill_core::digest::Digest;
use waybill_core::media::Compression;
use web_sys::Blob;

/// How often a worker reports progress, at most.
pub const PROGRESS_MS: f64 = 100.0;

/// A registry login, handed to the worker that downloads from that registry (and only there:
/// the core sends it to the registry and its token realm, never to a foreign layer's `urls`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    /// User name.
    pub username: String,
    /// Password or access token.
    pub password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Where a job's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A registry, through Waybill's proxy.
    Registry {
        /// The proxy's origin (the page's), e.g. `http://127.0.0.1:8080`.
        proxy_origin: String,
        /// The registry's API `host[:port]`, e.g. `registry-1.docker.io`.
        api_host: String,
        /// The repository, e.g. `library/ubuntu`.
        repository: String,
        /// The login for this registry, if the user gave one.
        login: Option<Login>,
        /// The layer's `urls` (foreign layers): where the blob may be fetched from when the
        /// registry lacks it.
        urls: Vec<String>,
        /// Whether fetching from `urls` is allowed (the user's "Allow foreign layers").
        allow_urls: bool,
    },
    /// The `Blob` sent with the message.
    Blob,
}

/// One blob to verify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The digest the bytes must hash to.
    pub digest: Digest,
    /// The size they must have.
    pub size: u64,
    /// Where they come from.
    pub source: Source,
    /// Also decompress (gzip/zstd) and hash the content: the layer's diff ID.
    pub diff_id: bool,
}

/// One file of a dropped archive to hash, whatever it should hash to: the archive's metadata
/// is judged against the facts afterwards, by the core (`archive::verify::judge`). Its bytes are
/// the `Blob` sent with the message — a slice of the file, read by the worker, never by the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashJob {
    /// The size the slice must have.
    pub size: u64,
    /// What the archive's index saw in its first bytes: a compressed file's content is
    /// decompressed and hashed too (its diff ID).
    pub compression: Compression,
    /// Also compute its sha512 (a descriptor names it by a sha512 digest).
    pub sha512: bool,
}

/// The page's messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Start a job.
    Run {
        /// The page's id for it.
        id: u32,
        /// The job.
        job: Job,
    },
    /// Hash a file (the `Blob` sent with the message).
    Hash {
        /// The page's id for it.
        id: u32,
        /// The job.
        job: HashJob,
    },
    /// Stop a job (a verify job finishes as [`Verdict::Cancelled`], a hash job with an error).
    Cancel {
        /// Which.
        id: u32,
    },
}

/// The worker's messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is loaded and it listens.
    Ready,
    /// Bytes hashed so far.
    Progress {
        /// The job.
        id: u32,
        /// Bytes done.
        done: u64,
    },
    /// A job ended.
    Finished {
        /// The job.
        id: u32,
        /// How.
        outcome: Outcome,
    },
    /// A hash job ended.
    Hashed {
        /// The job.
        id: u32,
        /// What the file hashed to, or why it could not be read (or that it was cancelled).
        facts: Result<FileFacts, String>,
    },
}

/// The uncompressed content's digest, for a diff_id check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffIdFound {
    /// sha256 of the uncompressed bytes.
    pub digest: Digest,
    /// The compression the magic bytes showed.
    pub compression: Compression,
    /// Uncompressed size.
    pub uncompressed_size: u64,
}

/// The verdict on one blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// Digest and size match.
    Verified {
        /// With `diff_id` asked for: what the content hashed to, or why it could not be
        /// decompressed.
        diff_id: Option<Result<DiffIdFound, String>>,
    },
    /// The bytes hash to another digest.
    Mismatch {
        /// The digest asked for.
        expected: Digest,
        /// What the bytes hash to.
        actual: Digest,
    },
    /// Any other failure (size, network, registry error), said in full.
    Failed {
        /// What happened and what to do.
        message: String,
    },
    /// Not downloaded: the registry lacks it and its urls may not (or cannot) be used.
    NotFetched {
        /// Why.
        message: String,
    },
    /// Stopped on request.
    Cancelled,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Bytes hashed.
    pub bytes: u64,
    /// Milliseconds from the start of the job to its end (download included).
    pub millis: f64,
    /// Where the bytes came from: the registry's URL, a foreign URL, or `blob`.
    pub source: String,
}

/// A message that could not be read (a bug, or a stale worker script from another version).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unreadable worker message: {0}")]
pub struct MessageError(pub String);

/// Builds `{ json, blob? }`.
pub fn encode<T: Serialize>(message: &T, blob: Option<&Blob>) -> Result<JsValue, MessageError> {
    let json = serde_json::to_string(message).map_err(|e| MessageError(e.to_string()))?;
    let object = Object::new();
    let set = |key: &str, value: &JsValue| {
        Reflect::set(&object, &JsValue::from_str(key), value)
            .map(drop)
            .map_err(|_| MessageError(format!("could not set {key}")))
    };
    set("json", &JsValue::from_str(&json))?;
    if let Some(blob) = blob {
        set("blob", blob)?;
    }
    Ok(object.into())
}

/// The field of a packed message that carries bytes (an `Uint8Array` over a transferred buffer).
const BYTES_FIELD: &str = "bytes";

/// Puts `view` into the packed `message`; returns the buffer to transfer with it.
pub fn attach_bytes(message: &JsValue, view: &js_sys::Uint8Array) -> js_sys::ArrayBuffer {
    let _ = Reflect::set(message, &JsValue::from_str(BYTES_FIELD), view);
    view.buffer()
}

/// The bytes a packed message carries, if any.
pub fn bytes_of(data: &JsValue) -> Option<js_sys::Uint8Array> {
    Reflect::get(data, &JsValue::from_str(BYTES_FIELD)).ok()?.dyn_into::<js_sys::Uint8Array>().ok()
}

/// Posts `message` (with `blob`) to `worker`, as [`encode`] packs it. A message that cannot be
/// packed or posted is a bug, not an input: it is logged, and the job it belonged to never hears
/// back.
pub fn post_to_worker<T: Serialize>(worker: &web_sys::Worker, message: &T, blob: Option<&Blob>) {
    match encode(message, blob) {
        Ok(value) => {
            if let Err(e) = worker.post_message(&value) {
                web_sys::console::error_1(&e);
            }
        }
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
    }
}

/// Reads `{ json, blob? }`.
pub fn decode<T: for<'de> Deserialize<'de>>(data: &JsValue) -> Result<(T, Option<Blob>), MessageError> {
    let json = Reflect::get(data, &JsValue::from_str("json"))
        .ok()
        .and_then(|j| j.as_string())
        .ok_or_else(|| MessageError("no json field".to_owned()))?;
    let message = serde_json::from_str(&json).map_err(|e| MessageError(format!("{e} in {json}")))?;
    let blob = Reflect::get(data, &JsValue::from_str("blob")).ok().and_then(|b| b.dyn_into::<Blob>().ok());
    Ok((message, blob))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: char) -> Digest {
        format!("sha256:{}", c.to_string().repeat(64)).parse().unwrap()
    }

    #[test]
    fn json_shape_is_stable() {
        let run = ToWorker::Run {
            id: 7,
            job: Job { digest: digest('a'), size: 3, source: Source::Blob, diff_id: true },
        };
        let text = serde_json::to_string(&run).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"type":"run","id":7,"job":{{"digest":"{}","size":3,"source":{{"kind":"blob"}},"diff_id":true}}}}"#,
                digest('a')
            )
        );
        assert_eq!(serde_json::from_str::<ToWorker>(&text).unwrap(), run);
        let finished = FromWorker::Finished {
            id: 7,
            outcome: Outcome {
                verdict: Verdict::Mismatch { expected: digest('a'), actual: digest('b') },
                bytes: 3,
                millis: 1.5,
                source: "blob".into(),
            },
        };
        let text = serde_json::to_string(&finished).unwrap();
        assert!(text.contains(r#""status":"mismatch""#), "{text}");
        assert_eq!(serde_json::from_str::<FromWorker>(&text).unwrap(), finished);
    }

    #[test]
    fn login_debug_hides_the_password() {
        let login = Login { username: "me".into(), password: "hunter2".into() };
        let shown = format!("{login:?}");
        assert!(shown.contains("me") && !shown.contains("hunter2"), "{shown}");
    }
}
