//! Loading the page module (Upload, Copy, Diff, Audit and the Files view) into the app's page on first
//! use.
//!
//! The app's own module holds the shell and Inspect; Upload, Copy and Diff, the Files view that
//! Inspect shows on request, and their protocols with the workers are a second module, so that the
//! initial download stays small. It is built by Trunk as wasm-bindgen "no-modules" glue
//! (`waybill-transfer.js`) and module (`waybill-transfer_bg.wasm`) beside the app. Loading it runs
//! its `main`, which publishes `window.waybillTransfer = { mount(element), unmount(),
//! mountFiles(element, spec), unmountFiles() }`: [`TransferHost`] has the page the hash names
//! mounted into its `#transfer-root`, [`FilesHost`] the Files view of one image into its own root.
//! Every host waits for the same loading.

use std::cell::RefCell;

use js_sys::{Array, Function, Promise, Reflect};
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, HtmlScriptElement};

use crate::browser::explorer::protocol::ImageAt;
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
    /// The module's loading, started by the first host that needs it and awaited by every other.
    static LOADING: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// Where Upload, Copy, Diff or Audit appears: a root for the page module, which mounts the page the hash
/// names there (loading first if need be), and unmounts it when the page changes.
#[component]
pub fn TransferHost() -> impl IntoView {
    host("transfer-host", Some(ROOT_ID), |root| call("mount", &[root.into()]), || call("unmount", &[]))
}

/// The Files view of `image` (of `layers` layers), drawn by the page module into a root of its own.
#[component]
pub fn FilesHost(image: ImageAt, layers: usize) -> impl IntoView {
    let spec = serde_json::to_string(&(image, layers)).expect("an image and a count serialise");
    let mount = move |root: HtmlElement| call("mountFiles", &[root.into(), JsValue::from_str(&spec)]);
    host("files-host", None, mount, || call("unmountFiles", &[]))
}

/// A root that the page module fills with `mount` once loaded (if the root is still in the page)
/// and empties with `unmount` when the root goes.
fn host(
    class: &'static str,
    id: Option<&'static str>,
    mount: impl Fn(HtmlElement) -> Result<(), String> + Clone + 'static,
    unmount: fn() -> Result<(), String>,
) -> impl IntoView {
    let root = NodeRef::<Div>::new();
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(element) = root.get() else { return };
        let element: HtmlElement = element.into();
        let mount = mount.clone();
        leptos::task::spawn_local(async move {
            let shown = match loaded().await {
                // Gone meanwhile (another page): nothing to fill.
                Ok(()) if !element.is_connected() => Ok(()),
                Ok(()) => mount(element),
                Err(e) => Err(e),
            };
            if let Err(message) = shown {
                problem.try_set(Some(message));
            }
        });
    });
    on_cleanup(move || {
        if let Err(message) = unmount() {
            web_sys::console::error_1(&JsValue::from_str(&message));
        }
    });
    view! {
        <div class=class id=id node_ref=root></div>
        {move || problem.get().map(|message| view! {
            <div class="notice error" role="alert">
                <h2>"This part of the page could not be loaded"</h2>
                <p class="mono wrap">{message}</p>
                <p>"Reload the page; if it keeps failing, the app's files are incomplete (rebuild with trunk build)."</p>
            </div>
        })}
    }
}

/// Resolves once the page module has started, loading it on the first call; a failed load is
/// tried again by the next host.
async fn loaded() -> Result<(), String> {
    if api().is_some() {
        return Ok(());
    }
    let promise = LOADING.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| {
                wasm_bindgen_futures::future_to_promise(async {
                    load().await.map(|()| JsValue::UNDEFINED).map_err(|e| JsValue::from_str(&e))
                })
            })
            .clone()
    });
    let result = JsFuture::from(promise).await.map(drop).map_err(|e| describe(&e));
    if result.is_err() {
        LOADING.with(|slot| slot.borrow_mut().take());
    }
    result
}

fn api() -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(API)).ok().filter(|v| v.is_object())
}

fn call(name: &str, arguments: &[JsValue]) -> Result<(), String> {
    let Some(api) = api() else { return Ok(()) };
    let function: Function = Reflect::get(&api, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("{API}.{name} is not a function"))?;
    let arguments: Array = arguments.iter().collect();
    function.apply(&api, &arguments).map(drop).map_err(|e| describe(&e))
}

/// Adds the glue's `<script>` and the starter's, waits for both, and starts the module (its
/// `main` publishes its functions).
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
