//! The page's side of the push worker: starts it on first use, sends it work, and relays what it
//! says (hashing included: the push worker starts its own hashing workers).

use std::rc::Rc;

use waybill_core::transfer::load_archive::LoadTarget;
use web_sys::{Blob, MessageEvent};

use super::protocol::{CopySettings, Endpoint, FromPusher, PushSettings, ToPusher};
use crate::browser::outbox::Outbox;
use crate::browser::protocol::decode;
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
    outbox: Outbox<ToPusher>,
    on_event: Rc<dyn Fn(Event)>,
}

impl Pusher {
    /// Starts the push worker found in `dir` (relative to the page).
    pub fn start(dir: &str, on_event: impl Fn(Event) + 'static) -> Result<Pusher, String> {
        let spawned =
            Spawned::new("the push worker", &absolute(dir, PUSHER_JS), &absolute(dir, PUSHER_WASM))?;
        let inner = Rc::new(Inner { spawned, outbox: Outbox::default(), on_event: Rc::new(on_event) });
        inner.spawned.listen(&inner, on_message, |inner, event| {
            let detail = spawn::load_failure(event, PUSHER_JS, PUSHER_WASM);
            inner.spawned.loaded();
            (inner.on_event)(Event::Crashed(format!("the push worker failed: {detail}")));
        });
        Ok(Pusher { inner })
    }

    /// Opens `file` (answered by [`FromPusher::Opened`] or `Failed`).
    pub fn open(&self, file: Blob) {
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
        self.send(ToPusher::Cancel, None);
    }

    fn send(&self, message: ToPusher, blob: Option<Blob>) {
        self.inner.outbox.send(&self.inner.spawned.worker, message, blob);
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
    if let FromPusher::Ready = message {
        inner.spawned.loaded();
        inner.outbox.open(&inner.spawned.worker);
        return;
    }
    (inner.on_event)(Event::Message(message));
}
