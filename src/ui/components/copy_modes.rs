//! Copy's two modes, one image or a whole repository: links, so that each mode has its own URL
//! (a reload or a shared link opens the same mode).

use leptos::prelude::*;

/// The switch; `whole` says which mode is shown.
#[component]
pub fn CopyModes(whole: bool) -> impl IntoView {
    let current = |on: bool| on.then_some("page");
    view! {
        <nav class="modes" aria-label="What to copy" data-testid="copy-modes">
            <a href="#/copy" aria-current=current(!whole) data-testid="mode-image">"One image"</a>
            <a href="#/copy?mode=repository" aria-current=current(whole) data-testid="mode-repository">"A whole repository"</a>
        </nav>
    }
}
