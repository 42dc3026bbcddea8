//! The foreign-layer policy's refusal, in place of the Push (or Copy) button: every refused
//! layer with its digest, media type, size and urls, why, and how to allow it. Shown before
//! anything is sent — the registry has not been contacted at all.

use leptos::prelude::*;
use waybill_core::archive::push::AbsentForeign;
use waybill_core::policy::Rejection;
use waybill_core::size::human;

/// The refusal; `allow` is the page's "Allow foreign layers" toggle, which its button ticks.
#[component]
pub fn RejectionPanel(
    rejections: Vec<Rejection>,
    allow: RwSignal<bool>,
    #[prop(into)] action: String,
) -> impl IntoView {
    let count = rejections.len();
    let noun = if count == 1 { "foreign layer" } else { "foreign layers" };
    view! {
        <section class="notice error" role="alert" aria-labelledby="rejection-heading" data-testid="rejection-panel">
            <h2 id="rejection-heading">{format!("{action} refused: this image has {count} {noun}")}</h2>
            <p>
                "Waybill does not upload foreign (non-distributable) layers unless you allow it. Nothing has "
                "been sent: not a single request has gone to the registry."
            </p>
            <ul class="rejections">
                {rejections.into_iter().map(|r| view! {
                    <li data-testid="rejected-layer" data-digest=r.digest.to_string()>
                        <code class="wrap">{r.digest.to_string()}</code>
                        <dl class="digests">
                            <dt>"Media type"</dt><dd><code class="wrap">{r.media_type.clone()}</code></dd>
                            <dt>"Size"</dt><dd>{format!("{} ({} bytes)", human(r.size), r.size)}</dd>
                            <dt>"urls"</dt>
                            <dd>
                                {if r.urls.is_empty() {
                                    view! { <span>"none"</span> }.into_any()
                                } else {
                                    view! { <ul class="layer-urls">{r.urls.iter().map(|u| view! { <li><code>{u.clone()}</code></li> }).collect_view()}</ul> }.into_any()
                                }}
                            </dd>
                            <dt>"Why"</dt><dd>{r.reason.clone()}</dd>
                        </dl>
                    </li>
                }).collect_view()}
            </ul>
            <p>
                <strong>"To push it anyway"</strong>
                ", tick “Allow foreign layers”: their blobs are then uploaded and their urls kept, which is what "
                "Pulp requires (a distribution registry must also be configured to accept foreign urls)."
            </p>
            <button type="button" class="secondary" on:click=move |_| allow.set(true)>"Allow foreign layers"</button>
        </section>
    }
}

/// Foreign layers allowed, but the archive lacks their blobs (`docker save` keeps only the
/// uncompressed tar) and fetching them from their urls is off.
#[component]
pub fn AbsentPanel(absent: Vec<AbsentForeign>, fetch: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="notice warn" role="alert" data-testid="absent-panel">
            <h2>{format!("{} foreign layer blob(s) not in the archive", absent.len())}</h2>
            <p>
                "Pulp needs every foreign layer's blob uploaded. Tick “Fetch missing foreign layers” to download "
                "them from their urls (https only, through the proxy if it permits the host; digest and size "
                "verified) — or export the image with its blobs."
            </p>
            <ul class="rejections">
                {absent.into_iter().map(|a| view! {
                    <li>
                        <code class="wrap">{a.digest.to_string()}</code>
                        <span class="exact">{format!("{} · urls: {}", human(a.size), a.urls.join(", "))}</span>
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="secondary" on:click=move |_| fetch.set(true)>"Fetch missing foreign layers"</button>
        </section>
    }
}
