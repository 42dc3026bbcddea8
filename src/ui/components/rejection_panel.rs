//! The foreign-layer policy's refusal, in place of the Push (or Copy) button: every refused
//! layer with its digest, media type, size and urls, why, and how to allow it. Shown before
//! anything is sent — the registry has not been contacted at all.
//!
//! When the archive lacks the refused layers' blobs too, the first refusal already says so and
//! lists every way forward at once: allowing foreign layers alone would only lead to a second
//! refusal, and fetching to a third (the proxy's), one panel at a time.

use leptos::prelude::*;
use waybill_core::archive::Presence;
use waybill_core::policy::Rejection;
use waybill_core::size::human;
use waybill_core::transfer::push_archive::AbsentForeign;

/// The refusal; `allow` is the page's "Allow foreign layers" toggle, which its button ticks.
/// `absent` are the foreign blobs the archive lacks (empty for a copy), `fetch` the page's
/// "Fetch missing foreign layers" toggle.
#[component]
pub fn RejectionPanel(
    rejections: Vec<Rejection>,
    allow: RwSignal<bool>,
    #[prop(into)] action: String,
    #[prop(optional)] absent: Vec<AbsentForeign>,
    #[prop(optional)] fetch: Option<RwSignal<bool>>,
) -> impl IntoView {
    let count = rejections.len();
    let noun = if count == 1 { "foreign layer" } else { "foreign layers" };
    let ways = match fetch {
        Some(fetch) if !absent.is_empty() => Some(view! { <AbsentWays absent allow fetch /> }),
        _ => None,
    };
    let allow_only = ways.is_none().then(|| {
        view! {
            <p>
                <strong>"To push it anyway"</strong>
                ", tick “Allow foreign layers”: their blobs are then uploaded and their urls kept, which is what "
                "Pulp requires (a distribution registry must also be configured to accept foreign urls)."
            </p>
            <button type="button" class="secondary" on:click=move |_| allow.set(true)>"Allow foreign layers"</button>
        }
    });
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
            {allow_only}
            {ways}
        </section>
    }
}

/// Foreign layers allowed, but the archive lacks their blobs (`docker save` keeps only the
/// uncompressed tar) and fetching them from their urls is off.
#[component]
pub fn AbsentPanel(
    absent: Vec<AbsentForeign>,
    allow: RwSignal<bool>,
    fetch: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <section class="notice warn" role="alert" data-testid="absent-panel">
            <h2>{format!("{} foreign layer blob(s) not in the archive", absent.len())}</h2>
            <AbsentWays absent allow fetch />
        </section>
    }
}

/// Which blobs the archive lacks, and every way forward: fetch them from their urls (the proxy
/// must permit their hosts), copy from a registry that holds them, or export again with them.
#[component]
fn AbsentWays(absent: Vec<AbsentForeign>, allow: RwSignal<bool>, fetch: RwSignal<bool>) -> impl IntoView {
    let mut hosts: Vec<String> = absent
        .iter()
        .flat_map(|a| &a.urls)
        .filter_map(|u| url::Url::parse(u).ok()?.host_str().map(str::to_owned))
        .collect();
    hosts.sort();
    hosts.dedup();
    let hosts = if hosts.is_empty() { "their hosts".to_owned() } else { hosts.join(", ") };
    let tars_only = absent.iter().any(|a| a.presence == Presence::UncompressedOnly);
    view! {
        <div data-testid="absent-ways">
            <h3>"Their blobs are not in this archive"</h3>
            <ul class="rejections">
                {absent.into_iter().map(|a| view! {
                    <li data-testid="absent-layer" data-digest=a.digest.to_string()>
                        <code class="wrap">{a.digest.to_string()}</code>
                        <span class="exact">{format!("{} · urls: {}", human(a.size), a.urls.join(", "))}</span>
                    </li>
                }).collect_view()}
            </ul>
            <p>
                {if tars_only {
                    "docker save keeps only their uncompressed tars, not the compressed blobs the manifest names. "
                } else {
                    "The tool that wrote the archive left them out (skopeo's oci-archive: does). "
                }}
                "Pulp needs each blob uploaded, so allowing foreign layers is not enough. The ways forward:"
            </p>
            <ol class="ways">
                <li>
                    <strong>"Fetch them from their urls"</strong>" (https only; digest and size verified). Your "
                    "browser reaches them through Waybill's proxy, which must permit " <code>{hosts}</code>
                    ": list them in " <code>"foreign_layer_hosts"</code>
                    " in waybill.toml (or the Worker's configuration). "
                    <button type="button" class="secondary small" data-testid="allow-and-fetch"
                        on:click=move |_| { allow.set(true); fetch.set(true); }>"Allow and fetch them"</button>
                </li>
                <li>
                    <strong>"Copy the image from a registry that holds them"</strong>" — a mirror, or the registry "
                    "the archive was exported from — on the " <a href="#/copy">"Copy"</a>" page."
                </li>
                <li>
                    <strong>"Export the image again with a tool that keeps them"</strong>": waybill save writes an "
                    "OCI archive with the foreign blobs inside."
                </li>
            </ol>
        </div>
    }
}
