//! A digest shown short, in full on hover, with a copy button.

use leptos::prelude::*;
use waybill_core::digest::Digest;

/// `sha256:0123456789ab…` plus a button that copies the full digest.
#[component]
pub fn DigestBadge(digest: Digest) -> impl IntoView {
    let full = digest.to_string();
    let copy_value = full.clone();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let clipboard = window().navigator().clipboard();
        // The promise only fails when the page lacks clipboard permission; the digest is in the
        // title either way.
        let _ = clipboard.write_text(&copy_value);
        copied.set(true);
    };
    view! {
        <code class="digest" title=full.clone()>{format!("{}:{}…", digest.algorithm(), digest.short())}</code>
        " "
        <button class="small secondary" on:click=copy aria-label=format!("Copy {full}")>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// A button that copies `text` (a full digest, a command) to the clipboard.
#[component]
pub fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let label = format!("Copy {text}");
    let copy = move |_| {
        // Fails only without clipboard permission; the text is on the page either way.
        let _ = window().navigator().clipboard().write_text(&text);
        copied.set(true);
    };
    view! {
        <button type="button" class="small secondary" on:click=copy aria-label=label>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}
