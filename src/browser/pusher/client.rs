//! The page's side of the push worker: starts it on first use, sends it work, relays what it
//! says, and answers its requests for hashes with the page's hashing-worker pool — every file
//! of the archive in parallel, over `Blob` slices of the dropped file.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use waybill_core::archive::load::LoadTarget;
use waybill_core::archive::verify::FileFacts;
use web_sys::{Blob, MessageEvent};

use super::protocol::{CopySettings, Endpoint, FileHashes, FileRequest, FromPusher, PushSettings, ToPusher};
use crate::browser::pool::WorkerPool;
use crate::browser::protocol::{HashJob, decode, post_to_worker};
use crate::browser::spawn::{self, Spawned, absolute};

/// The push worker's JS glue (Trunk's `data-type="worker"` output), beside the page.
pub const PUSHER_JS: &str = "waybill-pusher.js";
/// The push worker's wasm module.
pub const PUSHER_WASM: &str = "waybill-pusher_bg.wasm";

/// What the page hears.
#[derive(Clone, Debug)]
pub enum Event {
    /// A message from the push worker.
    Message(FromPusher),
    /// A file of the archive is being hashed: bytes done.
    HashProgress {
        /// The file's offset (its key).
        offset: u64,
        /// Bytes hashed.
        done: u64,
    },
    /// A file's hashing ended.
    FileHashed {
        /// The file's offset.
        offset: u64,
        /// Its facts, or why there are none.
        result: Result<FileFacts, String>,
    },
    /// The push worker could not start, or failed.
    Crashed(String),
}

/// A handle on one push worker; the worker ends when the last handle is dropped.
#[derive(Clone)]
pub struct Pusher {
    inner: Rc<Inner>,
}

struct Inner {
    spawned: Spawned,
    ready: Cell<bool>,
    waiting: RefCell<Vec<(ToPusher, Option<Blob>)>>,
    file: RefCell<Option<Blob>>,
    pool: WorkerPool,
    hashing: RefCell<Vec<u32>>,
    on_event: Rc<dyn Fn(Event)>,
}

impl Pusher {
    /// Starts the push worker found in `dir` (relative to the page); files are hashed by `pool`.
    pub fn start(dir: &str, pool: WorkerPool, on_event: impl Fn(Event) + 'static) -> Result<Pusher, String> {
        let spawned =
            Spawned::new("the push worker", &absolute(dir, PUSHER_JS), &absolute(dir, PUSHER_WASM))?;
        let inner = Rc::new(Inner {
            spawned,
            ready: Cell::new(false),
            waiting: RefCell::default(),
            file: RefCell::default(),
            pool,
            hashing: RefCell::default(),
            on_event: Rc::new(on_event),
        });
        inner.spawned.listen(&inner, on_message, |inner, event| {
            let detail = spawn::load_failure(event, PUSHER_JS, PUSHER_WASM);
            inner.spawned.loaded();
            (inner.on_event)(Event::Crashed(format!("the push worker failed: {detail}")));
        });
        Ok(Pusher { inner })
    }

    /// Opens `file` (answered by [`FromPusher::Opened`] or `Failed`).
    pub fn open(&self, file: Blob) {
        *self.inner.file.borrow_mut() = Some(file.clone());
        self.send(ToPusher::Open, Some(file));
    }

    /// Pushes image `image` of the opened archive.
    pub fn push(&self, image: usize, target: Endpoint, settings: PushSettings) {
        self.send(ToPusher::Push { image, target, settings }, None);
    }

    /// Pushes several images of the opened archive (a bundle).
    pub fn load(&self, targets: Vec<LoadTarget>, target: Endpoint, settings: PushSettings) {
        self.send(ToPusher::Load { targets, target, settings }, None);
    }

    /// Mirrors the tags of `source` that `include` and `exclude` choose into `target`.
    pub fn mirror(
        &self,
        source: Endpoint,
        target: Endpoint,
        (include, exclude): (Vec<String>, Vec<String>),
        allow_foreign_layers: bool,
    ) {
        self.send(ToPusher::Mirror { source, target, include, exclude, allow_foreign_layers }, None);
    }

    /// Copies between registries.
    pub fn copy(&self, source: Endpoint, target: Endpoint, settings: CopySettings) {
        self.send(ToPusher::Copy { source, target, settings }, None);
    }

    /// Stops the running push or copy, hashing included.
    pub fn cancel(&self) {
        let ids: Vec<u32> = self.inner.hashing.borrow().clone();
        for id in ids {
            self.inner.pool.cancel(id);
        }
        self.send(ToPusher::Cancel, None);
    }

    fn send(&self, message: ToPusher, blob: Option<Blob>) {
        if self.inner.ready.get() {
            post_to_worker(&self.inner.spawned.worker, &message, blob.as_ref());
        } else {
            self.inner.waiting.borrow_mut().push((message, blob));
        }
    }
}

fn on_message(inner: &Rc<Inner>, event: &MessageEvent) {
    let message = match decode::<FromPusher>(&event.data()) {
        Ok((message, _)) => message,
        Err(e) => {
            (inner.on_event)(Event::Crashed(e.to_string()));
            return;
        }
    };
    match &message {
        FromPusher::Ready => {
            inner.ready.set(true);
            inner.spawned.loaded();
            let waiting: Vec<_> = inner.waiting.borrow_mut().drain(..).collect();
            for (message, blob) in waiting {
                post_to_worker(&inner.spawned.worker, &message, blob.as_ref());
            }
            return;
        }
        FromPusher::NeedHashes { files } => hash_files(inner, files.clone()),
        _ => {}
    }
    (inner.on_event)(Event::Message(message));
}

/// Hashes every file in the pool, all queued at once (the pool runs as many as it has workers),
/// and sends the facts to the push worker when the last one is in.
fn hash_files(inner: &Rc<Inner>, files: Vec<FileRequest>) {
    let Some(file) = inner.file.borrow().clone() else {
        post_to_worker(
            &inner.spawned.worker,
            &ToPusher::Hashes { facts: Err("the page holds no file to hash".into()) },
            None,
        );
        return;
    };
    let results: Rc<RefCell<FileHashes>> = Rc::default();
    let remaining = Rc::new(Cell::new(files.len()));
    if files.is_empty() {
        post_to_worker(&inner.spawned.worker, &ToPusher::Hashes { facts: Ok(Vec::new()) }, None);
        return;
    }
    for request in files {
        let offset = request.offset;
        let end = request.offset + request.size;
        let slice = match file.slice_with_f64_and_f64(offset as f64, end as f64) {
            Ok(slice) => slice,
            Err(e) => {
                let message =
                    format!("the browser could not slice the file: {}", crate::browser::fetch::describe(&e));
                record(inner, &results, &remaining, offset, Err(message));
                continue;
            }
        };
        let job = HashJob { size: request.size, compression: request.compression, sha512: request.sha512 };
        let on_event = inner.on_event.clone();
        let submitted =
            inner.pool.submit_hash(job, slice, move |done| on_event(Event::HashProgress { offset, done }));
        inner.hashing.borrow_mut().push(submitted.id);
        let (weak, results, remaining) = (Rc::downgrade(inner), results.clone(), remaining.clone());
        let id = submitted.id;
        wasm_bindgen_futures::spawn_local(async move {
            let facts = submitted.facts().await;
            let Some(inner) = weak.upgrade() else { return };
            inner.hashing.borrow_mut().retain(|&i| i != id);
            record(&inner, &results, &remaining, offset, facts);
        });
    }
}

fn record(
    inner: &Rc<Inner>,
    results: &Rc<RefCell<FileHashes>>,
    remaining: &Rc<Cell<usize>>,
    offset: u64,
    facts: Result<FileFacts, String>,
) {
    (inner.on_event)(Event::FileHashed { offset, result: facts.clone() });
    results.borrow_mut().push((offset, facts));
    remaining.set(remaining.get() - 1);
    if remaining.get() > 0 {
        return;
    }
    let results = std::mem::take(&mut *results.borrow_mut());
    // Cancelled hashing stops the whole push; other failures are the verification's to judge.
    let cancelled = results.iter().any(|(_, f)| f.as_ref().is_err_and(|e| e == "cancelled"));
    let facts = if cancelled { Err("cancelled".to_owned()) } else { Ok(results) };
    post_to_worker(&inner.spawned.worker, &ToPusher::Hashes { facts }, None);
}
