//! Loading the transfer module (Upload and Copy) into the app's page on first use.
//!
//! The app's own module holds the shell and Inspect; Upload and Copy — the drop zone, the push
//! and copy views, their protocol with the push worker — are a second module, so that the
//! initial download stays small. It is built by Trunk as wasm-bindgen "no-modules" glue
//! (`waybill-transfer.js`) and module (`waybill-transfer_bg.wasm`) beside the app. Loading it
//! runs its `main`, which publishes `window.waybillTransfer = { mount(element), unmount() }` and
//! mounts into the `#transfer-root` element [`TransferHost`] renders; later visits call
//! `mount` again, and leaving the page calls `unmount`.

use std::cell::Cell;

use js_sys::{Function, Reflect};
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, HtmlScriptElement};

use crate::browser::fetch::describe;
use crate::browser::spawn::absolute;

/// The transfer module's glue, beside the page.
pub const TRANSFER_JS: &str = "waybill-transfer.js";
/// The transfer module's wasm.
pub const TRANSFER_WASM: &str = "waybill-transfer_bg.wasm";
/// The script that starts the module from the glue's global scope, where eval would otherwise be
/// needed (www/start-transfer.js), and the function it publishes.
const STARTER_JS: &str = "start-transfer.js";
const STARTER: &str = "waybillStartTransfer";
/// The id of the element the transfer module mounts into.
pub const ROOT_ID: &str = "transfer-root";
/// The global the transfer module publishes its `mount` and `unmount` on.
pub const API: &str = "waybillTransfer";

thread_local! {
    /// Whether the module's script was asked for already (it mounts itself once loaded).
    static REQUESTED: Cell<bool> = const { Cell::new(false) };
}

/// Where Upload or Copy appears: a root for the transfer module, loaded (or mounted) once the
/// root is in the page and unmounted when the page changes.
#[component]
pub fn TransferHost() -> impl IntoView {
    let root = NodeRef::<Div>::new();
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(element) = root.get() else { return };
        let element: HtmlElement = element.into();
        leptos::task::spawn_local(async move {
            if let Err(message) = show(element).await {
                problem.try_set(Some(message));
            }
        });
    });
    on_cleanup(hide);
    view! {
        <div id=ROOT_ID node_ref=root></div>
        {move || problem.get().map(|message| view! {
            <div class="notice error" role="alert">
                <h2>"This page could not be loaded"</h2>
                <p class="mono wrap">{message}</p>
                <p>"Reload the page; if it keeps failing, the app's files are incomplete (rebuild with trunk build)."</p>
            </div>
        })}
    }
}

fn api() -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(API)).ok().filter(|v| v.is_object())
}

fn call(name: &str, argument: Option<&JsValue>) -> Result<(), String> {
    let Some(api) = api() else { return Ok(()) };
    let function: Function = Reflect::get(&api, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("{API}.{name} is not a function"))?;
    let result = match argument {
        Some(argument) => function.call1(&api, argument),
        None => function.call0(&api),
    };
    result.map(drop).map_err(|e| describe(&e))
}

/// Mounts the transfer module into `root`, loading it first if need be.
async fn show(root: HtmlElement) -> Result<(), String> {
    if api().is_some() {
        return call("mount", Some(&root));
    }
    if REQUESTED.with(|r| r.replace(true)) {
        // Loading already; the module mounts into the root it finds when it starts.
        return Ok(());
    }
    let loaded = load().await;
    if loaded.is_err() {
        REQUESTED.with(|r| r.set(false));
    }
    loaded
}

fn hide() {
    if let Err(message) = call("unmount", None) {
        web_sys::console::error_1(&JsValue::from_str(&message));
    }
}

/// Adds the glue's `<script>` and the starter's, waits for both, and starts the module (its
/// `main` mounts it).
async fn load() -> Result<(), String> {
    let wasm = absolute("./", TRANSFER_WASM);
    add_script(&absolute("./", TRANSFER_JS)).await?;
    add_script(&absolute("./", STARTER_JS)).await?;
    let window = web_sys::window().ok_or("no window")?;
    let start: Function = Reflect::get(&window, &JsValue::from_str(STARTER))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("{STARTER_JS} did not define {STARTER}"))?;
    let started = start.call1(&JsValue::NULL, &JsValue::from_str(&wasm)).map_err(|e| describe(&e))?;
    JsFuture::from(js_sys::Promise::from(started))
        .await
        .map(drop)
        .map_err(|e| format!("{wasm} could not be started: {}", describe(&e)))
}

/// Adds a classic `<script src>` to the page and waits until it has run.
async fn add_script(src: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let script: HtmlScriptElement =
        document.create_element("script").map_err(|e| describe(&e))?.unchecked_into();
    script.set_src(src);
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        script.set_onload(Some(&resolve));
        script.set_onerror(Some(&reject));
    });
    document.head().ok_or("no <head>")?.append_child(&script).map_err(|e| describe(&e))?;
    JsFuture::from(loaded).await.map(drop).map_err(|_| format!("{src} could not be loaded"))
}
