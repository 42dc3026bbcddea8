//! Starting one of Waybill's worker modules (the hashing worker, the pusher) from a page.
//!
//! Trunk builds each worker as wasm-bindgen "no-modules" glue plus a wasm module. The worker is
//! started from a two-line bootstrap that loads both by absolute URL, so it works wherever the
//! page is (a sub-path, a test runner that wraps workers) without a loader script of its own.
//! The bootstrap also records those URLs in the worker's global `waybillWorker`, so a worker can
//! start a sibling of itself ([`own_files`]: the explorer's hashing helper).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;
use web_sys::{Blob, BlobPropertyBag, Event, MessageEvent, Url, Worker};

use super::fetch::describe;

/// A started worker and its bootstrap's object URL (revoke it once the worker said it is ready,
/// or failed to load: [`revoke`]).
#[derive(Debug)]
pub struct Started {
    /// The worker.
    pub worker: Worker,
    /// The bootstrap's object URL.
    pub bootstrap: String,
}

/// Starts the worker whose glue is at `js` and module at `wasm` (absolute URLs); `what` names it
/// in errors ("the hashing worker").
pub fn start(what: &str, js: &str, wasm: &str) -> Result<Started, String> {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let bootstrap = format!(
        "self.{OWN_FILES} = {{ js: {js}, wasm: {wasm} }};\nimportScripts({js});\nwasm_bindgen({{ module_or_path: {wasm} }});\n",
        js = quote(js),
        wasm = quote(wasm)
    );
    let cannot = |e: JsValue| format!("{what} {js} could not be started: {}", describe(&e));
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let parts = js_sys::Array::of1(&JsValue::from_str(&bootstrap));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(cannot)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(cannot)?;
    let worker = Worker::new(&url).map_err(|e| {
        revoke(Some(url.clone()));
        cannot(e)
    })?;
    Ok(Started { worker, bootstrap: url })
}

/// The worker global where the bootstrap records its worker's files.
const OWN_FILES: &str = "waybillWorker";

/// The glue and module URLs of the worker this runs in (`None` outside one of Waybill's workers).
pub fn own_files() -> Option<(String, String)> {
    let files = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(OWN_FILES)).ok()?;
    let field = |name: &str| js_sys::Reflect::get(&files, &JsValue::from_str(name)).ok()?.as_string();
    Some((field("js")?, field("wasm")?))
}

/// A worker's message and error handlers, held as long as it lives.
type Handlers = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(Event)>);

/// A started worker that one owner talks to (the explorer, the pusher, the explorer's hashing
/// helper): the worker ends when this is dropped; its bootstrap's object URL is kept until it
/// [`loaded`](Spawned::loaded), and its handlers as long as it lives.
pub struct Spawned {
    /// The worker.
    pub worker: Worker,
    bootstrap: RefCell<Option<String>>,
    handlers: RefCell<Option<Handlers>>,
}

impl Spawned {
    /// Starts the worker whose glue is at `js` and module at `wasm` (see [`start`]).
    pub fn new(what: &str, js: &str, wasm: &str) -> Result<Spawned, String> {
        let Started { worker, bootstrap } = start(what, js, wasm)?;
        Ok(Spawned { worker, bootstrap: RefCell::new(Some(bootstrap)), handlers: RefCell::default() })
    }

    /// The worker said it is ready, or failed to load: its bootstrap URL is no longer needed.
    pub fn loaded(&self) {
        revoke(self.bootstrap.borrow_mut().take());
    }

    /// Hands the worker's messages and errors to `owner` (held weakly: it holds this) while it
    /// lives. An error event is marked handled, so the browser does not report it again.
    pub fn listen<T: 'static>(
        &self,
        owner: &Rc<T>,
        on_message: impl Fn(&Rc<T>, &MessageEvent) + 'static,
        on_error: impl Fn(&Rc<T>, &Event) + 'static,
    ) {
        let weak = Rc::downgrade(owner);
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(owner) = weak.upgrade() {
                on_message(&owner, &event);
            }
        });
        let weak = Rc::downgrade(owner);
        let error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            event.prevent_default();
            if let Some(owner) = weak.upgrade() {
                on_error(&owner, &event);
            }
        });
        self.worker.set_onmessage(Some(message.as_ref().unchecked_ref()));
        self.worker.set_onerror(Some(error.as_ref().unchecked_ref()));
        *self.handlers.borrow_mut() = Some((message, error));
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.worker.terminate();
        self.loaded();
    }
}

/// `file` in `dir`, resolved against the page's URL.
pub fn absolute(dir: &str, file: &str) -> String {
    let base = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let dir = Url::new_with_base(dir, &base).map(|u| u.href()).unwrap_or_else(|_| dir.to_owned());
    Url::new_with_base(file, &dir).map(|u| u.href()).unwrap_or_else(|_| format!("{dir}{file}"))
}

/// Revokes a bootstrap's object URL.
pub fn revoke(url: Option<String>) {
    if let Some(url) = url {
        let _ = Url::revoke_object_url(&url);
    }
}

/// What a worker's `error` event says went wrong: the browser's message, or — when it gives none,
/// as for a script that did not load — which files to check.
pub fn load_failure(event: &web_sys::Event, js: &str, wasm: &str) -> String {
    js_sys::Reflect::get(event, &wasm_bindgen::JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("the script failed to load; are {js} and {wasm} served?"))
}
