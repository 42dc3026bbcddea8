//! The page's side of the explorer worker: starts it on first use, sends it jobs (queued until
//! its wasm is loaded), and hands each answer to the listener of the job it is about.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Blob, MessageEvent};

use super::protocol::{FromExplorer, Job, ToExplorer};
use crate::browser::outbox::Outbox;
use crate::browser::protocol::decode;
use crate::browser::spawn::{self, Spawned, absolute};

/// The explorer worker's JS glue (Trunk's `data-type="worker"` output), beside the page.
pub const EXPLORER_JS: &str = "waybill-explorer.js";
/// The explorer worker's wasm module.
pub const EXPLORER_WASM: &str = "waybill-explorer_bg.wasm";

/// Hears one job's messages, with the blob a message carries.
pub type Listener = Rc<dyn Fn(FromExplorer, Option<Blob>)>;

/// A handle on the explorer worker; it ends when the last handle is dropped.
#[derive(Clone)]
pub struct Explorer {
    inner: Rc<Inner>,
}

struct Inner {
    spawned: Spawned,
    outbox: Outbox<ToExplorer>,
    listeners: RefCell<HashMap<u32, Listener>>,
    next_id: Cell<u32>,
}

impl Explorer {
    /// Starts the explorer worker found in `dir` (relative to the page).
    pub fn start(dir: &str) -> Result<Explorer, String> {
        let spawned =
            Spawned::new("the explorer worker", &absolute(dir, EXPLORER_JS), &absolute(dir, EXPLORER_WASM))?;
        let inner = Rc::new(Inner {
            spawned,
            outbox: Outbox::default(),
            listeners: RefCell::default(),
            next_id: Cell::new(1),
        });
        inner.spawned.listen(&inner, on_message, |inner, event| {
            let detail = spawn::load_failure(event, EXPLORER_JS, EXPLORER_WASM);
            inner.spawned.loaded();
            // Every job waiting on the worker fails with the browser's reason.
            let listeners: Vec<_> = inner.listeners.borrow_mut().drain().collect();
            for (id, listener) in listeners {
                listener(
                    FromExplorer::Failed { id, message: format!("the explorer worker failed: {detail}") },
                    None,
                );
            }
        });
        Ok(Explorer { inner })
    }

    /// Starts `job` (with `blob`, for [`Job::Open`]); `listener` hears its messages until the
    /// final one. The job's id, for [`Explorer::cancel`].
    pub fn run(
        &self,
        job: Job,
        blob: Option<Blob>,
        listener: impl Fn(FromExplorer, Option<Blob>) + 'static,
    ) -> u32 {
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id.wrapping_add(1));
        self.inner.listeners.borrow_mut().insert(id, Rc::new(listener));
        self.send(ToExplorer::Run { id, job: Box::new(job) }, blob);
        id
    }

    /// Stops job `id`; its listener hears `Cancelled` (or its result, if it ended first).
    pub fn cancel(&self, id: u32) {
        self.send(ToExplorer::Cancel { id }, None);
    }

    /// Forgets job `id`: it stops, the worker lets go of what it listed, and nothing more of it
    /// reaches the page (a view that went away, or a listing replaced).
    pub fn forget(&self, id: u32) {
        self.send(ToExplorer::Forget { id }, None);
        self.inner.listeners.borrow_mut().remove(&id);
    }

    fn send(&self, message: ToExplorer, blob: Option<Blob>) {
        self.inner.outbox.send(&self.inner.spawned.worker, message, blob);
    }
}

fn on_message(inner: &Rc<Inner>, event: &MessageEvent) {
    let (message, blob) = match decode::<FromExplorer>(&event.data()) {
        Ok(decoded) => decoded,
        Err(e) => return web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
    };
    let Some(id) = message.id() else {
        inner.spawned.loaded();
        inner.outbox.open(&inner.spawned.worker);
        return;
    };
    let listener = if message.is_final() {
        inner.listeners.borrow_mut().remove(&id)
    } else {
        inner.listeners.borrow().get(&id).cloned()
    };
    if let Some(listener) = listener {
        listener(message, blob);
    }
}
