//! A pool of hashing workers: the page's (Verify), and the push worker's own (an archive's
//! files, hashed without a message passing through the page).
//!
//! Workers are started on the first job (so the hashing wasm is only downloaded when someone
//! verifies), up to the pool's size; each runs one job at a time and the rest wait in a queue.
//! A job's owner gets progress through a callback and the [`Outcome`] through
//! [`Submitted::outcome`] (a hash job's facts through [`SubmittedHash::facts`]). Callbacks run after the pool's own state is released, so they may
//! submit or cancel jobs themselves.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, Event, MessageEvent, Worker};

use waybill_core::archive::verify::FileFacts;

use super::protocol::{self, FromWorker, HashJob, Job, Outcome, ToWorker, Verdict};
use super::spawn::{self, absolute, revoke};

/// Where Trunk puts the worker (`data-type="worker"`), relative to the page: wasm-bindgen's
/// no-modules glue and the wasm module.
pub const WORKER_DIR: &str = "./";
/// The worker's JS glue, in [`WORKER_DIR`].
pub const WORKER_JS: &str = "waybill-hasher.js";
/// The worker's wasm module, in [`WORKER_DIR`].
pub const WORKER_WASM: &str = "waybill-hasher_bg.wasm";

/// Workers used at most, whatever the machine reports.
pub const MAX_WORKERS: usize = 8;

type Progress = Rc<dyn Fn(u64)>;

/// What a queued job asks for.
enum Work {
    Verify(Job),
    Hash(HashJob),
}

struct Queued {
    id: u32,
    work: Work,
    blob: Option<Blob>,
}

/// How a job ended, as the worker (or the pool, for jobs that never reached one) said.
enum Reply {
    Outcome(Outcome),
    Facts(Result<FileFacts, String>),
}

struct Listener {
    progress: Progress,
    done: oneshot::Sender<Reply>,
}

struct Slot {
    key: u32,
    worker: Worker,
    /// The bootstrap's object URL, revoked once the worker loaded (or failed to).
    bootstrap: Option<String>,
    ready: bool,
    job: Option<u32>,
    // Held so the handlers live as long as the worker.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

struct Inner {
    /// Absolute URLs of the worker's glue and module.
    js: String,
    wasm: String,
    size: usize,
    slots: Vec<Slot>,
    queue: VecDeque<Queued>,
    listeners: HashMap<u32, Listener>,
    next_id: u32,
    next_key: u32,
}

/// A pool of hashing workers. Cloning gives another handle to the same pool.
#[derive(Clone)]
pub struct WorkerPool {
    inner: Rc<RefCell<Inner>>,
}

/// A submitted job.
pub struct Submitted {
    /// The pool's id for it (for [`WorkerPool::cancel`]).
    pub id: u32,
    done: oneshot::Receiver<Reply>,
}

const GONE: &str = "the hashing worker went away before answering";

impl Submitted {
    /// Waits for the job's end.
    pub async fn outcome(self) -> Outcome {
        match self.done.await {
            Ok(Reply::Outcome(outcome)) => outcome,
            Ok(Reply::Facts(_)) => {
                failure("the hashing worker answered a verify job with a hash (a Waybill bug)")
            }
            Err(_) => failure(GONE),
        }
    }
}

/// A submitted hash job.
pub struct SubmittedHash {
    /// The pool's id for it (for [`WorkerPool::cancel`]).
    pub id: u32,
    done: oneshot::Receiver<Reply>,
}

impl SubmittedHash {
    /// Waits for the file's facts, or why there are none ("cancelled" when it was).
    pub async fn facts(self) -> Result<FileFacts, String> {
        match self.done.await {
            Ok(Reply::Facts(facts)) => facts,
            Ok(Reply::Outcome(Outcome { verdict: Verdict::Cancelled, .. })) => Err("cancelled".to_owned()),
            Ok(Reply::Outcome(Outcome { verdict: Verdict::Failed { message }, .. })) => Err(message),
            Ok(Reply::Outcome(other)) => Err(format!("unexpected answer to a hash job: {:?}", other.verdict)),
            Err(_) => Err(GONE.to_owned()),
        }
    }
}

impl WorkerPool {
    /// A pool running the worker found in `dir` (see [`WORKER_DIR`]; relative to the page) in
    /// at most `size` workers (1 to [`MAX_WORKERS`]). No worker starts until the first job.
    pub fn new(dir: &str, size: usize) -> WorkerPool {
        WorkerPool::with_files(absolute(dir, WORKER_JS), absolute(dir, WORKER_WASM), size)
    }

    /// A pool sized to the machine, started from inside another of Waybill's workers (the push
    /// worker): the hashing worker's files are beside that worker's own.
    pub fn beside_this_worker() -> Result<WorkerPool, String> {
        let (own_js, _) = spawn::own_files().ok_or("this worker was not started with its files recorded")?;
        let dir = &own_js[..own_js.rfind('/').map_or(0, |at| at + 1)];
        Ok(WorkerPool::with_files(format!("{dir}{WORKER_JS}"), format!("{dir}{WORKER_WASM}"), cores()))
    }

    fn with_files(js: String, wasm: String, size: usize) -> WorkerPool {
        let inner = Inner {
            js,
            wasm,
            size: size.clamp(1, MAX_WORKERS),
            slots: Vec::new(),
            queue: VecDeque::new(),
            listeners: HashMap::new(),
            next_id: 1,
            next_key: 1,
        };
        WorkerPool { inner: Rc::new(RefCell::new(inner)) }
    }

    /// A pool sized to the machine: `navigator.hardwareConcurrency`, at most [`MAX_WORKERS`].
    pub fn for_this_machine(dir: &str) -> WorkerPool {
        WorkerPool::new(dir, cores())
    }

    /// How many workers it may run.
    pub fn size(&self) -> usize {
        self.inner.borrow().size
    }

    /// Queues a job; `progress` receives the bytes done so far as the worker reports them.
    /// `blob` is required for [`protocol::Source::Blob`] jobs.
    pub fn submit(&self, job: Job, blob: Option<Blob>, progress: impl Fn(u64) + 'static) -> Submitted {
        let (id, done) = self.enqueue(Work::Verify(job), blob, Rc::new(progress));
        Submitted { id, done }
    }

    /// Queues a hash job over `blob` (a file of a dropped archive, or a slice of one).
    pub fn submit_hash(&self, job: HashJob, blob: Blob, progress: impl Fn(u64) + 'static) -> SubmittedHash {
        let (id, done) = self.enqueue(Work::Hash(job), Some(blob), Rc::new(progress));
        SubmittedHash { id, done }
    }

    fn enqueue(&self, work: Work, blob: Option<Blob>, progress: Progress) -> (u32, oneshot::Receiver<Reply>) {
        let (done, receiver) = oneshot::channel();
        let id = {
            let mut inner = self.inner.borrow_mut();
            let id = inner.next_id;
            inner.next_id = inner.next_id.wrapping_add(1).max(1);
            inner.listeners.insert(id, Listener { progress, done });
            inner.queue.push_back(Queued { id, work, blob });
            id
        };
        self.pump();
        (id, receiver)
    }

    /// Cancels a job: a queued one ends at once, a running one as soon as its worker stops.
    pub fn cancel(&self, id: u32) {
        let mut inner = self.inner.borrow_mut();
        if let Some(at) = inner.queue.iter().position(|q| q.id == id) {
            inner.queue.remove(at);
            let listener = inner.listeners.remove(&id);
            drop(inner);
            if let Some(listener) = listener {
                let _ = listener.done.send(Reply::Outcome(cancelled()));
            }
            return;
        }
        if let Some(slot) = inner.slots.iter().find(|s| s.job == Some(id)) {
            protocol::post_to_worker(&slot.worker, &ToWorker::Cancel { id }, None);
        }
    }

    /// Cancels every queued and running job.
    pub fn cancel_all(&self) {
        let ids: Vec<u32> = {
            let inner = self.inner.borrow();
            inner.queue.iter().map(|q| q.id).chain(inner.slots.iter().filter_map(|s| s.job)).collect()
        };
        for id in ids {
            self.cancel(id);
        }
    }

    /// Starts workers as the queue needs them and hands queued jobs to idle, ready workers.
    fn pump(&self) {
        let mut inner = self.inner.borrow_mut();
        let busy = inner.slots.iter().filter(|s| s.job.is_some() || !s.ready).count();
        let wanted = (busy + inner.queue.len()).min(inner.size);
        while inner.slots.len() < wanted {
            match self.spawn(&mut inner) {
                Ok(slot) => inner.slots.push(slot),
                Err(message) => {
                    let failed: Vec<Listener> = {
                        let ids: Vec<u32> = inner.queue.drain(..).map(|q| q.id).collect();
                        ids.iter().filter_map(|id| inner.listeners.remove(id)).collect()
                    };
                    drop(inner);
                    for listener in failed {
                        let _ = listener.done.send(Reply::Outcome(failure(&message)));
                    }
                    return;
                }
            }
        }
        while let Some(at) = inner.slots.iter().position(|s| s.ready && s.job.is_none()) {
            let Some(next) = inner.queue.pop_front() else { break };
            let slot = &mut inner.slots[at];
            slot.job = Some(next.id);
            let message = match next.work {
                Work::Verify(job) => ToWorker::Run { id: next.id, job },
                Work::Hash(job) => ToWorker::Hash { id: next.id, job },
            };
            protocol::post_to_worker(&slot.worker, &message, next.blob.as_ref());
        }
    }

    /// Starts a worker (see [`spawn::start`]).
    fn spawn(&self, inner: &mut Inner) -> Result<Slot, String> {
        let spawn::Started { worker, bootstrap } =
            spawn::start("the hashing worker", &inner.js, &inner.wasm)?;
        let key = inner.next_key;
        inner.next_key += 1;
        let pool = Rc::downgrade(&self.inner);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            on_message(&pool, key, &event);
        });
        let pool = Rc::downgrade(&self.inner);
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            on_error(&pool, key, &event);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Slot {
            key,
            worker,
            bootstrap: Some(bootstrap),
            ready: false,
            job: None,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

fn on_message(pool: &Weak<RefCell<Inner>>, key: u32, event: &MessageEvent) {
    let Some(inner) = pool.upgrade() else { return };
    let message = match protocol::decode::<FromWorker>(&event.data()) {
        Ok((message, _)) => message,
        Err(e) => {
            web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
            return;
        }
    };
    match message {
        FromWorker::Ready => {
            if let Some(slot) = inner.borrow_mut().slots.iter_mut().find(|s| s.key == key) {
                slot.ready = true;
                revoke(slot.bootstrap.take());
            }
        }
        FromWorker::Progress { id, done } => {
            let progress = inner.borrow().listeners.get(&id).map(|l| l.progress.clone());
            if let Some(progress) = progress {
                progress(done);
            }
            return;
        }
        FromWorker::Finished { id, outcome } => finished(&inner, key, id, Reply::Outcome(outcome)),
        FromWorker::Hashed { id, facts } => finished(&inner, key, id, Reply::Facts(facts)),
    }
    WorkerPool { inner }.pump();
}

/// A job ended: its worker is free again, its owner gets the reply.
fn finished(inner: &Rc<RefCell<Inner>>, key: u32, id: u32, reply: Reply) {
    let listener = {
        let mut state = inner.borrow_mut();
        if let Some(slot) = state.slots.iter_mut().find(|s| s.key == key) {
            slot.job = None;
        }
        state.listeners.remove(&id)
    };
    if let Some(listener) = listener {
        let _ = listener.done.send(reply);
    }
}

/// A worker failed: its script did not load, or its wasm trapped. Its job fails with the
/// browser's message; a worker that never became ready takes the queue down with it (the next
/// one would fail the same way), one that did is replaced on the next job.
fn on_error(pool: &Weak<RefCell<Inner>>, key: u32, event: &Event) {
    let Some(inner) = pool.upgrade() else { return };
    event.prevent_default();
    // A script that fails to load fires a plain `Event`; a trap fires an `ErrorEvent` with a message.
    let detail = js_sys::Reflect::get(event, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "the script failed to load".to_owned());
    let mut failed = Vec::new();
    let message;
    {
        let mut state = inner.borrow_mut();
        let Some(at) = state.slots.iter().position(|s| s.key == key) else { return };
        let mut slot = state.slots.remove(at);
        slot.worker.terminate();
        revoke(slot.bootstrap.take());
        message = if slot.ready {
            format!("the hashing worker failed: {detail}")
        } else {
            format!(
                "the hashing worker could not start ({detail}); are {} and {} served?",
                state.js, state.wasm
            )
        };
        if let Some(id) = slot.job {
            failed.extend(state.listeners.remove(&id));
        }
        if !slot.ready {
            let ids: Vec<u32> = state.queue.drain(..).map(|q| q.id).collect();
            failed.extend(ids.iter().filter_map(|id| state.listeners.remove(id)));
        }
    }
    for listener in failed {
        let _ = listener.done.send(Reply::Outcome(failure(&message)));
    }
    WorkerPool { inner }.pump();
}

fn cancelled() -> Outcome {
    Outcome { verdict: Verdict::Cancelled, bytes: 0, millis: 0.0, source: String::new() }
}

fn failure(message: &str) -> Outcome {
    Outcome {
        verdict: Verdict::Failed { message: message.to_owned() },
        bytes: 0,
        millis: 0.0,
        source: String::new(),
    }
}

/// `navigator.hardwareConcurrency`, on a page or in a worker (2 where it is not told).
fn cores() -> usize {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"));
    let cores = navigator.and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("hardwareConcurrency")));
    cores.ok().and_then(|c| c.as_f64()).map_or(2, |c| c as usize)
}
