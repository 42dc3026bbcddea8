//! A digest shown short, in full on hover, with a copy button; and the copy button itself,
//! labelled with what it copies ("Copy digest"), so that a screen reader and a person tabbing
//! through a table of them know which is which.

use leptos::prelude::*;
use waybill_core::digest::Digest;

/// `sha256:0123456789ab…` plus a button that copies the full digest.
#[component]
pub fn DigestBadge(digest: Digest) -> impl IntoView {
    let full = digest.to_string();
    view! {
        <code class="digest" title=full.clone()>{format!("{}:{}…", digest.algorithm(), digest.short())}</code>
        " "
        <CopyButton text=full what="digest" />
    }
}

/// A button that copies `text` (a full digest, a command) to the clipboard; `what` names it:
/// the button reads "Copy" and is labelled "Copy <what>".
#[component]
pub fn CopyButton(text: String, what: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        // Fails only without clipboard permission; the text is on the page (or in the title) either way.
        let _ = window().navigator().clipboard().write_text(&text);
        copied.set(true);
    };
    view! {
        <button type="button" class="small secondary" on:click=copy aria-label=format!("Copy {what}")
            data-testid="copy-button">
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}
