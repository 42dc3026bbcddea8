//! The upload chunk size, as Upload and Copy offer it.

use leptos::prelude::*;

/// Chunk sizes offered, in MiB (all under the 100 MB request bodies Cloudflare accepts).
pub const CHUNK_CHOICES: &[u64] = &[4, 8, 16, 32, 64];
/// The default chunk size, in MiB.
pub const DEFAULT_CHUNK_MIB: u64 = 8;

/// A labelled select of [`CHUNK_CHOICES`] bound to `chunk_mib`; `id` is the select's element id.
#[component]
pub fn ChunkSize(id: &'static str, chunk_mib: RwSignal<u64>) -> impl IntoView {
    view! {
        <div>
            <label for=id>"Chunk size"</label>
            <select id=id on:change=move |ev| {
                if let Ok(mib) = event_target_value(&ev).parse() { chunk_mib.set(mib) }
            }>
                {CHUNK_CHOICES.iter().map(|&mib| view! {
                    <option value=mib.to_string() selected=move || chunk_mib.get() == mib>{format!("{mib} MiB")}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
