//! The explorer's hashing helper: a second explorer worker that hashes a layer's uncompressed
//! bytes (for the core's diff ID check) while this one inflates them and reads the tar, so the
//! two run on two cores. In wasm, sha256 costs more than inflating (≈ 2.5 s against ≈ 2 s for a
//! 256 MiB gzip layer of 516 MiB, scripts/bench layers), which left the listing slower than
//! `tar -tzf` with both on one thread.
//!
//! The bytes go over in pieces of [`PIECE`], each copied once out of wasm memory into an
//! `ArrayBuffer` that is transferred, not copied again, and that the helper transfers back once
//! hashed, to be filled again: a handful of buffers go round, and none is left for the collector
//! (which let 120 MiB of them pile up before it ran). At most [`IN_FLIGHT`] bytes are posted and
//! not yet hashed: the reading loop waits on [`Pacer::wait`] before it reads more, so memory
//! stays bounded however fast the layer inflates. The core still judges the digest
//! ([`waybill_core::layers::reader::judge`]); the helper only computes it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use wasm_bindgen::prelude::*;
use waybill_core::digest::{Algorithm, Digest, Hasher};
use waybill_core::layers::ContentHasher;
use web_sys::{MessageEvent, Worker};

use super::protocol::{FromExplorer, ToExplorer};
use crate::browser::protocol::{attach_bytes, bytes_of, decode, encode};
use crate::browser::spawn::{self, Spawned};

/// Bytes per message to the helper.
pub const PIECE: usize = 2 * 1024 * 1024;

/// Bytes posted to the helper and not yet hashed, at most (before the reader waits).
pub const IN_FLIGHT: u64 = 6 * 1024 * 1024;

/// One hashing job, as this side follows it.
#[derive(Default)]
struct Job {
    /// Posted, not yet acknowledged as hashed.
    outstanding: u64,
    /// The reader waiting for `outstanding` to drop.
    wake: Option<oneshot::Sender<()>>,
    /// Whoever waits for the digest.
    done: Option<oneshot::Sender<Result<Digest, String>>>,
}

struct Shared {
    spawned: Spawned,
    ready: Cell<bool>,
    /// Messages (and the buffers they transfer) posted before the helper listened.
    backlog: RefCell<Vec<(JsValue, Option<js_sys::ArrayBuffer>)>>,
    jobs: RefCell<HashMap<u32, Job>>,
    /// Buffers the helper gave back, to be filled again.
    free: RefCell<Vec<js_sys::ArrayBuffer>>,
    /// Why the helper stopped working, once it has.
    broken: RefCell<Option<String>>,
    next_id: Cell<u32>,
}

impl Shared {
    /// Posts `message`, with `bytes` (a view of a whole buffer, which is transferred).
    fn post(&self, message: &ToExplorer, bytes: Option<js_sys::Uint8Array>) {
        let Ok(value) = encode(message, None) else { return };
        let bytes = bytes.map(|view| attach_bytes(&value, &view));
        if self.ready.get() {
            send(&self.spawned.worker, &value, bytes.as_ref());
        } else {
            self.backlog.borrow_mut().push((value, bytes));
        }
    }

    /// Ends every job with `why`, and every later one at once.
    fn break_down(&self, why: String) {
        let jobs: Vec<Job> = self.jobs.borrow_mut().drain().map(|(_, job)| job).collect();
        *self.broken.borrow_mut() = Some(why.clone());
        for job in jobs {
            if let Some(done) = job.done {
                let _ = done.send(Err(why.clone()));
            }
            if let Some(wake) = job.wake {
                let _ = wake.send(());
            }
        }
    }

    /// Takes a message from the helper (`returned`: the buffer it gave back).
    fn answer(&self, message: FromExplorer, returned: Option<js_sys::ArrayBuffer>) {
        match message {
            FromExplorer::Ready => {
                self.ready.set(true);
                self.spawned.loaded();
                for (value, bytes) in self.backlog.borrow_mut().drain(..) {
                    send(&self.spawned.worker, &value, bytes.as_ref());
                }
            }
            FromExplorer::HashTaken { id, bytes } => {
                if let Some(buffer) = returned {
                    self.free.borrow_mut().push(buffer);
                }
                let wake = self.jobs.borrow_mut().get_mut(&id).and_then(|job| {
                    job.outstanding = job.outstanding.saturating_sub(bytes);
                    (job.outstanding <= IN_FLIGHT).then(|| job.wake.take()).flatten()
                });
                if let Some(wake) = wake {
                    let _ = wake.send(());
                }
            }
            FromExplorer::Hashed { id, digest } => {
                if let Some(done) = self.jobs.borrow_mut().remove(&id).and_then(|job| job.done) {
                    let _ = done.send(Ok(digest));
                }
            }
            FromExplorer::Failed { message, .. } => self.break_down(message),
            _ => {}
        }
    }
}

fn send(worker: &Worker, value: &JsValue, bytes: Option<&js_sys::ArrayBuffer>) {
    let posted = match bytes {
        Some(buffer) => worker.post_message_with_transfer(value, &js_sys::Array::of1(buffer)),
        None => worker.post_message(value),
    };
    if let Err(e) = posted {
        web_sys::console::error_1(&e);
    }
}

/// The helper worker, started once and shared by the jobs that list a layer.
#[derive(Clone)]
pub struct HashHelper(Rc<Shared>);

impl HashHelper {
    /// Starts a second explorer worker from the same files as this one.
    pub fn start() -> Result<HashHelper, String> {
        let (js, wasm) = spawn::own_files().ok_or("this worker was not started with its files recorded")?;
        let shared = Rc::new(Shared {
            spawned: Spawned::new("the explorer's hashing helper", &js, &wasm)?,
            ready: Cell::new(false),
            backlog: RefCell::default(),
            jobs: RefCell::default(),
            free: RefCell::default(),
            broken: RefCell::default(),
            next_id: Cell::new(1),
        });
        let on_message =
            |shared: &Rc<Shared>, event: &MessageEvent| match decode::<FromExplorer>(&event.data()) {
                Ok((message, _)) => shared.answer(message, bytes_of(&event.data()).map(|b| b.buffer())),
                Err(e) => shared.break_down(format!("it answered what this worker cannot read: {e}")),
            };
        shared.spawned.listen(&shared, on_message, move |shared, event| {
            shared.break_down(spawn::load_failure(event, &js, &wasm));
        });
        Ok(HashHelper(shared))
    }

    /// A hasher for one layer, and the pacer its reading loop waits on.
    pub fn hasher(&self) -> (HelperHasher, Pacer) {
        let id = self.0.next_id.get();
        self.0.next_id.set(id.wrapping_add(1));
        self.0.jobs.borrow_mut().insert(id, Job::default());
        let link = Link { shared: self.0.clone(), id };
        (HelperHasher { link: link.clone(), piece: None, ended: false }, Pacer(link))
    }
}

#[derive(Clone)]
struct Link {
    shared: Rc<Shared>,
    id: u32,
}

/// Hands a layer's bytes to the helper; its digest comes back from there.
pub struct HelperHasher {
    link: Link,
    /// The piece being filled: a buffer of [`PIECE`] bytes, and how many are filled.
    piece: Option<(js_sys::Uint8Array, u32)>,
    ended: bool,
}

impl HelperHasher {
    fn send_piece(&mut self) {
        let Some((buffer, filled)) = self.piece.take() else { return };
        let shared = &self.link.shared;
        if let Some(job) = shared.jobs.borrow_mut().get_mut(&self.link.id) {
            job.outstanding += u64::from(filled);
        }
        // The helper hashes the view's length; the whole buffer goes over and comes back.
        let view = js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer.buffer(), 0, filled);
        shared.post(&ToExplorer::HashBytes { id: self.link.id }, Some(view));
    }
}

impl ContentHasher for HelperHasher {
    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let (buffer, filled) = self.piece.get_or_insert_with(|| {
                let free = self.link.shared.free.borrow_mut().pop();
                let buffer = free.unwrap_or_else(|| js_sys::ArrayBuffer::new(PIECE as u32));
                (js_sys::Uint8Array::new(&buffer), 0)
            });
            let room = PIECE - *filled as usize;
            let (now, rest) = data.split_at(room.min(data.len()));
            buffer.subarray(*filled, *filled + now.len() as u32).copy_from(now);
            *filled += now.len() as u32;
            data = rest;
            if *filled as usize == PIECE {
                self.send_piece();
            }
        }
    }

    async fn digest(mut self) -> Result<Digest, String> {
        self.send_piece();
        self.ended = true;
        let shared = self.link.shared.clone();
        if let Some(why) = shared.broken.borrow().clone() {
            return Err(format!("the hashing helper stopped: {why}"));
        }
        let (done, answer) = oneshot::channel();
        if let Some(job) = shared.jobs.borrow_mut().get_mut(&self.link.id) {
            job.done = Some(done);
        }
        shared.post(&ToExplorer::HashEnd { id: self.link.id }, None);
        match answer.await {
            Ok(result) => result.map_err(|why| format!("the hashing helper stopped: {why}")),
            Err(_) => Err("the hashing helper went away before it answered".into()),
        }
    }
}

impl Drop for HelperHasher {
    fn drop(&mut self) {
        if !self.ended {
            // A cancelled or failed listing: the helper forgets the job (its answer is ignored).
            self.link.shared.jobs.borrow_mut().remove(&self.link.id);
            self.link.shared.post(&ToExplorer::HashEnd { id: self.link.id }, None);
        }
    }
}

/// What a layer's reading loop waits on before reading more: the helper's backlog under
/// [`IN_FLIGHT`].
pub struct Pacer(Link);

impl Pacer {
    /// Returns once the helper has room (at once if it is broken: the digest then says why).
    pub async fn wait(&self) {
        let receiver = {
            let mut jobs = self.0.shared.jobs.borrow_mut();
            let Some(job) = jobs.get_mut(&self.0.id) else { return };
            if job.outstanding <= IN_FLIGHT {
                return;
            }
            let (wake, receiver) = oneshot::channel();
            job.wake = Some(wake);
            receiver
        };
        let _ = receiver.await;
    }
}

/// The helper's side: the layers it is hashing for the explorer worker that started it.
#[derive(Default)]
pub struct Hashing {
    jobs: RefCell<HashMap<u32, Hasher>>,
    /// Where a piece is copied into wasm memory to be hashed (one piece, reused).
    scratch: RefCell<Vec<u8>>,
}

impl Hashing {
    /// Hashes the bytes of a [`ToExplorer::HashBytes`] message (`data`), then answers how many
    /// through `scope`, giving the buffer back.
    pub fn take_bytes(&self, scope: &web_sys::DedicatedWorkerGlobalScope, id: u32, data: &JsValue) {
        let view = bytes_of(data);
        let len = view.as_ref().map_or(0, |v| v.length() as usize);
        if let Some(view) = &view {
            let mut scratch = self.scratch.borrow_mut();
            scratch.resize(len, 0);
            view.copy_to(&mut scratch[..]);
            self.jobs
                .borrow_mut()
                .entry(id)
                .or_insert_with(|| Hasher::new(Algorithm::Sha256))
                .update(&scratch);
        }
        let Ok(answer) = encode(&FromExplorer::HashTaken { id, bytes: len as u64 }, None) else { return };
        let posted = match view {
            Some(view) => {
                scope.post_message_with_transfer(&answer, &js_sys::Array::of1(&attach_bytes(&answer, &view)))
            }
            None => scope.post_message(&answer),
        };
        if let Err(e) = posted {
            web_sys::console::error_1(&e);
        }
    }

    /// The digest of every byte of job `id`.
    pub fn end(&self, id: u32) -> FromExplorer {
        let hasher = self.jobs.borrow_mut().remove(&id).unwrap_or_else(|| Hasher::new(Algorithm::Sha256));
        FromExplorer::Hashed { id, digest: hasher.finalize() }
    }
}
