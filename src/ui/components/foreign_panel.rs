//! What foreign layers are, what Pulp does with them, and the switch that allows uploading them.

use leptos::prelude::*;
use waybill_core::size::human;

/// The explanation panel and the "Allow foreign layers" toggle (off by default).
#[component]
pub fn ForeignPanel(count: usize, bytes: u64, allow: RwSignal<bool>) -> impl IntoView {
    let noun = if count == 1 { "foreign layer" } else { "foreign layers" };
    view! {
        <section class="notice warn" aria-labelledby="foreign-heading" data-testid="foreign-panel">
            <h2 id="foreign-heading">{format!("This image has {count} {noun} ({})", human(bytes))}</h2>
            <p>
                "Foreign (non-distributable) layers are a legacy of images whose base layers could not be "
                "redistributed — old Windows base images above all. The OCI spec deprecates them and "
                "Microsoft stopped publishing them in 2023, but they live on in old tags and mirrors."
            </p>
            <p>
                <strong>"Pulp sync"</strong>" skips them unless the remote's "<code>"include_foreign_layers"</code>
                " is set, and Pulp's REST API does not expose that option. "
                <strong>"A push to Pulp"</strong>" needs the blob itself uploaded to the repository, with the "
                <code>"urls"</code>" kept in the manifest."
            </p>
            <label class="checkbox">
                <input
                    type="checkbox"
                    prop:checked=move || allow.get()
                    on:change=move |ev| allow.set(event_target_checked(&ev))
                />
                "Allow foreign layers: upload their blobs and keep their urls; verify may fetch them from their urls when the registry lacks them (if the proxy permits the host)"
            </label>
        </section>
    }
}
