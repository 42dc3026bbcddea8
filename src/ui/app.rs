//! The shell: header, navigation, and the page for the current hash route.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::ui::lazy::TransferHost;
use crate::ui::pages::inspect::InspectPage;
use crate::ui::route::{Route, section};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let route = RwSignal::new(current_route());
    watch_hash(route);

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="#/inspect">
                <img src="favicon.svg" alt="" width="24" height="24" />
                "Waybill"
                <small>"container images, foreign layers and all"</small>
            </a>
            <nav class="nav" aria-label="Pages">
                {[("inspect", "#/inspect", "Inspect"), ("upload", "#/upload", "Upload"), ("copy", "#/copy", "Copy"), ("diff", "#/diff", "Diff"), ("audit", "#/audit", "Audit")]
                    .into_iter()
                    .map(|(key, href, text)| view! {
                        <a href=href aria-current=move || (section(&route.get()) == key).then_some("page")>{text}</a>
                    })
                    .collect_view()}
            </nav>
        </header>
        <main id="main">
            {move || match route.get() {
                Route::Inspect { reference, platform } => view! { <InspectPage reference platform /> }.into_any(),
                // Upload, Copy, Diff and Audit live in a module of their own, loaded on first use.
                Route::Upload | Route::Copy { .. } | Route::CopyRepository { .. } | Route::Diff { .. } | Route::Audit { .. } => {
                    view! { <TransferHost /> }.into_any()
                }
                Route::NotFound(path) => view! {
                    <div class="notice warn" role="alert">
                        <h2>"No such page"</h2>
                        <p>"Waybill has no page at " <code>{path}</code> ". "
                           <a href="#/inspect">"Go to Inspect"</a>"."</p>
                    </div>
                }.into_any(),
            }}
        </main>
        <footer>"Waybill runs in your browser; registries are reached through its own proxy."</footer>
    }
}

/// The route `location.hash` names.
pub fn current_route() -> Route {
    Route::from_hash(&window().location().hash().unwrap_or_default())
}

/// Keeps `route` in step with `location.hash` (back/forward buttons, edited links).
fn watch_hash(route: RwSignal<Route>) {
    let on_change = Closure::<dyn Fn()>::new(move || route.set(current_route()));
    window()
        .add_event_listener_with_callback("hashchange", on_change.as_ref().unchecked_ref())
        .expect("the window accepts a hashchange listener");
    // The listener lives as long as the page does.
    on_change.forget();
}
