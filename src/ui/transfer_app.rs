//! The page module's side (Upload, Copy, Diff, Audit and the Files view, `bin/transfer.rs`): it publishes
//! `window.waybillTransfer = { mount(element), unmount(), mountFiles(element, spec),
//! unmountFiles() }` for the app (see [`super::lazy`]): the page the hash names, or the Files view
//! of one image, mounted into the root the app hands over.

use std::any::Any;
use std::cell::RefCell;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::browser::explorer::protocol::ImageAt;
use crate::ui::app::current_route;
use crate::ui::components::files_panel::FilesPanel;
use crate::ui::lazy::API;
use crate::ui::pages::audit::AuditPage;
use crate::ui::pages::copy::CopyPage;
use crate::ui::pages::copy_repo::CopyRepoPage;
use crate::ui::pages::diff::DiffPage;
use crate::ui::pages::upload::UploadPage;
use crate::ui::route::Route;

thread_local! {
    /// The mounted page (dropping it unmounts it: its workers end with it).
    static MOUNTED: RefCell<Option<Box<dyn Any>>> = RefCell::default();
    /// The mounted Files view.
    static FILES: RefCell<Option<Box<dyn Any>>> = RefCell::default();
}

/// Runs when the module has loaded: publishes the API; the app's hosts call it.
pub fn start() -> Result<(), JsValue> {
    let api = Object::new();
    publish(&api, "mount", Closure::<dyn Fn(HtmlElement)>::new(mount).into_js_value())?;
    publish(&api, "unmount", Closure::<dyn Fn()>::new(|| unmount(&MOUNTED)).into_js_value())?;
    publish(&api, "mountFiles", Closure::<dyn Fn(HtmlElement, String)>::new(mount_files).into_js_value())?;
    publish(&api, "unmountFiles", Closure::<dyn Fn()>::new(|| unmount(&FILES)).into_js_value())?;
    Reflect::set(&js_sys::global(), &API.into(), &api)?;
    Ok(())
}

/// Sets `api[name]` to `function` (a closure that lives as long as the page does).
fn publish(api: &Object, name: &str, function: JsValue) -> Result<(), JsValue> {
    Reflect::set(api, &name.into(), &function).map(drop)
}

/// Mounts the page for the current hash into `root` (what was mounted before goes first).
fn mount(root: HtmlElement) {
    unmount(&MOUNTED);
    let handle = leptos::mount::mount_to(root, TransferPage);
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
}

/// Mounts the Files view `spec` names (the JSON of an image and its layer count) into `root`.
fn mount_files(root: HtmlElement, spec: String) {
    unmount(&FILES);
    let Ok((image, layers)) = serde_json::from_str::<(ImageAt, usize)>(&spec) else {
        web_sys::console::error_1(&JsValue::from_str("mountFiles: not an image and a layer count"));
        return;
    };
    let handle = leptos::mount::mount_to(root, move || view! { <FilesPanel image=image.clone() layers /> });
    FILES.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
}

/// Unmounts what `slot` holds.
fn unmount(slot: &'static std::thread::LocalKey<RefCell<Option<Box<dyn Any>>>>) {
    let mounted = slot.with(|m| m.borrow_mut().take());
    drop(mounted);
}

/// Upload, Copy, Diff or Audit, as the hash says when it is mounted (the app remounts it on every route).
#[component]
fn TransferPage() -> impl IntoView {
    match current_route() {
        Route::Upload => view! { <UploadPage /> }.into_any(),
        Route::Copy { source, target, allow_foreign } => {
            view! { <CopyPage source target allow_foreign /> }.into_any()
        }
        Route::CopyRepository { source, target, include, exclude, allow_foreign } => {
            view! { <CopyRepoPage source target include exclude allow_foreign /> }.into_any()
        }
        Route::Audit { pulp } => view! { <AuditPage pulp /> }.into_any(),
        Route::Diff { a, b } => view! { <DiffPage a b /> }.into_any(),
        _ => ().into_any(),
    }
}
