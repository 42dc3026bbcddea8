//! The transfer module's side (Upload and Copy, `bin/transfer.rs`): it publishes
//! `window.waybillTransfer = { mount(element), unmount() }` for the app (see [`super::lazy`]) and
//! mounts the page the hash names into the app's `#transfer-root`.

use std::any::Any;
use std::cell::RefCell;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::ui::app::current_route;
use crate::ui::lazy::{API, ROOT_ID};
use crate::ui::pages::copy::CopyPage;
use crate::ui::pages::upload::UploadPage;
use crate::ui::route::Route;

thread_local! {
    /// The mounted page (dropping it unmounts it: its workers end with it).
    static MOUNTED: RefCell<Option<Box<dyn Any>>> = RefCell::default();
}

/// Runs when the module has loaded: publishes the API and mounts into the root, if the app
/// still shows one.
pub fn start() -> Result<(), JsValue> {
    let mount_fn = Closure::<dyn Fn(HtmlElement)>::new(mount);
    let unmount_fn = Closure::<dyn Fn()>::new(unmount);
    let api = Object::new();
    Reflect::set(&api, &"mount".into(), mount_fn.as_ref())?;
    Reflect::set(&api, &"unmount".into(), unmount_fn.as_ref())?;
    Reflect::set(&js_sys::global(), &API.into(), &api)?;
    // The functions live as long as the page does.
    mount_fn.forget();
    unmount_fn.forget();
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(ROOT_ID));
    if let Some(root) = root.and_then(|r| r.dyn_into::<HtmlElement>().ok()) {
        mount(root);
    }
    Ok(())
}

/// Mounts the page for the current hash into `root` (what was mounted before goes first).
fn mount(root: HtmlElement) {
    unmount();
    let handle = leptos::mount::mount_to(root, TransferPage);
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
}

/// Unmounts the page.
fn unmount() {
    let mounted = MOUNTED.with(|m| m.borrow_mut().take());
    drop(mounted);
}

/// Upload or Copy, as the hash says when it is mounted (the app remounts it on every route).
#[component]
fn TransferPage() -> impl IntoView {
    match current_route() {
        Route::Upload => view! { <UploadPage /> }.into_any(),
        Route::Copy { source } => view! { <CopyPage source /> }.into_any(),
        _ => ().into_any(),
    }
}
