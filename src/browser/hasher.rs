//! What a hashing worker does: runs [`Job`]s and answers the page (see [`protocol`]).
//!
//! A registry job downloads the blob itself, through the proxy, with the core's registry
//! [`Client`] (authentication, token retry, error bodies) and [`BlobStream`] (every chunk through
//! the core `Verifier`); a foreign layer the registry lacks comes from its `urls` via the core's
//! [`fetch_foreign`], and only when the job allows it. A `Blob` job reads the `Blob` through its
//! byte stream into the same `Verifier`. With `diff_id` set, every chunk also goes through the core's
//! [`DiffIdHasher`] (gzip/zstd decompression and sha256 of the tar). A [`HashJob`] hashes a file of
//! a dropped archive with the core's [`FileHasher`], for the core to judge afterwards.
//!
//! [`protocol`]: super::protocol
//! [`BlobStream`]: waybill_core::registry::BlobStream

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use waybill_core::archive::verify::{FileFacts, FileHasher};
use waybill_core::diffid::DiffIdHasher;
use waybill_core::digest::{Verifier, VerifyError};
use waybill_core::registry::{Client, Credentials, Error};
use waybill_core::transfer::foreign::fetch_foreign;
use waybill_core::transfer::foreign_mirror::ForeignMirrors;
use web_sys::{AbortController, Blob, DedicatedWorkerGlobalScope, MessageEvent};

use super::blob::BlobStream;
use super::fetch::FetchTransport;
use super::protocol::{
    self, DiffIdFound, FromWorker, HashJob, Job, Login, Outcome, PROGRESS_MS, Source, ToWorker, Verdict,
};
use super::time::{now_ms, unix_seconds};

/// Stops one job: the flag is checked between chunks, the abort ends a pending fetch or read.
#[derive(Debug)]
pub struct JobControl {
    cancelled: Cell<bool>,
    abort: Option<AbortController>,
}

impl JobControl {
    /// A control for a new job.
    pub fn new() -> JobControl {
        JobControl { cancelled: Cell::new(false), abort: AbortController::new().ok() }
    }

    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(abort) = &self.abort {
            abort.abort();
        }
    }

    /// Whether it was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }
}

impl Default for JobControl {
    fn default() -> JobControl {
        JobControl::new()
    }
}

/// Counts bytes, feeds the diff-ID hasher, and reports progress at most every [`PROGRESS_MS`].
struct Sink<'a> {
    diff: Option<DiffIdHasher>,
    diff_error: Option<String>,
    bytes: u64,
    last_report: f64,
    report: &'a dyn Fn(u64),
}

impl Sink<'_> {
    fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        // A decompression failure does not stop the download: the digest still says whether
        // the blob is the one the manifest names.
        if self.diff_error.is_none()
            && let Some(diff) = &mut self.diff
            && let Err(e) = diff.update(chunk)
        {
            self.diff_error = Some(e.to_string());
        }
        let now = now_ms();
        if now - self.last_report >= PROGRESS_MS {
            self.last_report = now;
            (self.report)(self.bytes);
        }
    }

    fn diff_id(self) -> Option<Result<DiffIdFound, String>> {
        let diff = self.diff?;
        if let Some(e) = self.diff_error {
            return Some(Err(e));
        }
        Some(diff.finish().map_err(|e| e.to_string()).map(|d| DiffIdFound {
            digest: d.digest,
            compression: d.compression,
            uncompressed_size: d.uncompressed_size,
        }))
    }
}

/// Runs one job to its end; `report` receives the bytes done so far.
pub async fn run(job: &Job, blob: Option<Blob>, control: &JobControl, report: &dyn Fn(u64)) -> Outcome {
    let started = now_ms();
    let mut sink = Sink {
        diff: job.diff_id.then(DiffIdHasher::new),
        diff_error: None,
        bytes: 0,
        last_report: started,
        report,
    };
    // The first report tells the page the job left the queue, so its rate counts from here.
    report(0);
    let (result, source) = match (&job.source, blob) {
        (Source::Registry { proxy_origin, api_host, repository, login, urls, allow_urls }, _) => {
            let registry =
                RegistryBlob { proxy_origin, api_host, repository, login, urls, allow_urls: *allow_urls };
            from_registry(job, &registry, control, &mut sink).await
        }
        (Source::Blob, Some(blob)) => (from_blob(job, blob, control, &mut sink).await, "blob".to_owned()),
        (Source::Blob, None) => (
            Err(Verdict::Failed {
                message: "the page sent a Blob job without a Blob (a Waybill bug)".into(),
            }),
            "blob".to_owned(),
        ),
    };
    let bytes = sink.bytes;
    let verdict = match result {
        _ if control.is_cancelled() => Verdict::Cancelled,
        Ok(()) => Verdict::Verified { diff_id: sink.diff_id() },
        Err(verdict) => verdict,
    };
    (report)(bytes);
    Outcome { verdict, bytes, millis: now_ms() - started, source }
}

/// The fields of a [`Source::Registry`].
struct RegistryBlob<'a> {
    proxy_origin: &'a str,
    api_host: &'a str,
    repository: &'a str,
    login: &'a Option<Login>,
    urls: &'a [String],
    allow_urls: bool,
}

/// Downloads the blob from its registry (or, if allowed, a foreign layer from its urls).
async fn from_registry(
    job: &Job,
    registry: &RegistryBlob<'_>,
    control: &JobControl,
    sink: &mut Sink<'_>,
) -> (Result<(), Verdict>, String) {
    let RegistryBlob { proxy_origin, api_host, repository, login, urls, allow_urls } = *registry;
    let mut transport = FetchTransport::new(proxy_origin);
    if let Some(abort) = &control.abort {
        transport = transport.with_signal(abort.signal());
    }
    let base = transport.registry_base(api_host);
    let client = match Client::new(transport, &base) {
        Ok(client) => client
            .with_credentials(login.as_ref().map(|l| Credentials::new(&l.username, &l.password)))
            .with_clock(Rc::new(unix_seconds)),
        Err(e) => return (Err(failed(e)), base),
    };
    let registry_url = client.blob_url(repository, &job.digest).to_string();
    let mut stream = match client.get_blob(repository, &job.digest, Some(job.size)).await {
        Ok(stream) => stream,
        Err(e) if e.registry().is_some_and(|r| r.status == 404) && !urls.is_empty() => {
            if !allow_urls {
                let message = format!(
                    "the registry does not serve this foreign layer, and fetching it from its urls ({}) is \
                     not allowed: tick \"Allow foreign layers\" to fetch it from there",
                    urls.join(", ")
                );
                return (Err(Verdict::NotFetched { message }), registry_url);
            }
            match fetch_foreign(client.transport(), &ForeignMirrors::default(), urls, &job.digest, job.size)
                .await
            {
                Ok(stream) => stream,
                Err(e) => {
                    let message =
                        format!("the registry does not serve this foreign layer, and its urls failed: {e}");
                    return (Err(Verdict::NotFetched { message }), registry_url);
                }
            }
        }
        Err(e) => return (Err(failed(e)), registry_url),
    };
    let source = stream.url().to_string();
    loop {
        if control.is_cancelled() {
            return (Err(Verdict::Cancelled), source);
        }
        match stream.next().await {
            Ok(Some(chunk)) => sink.feed(&chunk),
            Ok(None) => return (Ok(()), source),
            Err(e) => return (Err(failed(e)), source),
        }
    }
}

/// Reads the page's Blob through the core `Verifier` ([`BlobStream`]: one reused buffer).
async fn from_blob(job: &Job, blob: Blob, control: &JobControl, sink: &mut Sink<'_>) -> Result<(), Verdict> {
    let mut verifier = Verifier::new(job.digest.clone(), Some(job.size));
    let mut stream =
        BlobStream::new(&blob, HASH_BUFFER).map_err(|e| Verdict::Failed { message: e.to_string() })?;
    loop {
        if control.is_cancelled() {
            return Err(Verdict::Cancelled);
        }
        match stream.next().await {
            Ok(Some(chunk)) => {
                verifier.update(chunk).map_err(verify_failed)?;
                sink.feed(chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(Verdict::Failed { message: e.to_string() }),
        }
    }
    verifier.finish().map(drop).map_err(verify_failed)
}

/// How much of a `Blob` a job reads at once, into one reused buffer ([`BlobStream`]); the
/// hashing rate does not depend on it from 64 KiB to 8 MiB (design.md).
pub const HASH_BUFFER: u32 = 1024 * 1024;

/// Hashes a file of a dropped archive (the `Blob`, a slice of it) with the core's
/// [`FileHasher`]; `report` receives the bytes done so far, at most every [`PROGRESS_MS`].
pub async fn hash(
    job: &HashJob,
    blob: Blob,
    control: &JobControl,
    report: &dyn Fn(u64),
) -> Result<FileFacts, String> {
    if blob.size() as u64 != job.size {
        return Err(format!(
            "the file holds {} bytes where the archive's index says {}: choose the file again",
            blob.size() as u64,
            job.size
        ));
    }
    report(0);
    let mut hasher = FileHasher::new(job.compression, job.sha512);
    let mut stream = BlobStream::new(&blob, HASH_BUFFER).map_err(|e| e.to_string())?;
    let mut last_report = now_ms();
    loop {
        if control.is_cancelled() {
            return Err("cancelled".to_owned());
        }
        match stream.next().await {
            Ok(Some(chunk)) => hasher.update(chunk),
            Ok(None) => break,
            Err(e) => return Err(e.to_string()),
        }
        let now = now_ms();
        if now - last_report >= PROGRESS_MS {
            last_report = now;
            report(stream.offset());
        }
    }
    if stream.offset() != job.size {
        return Err(format!(
            "the file gave {} bytes where {} were expected: choose the file again",
            stream.offset(),
            job.size
        ));
    }
    report(stream.offset());
    Ok(hasher.finish())
}

fn verify_failed(e: VerifyError) -> Verdict {
    match e {
        VerifyError::Mismatch { expected, actual, .. } => Verdict::Mismatch { expected, actual },
        other => Verdict::Failed { message: other.to_string() },
    }
}

fn failed(e: Error) -> Verdict {
    match e {
        Error::Verify(v) => verify_failed(v),
        other => Verdict::Failed { message: other.to_string() },
    }
}

/// The jobs running, by id: what a `Cancel` reaches.
type Jobs = Rc<RefCell<HashMap<u32, Rc<JobControl>>>>;

/// Posts an answer to the page.
type Post = Rc<dyn Fn(&FromWorker)>;

/// Runs job `id` in the background, where a `Cancel` reaches it until it ends: `work` does it,
/// given its control and what to tell bytes done to, and gives the answer posted at its end.
/// Hash and Run jobs differ only in their work and answer.
fn spawn_job(
    jobs: &Jobs,
    post: &Post,
    id: u32,
    work: impl AsyncFnOnce(&JobControl, &dyn Fn(u64)) -> FromWorker + 'static,
) {
    let control = Rc::new(JobControl::new());
    jobs.borrow_mut().insert(id, control.clone());
    let (jobs, post) = (jobs.clone(), post.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let progress = |done: u64| post(&FromWorker::Progress { id, done });
        let answer = work(&control, &progress).await;
        jobs.borrow_mut().remove(&id);
        post(&answer);
    });
}

/// The worker's main loop: listens for [`ToWorker`] messages, runs jobs (several may overlap),
/// and posts [`FromWorker`] answers. Call once, from the worker binary's `main`.
pub fn serve() -> Result<(), JsValue> {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    let jobs: Jobs = Rc::default();
    let post_scope = scope.clone();
    let post: Post = Rc::new(move |message: &FromWorker| {
        // Encoding a serde enum cannot fail; posting to the page only fails once it is gone.
        if let Ok(value) = protocol::encode(message, None) {
            let _ = post_scope.post_message(&value);
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let (message, blob) = match protocol::decode::<ToWorker>(&event.data()) {
            Ok(decoded) => decoded,
            Err(e) => {
                web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
                return;
            }
        };
        match message {
            ToWorker::Cancel { id } => {
                if let Some(control) = jobs.borrow().get(&id) {
                    control.cancel();
                }
            }
            ToWorker::Hash { id, job } => spawn_job(&jobs, &post, id, async move |control, progress| {
                let facts = match blob {
                    Some(blob) => hash(&job, blob, control, progress).await,
                    None => Err("the page sent a hash job without a Blob (a Waybill bug)".to_owned()),
                };
                FromWorker::Hashed { id, facts }
            }),
            ToWorker::Run { id, job } => spawn_job(&jobs, &post, id, async move |control, progress| {
                FromWorker::Finished { id, outcome: run(&job, blob, control, progress).await }
            }),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker does.
    on_message.forget();
    if let Ok(ready) = protocol::encode(&FromWorker::Ready, None) {
        scope.post_message(&ready)?;
    }
    Ok(())
}
