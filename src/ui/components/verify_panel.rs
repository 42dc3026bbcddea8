//! Verify all: options, the overall progress, cancel, and the copyable summary.

use crate::ui::api::now_ms;
use leptos::prelude::*;
use waybill_core::size::human;

use crate::ui::components::blob_status::BlobStatus;
use crate::ui::components::checkbox::Checkbox;
use crate::ui::components::progress::{eta, format_rate, meaningful_rate, percent};
use crate::ui::verify::{Role, Verification};

/// The Verify panel.
#[component]
pub fn VerifyPanel(verification: Verification) -> impl IntoView {
    let v = verification.clone();
    let totals = Memo::new(move |_| v.totals());
    let finished = RwSignal::new(None::<f64>);
    let started = verification.started;
    // The overall rate runs from "Verify all" to the last blob's end.
    Effect::new(move |_| {
        let t = totals.get();
        if t.active == 0 && started.get().is_some() && t.done > 0 {
            finished.set(Some(now_ms()));
        } else if t.active > 0 {
            finished.set(None);
        }
    });
    let copied = RwSignal::new(false);
    let all = verification.clone();
    let stop = verification.clone();
    let summary = verification.clone();
    let shown = verification.clone();
    let diff_ids = verification.diff_ids;
    let config_index = verification.targets.iter().position(|t| t.role == Role::Config);
    let workers = crate::ui::session::pool().size();
    // The blob count beside the summary's layer count: "8 blobs" must not read as a contradiction
    // of "7 layers" (issue 16).
    let layers = verification.targets.len() - usize::from(config_index.is_some());
    let what = match (layers, config_index.is_some()) {
        (1, true) => " (1 layer and the config)".to_owned(),
        (n, true) => format!(" ({n} layers and the config)"),
        _ => String::new(),
    };
    view! {
        <section class="panel" aria-labelledby="verify-heading" data-testid="verify-panel">
            <h2 id="verify-heading">"Verify"</h2>
            <p class="hint">
                {format!(
                    "Every blob is downloaded through the proxy and hashed in up to {workers} background workers \
                     (WebAssembly, off the page's main thread): digest and size against the manifest, and on request \
                     the uncompressed content against the config's diff_ids. Nothing is stored."
                )}
            </p>
            <div class="row">
                <button type="button" data-testid="verify-all"
                    disabled=move || { totals.get().active > 0 }
                    on:click=move |_| { all.verify_all() }>"Verify all"</button>
                // Only while something runs: a disabled Cancel after the end reads as "still running".
                {move || (totals.get().active > 0).then(|| {
                    let stop = stop.clone();
                    view! {
                        <button type="button" class="secondary" data-testid="verify-cancel"
                            on:click=move |_| { stop.cancel() }>"Cancel"</button>
                    }
                })}
                <Checkbox checked=diff_ids label="Also check diff_ids (decompress and hash each layer)" />
            </div>
            {move || {
                let t = totals.get();
                let begun = started.get();
                (t.active > 0 || t.passed + t.failed + t.skipped > 0).then(|| {
                    let end = finished.get().unwrap_or_else(now_ms);
                    let mb = begun.and_then(|s| meaningful_rate(t.done, end - s));
                    let mut line = format!("{} of {} · {}%", human(t.done), human(t.bytes), percent(t.done, t.bytes));
                    if let Some(mb) = mb {
                        line.push_str(&format!(" · {}", format_rate(mb)));
                        if t.active > 0 {
                            line.push_str(&format!(" · {}", eta(t.bytes.saturating_sub(t.done), mb)));
                        }
                    }
                    let verdict = if t.active > 0 {
                        format!("{} of {} blobs{what} checked", t.passed + t.failed + t.skipped, t.count)
                    } else if t.failed > 0 {
                        format!("✗ {} of {} blobs failed", t.failed, t.count)
                    } else if t.skipped > 0 {
                        format!("{} verified, {} not checked", t.passed, t.skipped)
                    } else {
                        format!("✓ all {} blobs verified{what}", t.count)
                    };
                    view! {
                        <div class="overall" aria-live="polite" data-testid="verify-overall">
                            <progress max=t.bytes.max(1) value=t.done aria-label="Overall progress"></progress>
                            <p>
                                <strong class:bad={t.failed > 0 && t.active == 0}
                                    class:good={t.failed == 0 && t.skipped == 0 && t.active == 0}>{verdict}</strong>
                                " · " {line}
                            </p>
                        </div>
                    }
                })
            }}
            {config_index.map(|i| view! {
                <div class="config-check">
                    <span class="hint">"Config blob: "</span>
                    <BlobStatus verification=verification.clone() index=i label="the config".to_owned() />
                </div>
            })}
            <div class="row">
                <button type="button" class="secondary" data-testid="copy-summary"
                    disabled=move || { let t = totals.get(); t.passed + t.failed + t.skipped == 0 }
                    on:click=move |_| {
                        let _ = window().navigator().clipboard().write_text(&summary.summary_json());
                        copied.set(true);
                    }>
                    {move || if copied.get() { "Copied the JSON summary" } else { "Copy JSON summary" }}
                </button>
            </div>
            <details class="raw">
                <summary>"Summary JSON"</summary>
                <pre class="json" tabindex="0" data-testid="summary-json">
                    {move || { totals.track(); shown.summary_json() }}
                </pre>
            </details>
        </section>
    }
}
