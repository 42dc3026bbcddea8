//! What the page sends a worker it started, held until the worker says it is ready.
//!
//! A worker's wasm loads after its script starts, and only then does it listen: a message posted
//! earlier would reach no handler and be lost. The explorer's and the pusher's clients both send
//! through an [`Outbox`], so a job asked for while the worker loads starts once it has loaded.

use std::cell::{Cell, RefCell};

use serde::Serialize;
use web_sys::{Blob, Worker};

use super::protocol::post_to_worker;

/// Messages to one worker (each with the `Blob` it carries, if any), posted at once when the
/// worker is ready and kept in order until then.
pub struct Outbox<M> {
    ready: Cell<bool>,
    waiting: RefCell<Vec<(M, Option<Blob>)>>,
}

impl<M> Default for Outbox<M> {
    fn default() -> Self {
        Outbox { ready: Cell::new(false), waiting: RefCell::default() }
    }
}

impl<M: Serialize> Outbox<M> {
    /// Posts `message` with `blob` to `worker`, or keeps it until [`Outbox::open`].
    pub fn send(&self, worker: &Worker, message: M, blob: Option<Blob>) {
        if self.ready.get() {
            post_to_worker(worker, &message, blob.as_ref());
        } else {
            self.waiting.borrow_mut().push((message, blob));
        }
    }

    /// `worker` said it is ready: what waited is posted, in the order it was sent, and from now
    /// on every message at once.
    pub fn open(&self, worker: &Worker) {
        self.ready.set(true);
        let waiting: Vec<_> = self.waiting.borrow_mut().drain(..).collect();
        for (message, blob) in waiting {
            post_to_worker(worker, &message, blob.as_ref());
        }
    }
}
