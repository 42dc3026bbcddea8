//! The documents exactly as the registry served them, with the digest Waybill computed and the
//! one the registry claimed.

use leptos::prelude::*;
use waybill_core::digest::Digest;

/// One document.
#[derive(Clone, Debug)]
pub struct RawDocument {
    /// "Index", "Manifest", "Config".
    pub title: String,
    /// The bytes as served.
    pub bytes: Vec<u8>,
    /// sha256 of the bytes.
    pub digest: Digest,
}

/// The raw-documents panel. `registry_digest` is the registry's `Docker-Content-Digest` for the
/// reference, compared with the first document (the one the reference names).
#[component]
pub fn RawJson(documents: Vec<RawDocument>, registry_digest: Option<Digest>) -> impl IntoView {
    let named = documents.first().map(|d| d.digest.clone());
    let claim = match (&named, &registry_digest) {
        (_, None) => view! {
            <p class="hint">"The registry sent no Docker-Content-Digest header."</p>
        }
        .into_any(),
        (Some(ours), Some(theirs)) if ours == theirs => view! {
            <p data-testid="registry-digest">
                <span class="verdict ok">"✓"</span>" The registry's Docker-Content-Digest is the same: "
                <code class="wrap">{theirs.to_string()}</code>
            </p>
        }
        .into_any(),
        (_, Some(theirs)) => view! {
            <div class="notice error" role="alert" data-testid="registry-digest">
                <strong>"The registry's Docker-Content-Digest differs: "</strong>
                <code class="wrap">{theirs.to_string()}</code>
                <p>"The registry claims other bytes than it served (or the tag moved between two requests). \
                    Trust the digest of the bytes, and pin the image by digest."</p>
            </div>
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="raw-heading">
            <h2 id="raw-heading">"Raw documents"</h2>
            {claim}
            {documents.into_iter().map(|doc| {
                let text = String::from_utf8_lossy(&doc.bytes).into_owned();
                let size = doc.bytes.len();
                let copy_text = text.clone();
                view! {
                    <details class="raw">
                        <summary>
                            {format!("{} — {size} bytes — ", doc.title)}<code>{doc.digest.to_string()}</code>
                        </summary>
                        <button type="button" class="small secondary" on:click=move |_| {
                            let _ = window().navigator().clipboard().write_text(&copy_text);
                        }>{format!("Copy {}", doc.title.to_lowercase())}</button>
                        <pre class="json" tabindex="0">{text}</pre>
                    </details>
                }
            }).collect_view()}
        </section>
    }
}
