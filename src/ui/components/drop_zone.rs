//! Where an image archive comes in: dropped onto the zone, or chosen with the file picker (a
//! button, so the keyboard reaches it). The file is only handed on — reading it, by slices, is
//! the push worker's job.

use leptos::html::Input;
use leptos::prelude::*;
use web_sys::{DragEvent, File, HtmlInputElement};

/// The drop zone; `on_file` receives the chosen file.
#[component]
pub fn DropZone<F: Fn(File) + Clone + 'static>(on_file: F, compact: Signal<bool>) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let input = NodeRef::<Input>::new();
    let picked = on_file.clone();
    let on_change = move |ev: leptos::ev::Event| {
        let element: HtmlInputElement = event_target(&ev);
        if let Some(file) = element.files().and_then(|files| files.get(0)) {
            picked(file);
        }
        // Choosing the same file again must fire `change` again.
        element.set_value("");
    };
    let dropped = on_file;
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|files| files.get(0)) {
            dropped(file);
        }
    };
    let allow = move |ev: DragEvent| {
        // Without this the browser opens the file instead of dropping it here.
        ev.prevent_default();
        dragging.set(true);
    };
    view! {
        <div class="dropzone" class:dragging=move || dragging.get() class:compact=move || compact.get()
            data-testid="drop-zone"
            on:dragenter=allow on:dragover=allow
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <p class="dropzone-title">
                <strong>{move || if compact.get() { "Drop another archive here" } else { "Drop an image archive here" }}</strong>
            </p>
            <p class="hint">
                "docker save, podman save, skopeo docker-archive: or oci-archive: output — .tar, .tar.gz or .tar.zst. "
                "The file is read in place, a slice at a time; nothing is uploaded until you press Push."
            </p>
            <input node_ref=input id="archive-file" type="file" class="visually-hidden" tabindex="-1"
                aria-label="Image archive file"
                accept=".tar,.tgz,.gz,.zst,.tar.gz,.tar.zst,application/x-tar,application/gzip,application/zstd"
                on:change=on_change />
            <button type="button" data-testid="choose-file" on:click=move |_| {
                if let Some(input) = input.get() {
                    input.click();
                }
            }>"Choose a file…"</button>
        </div>
    }
}
