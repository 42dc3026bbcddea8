//! One blob's verification, in its table row: a Verify button, then a progress bar with rate and
//! time left, then ✓ or ✗ with the digests.

use crate::ui::api::Verdict;
use leptos::prelude::*;

use crate::ui::components::progress::{eta, format_rate, meaningful_rate, percent};
use crate::ui::verify::{BlobState, Verification};
use waybill_core::transfer::DiffIdCheck;

/// The verification cell of target `index` of `verification`; `label` names the blob for
/// screen readers ("layer 3", "the config").
#[component]
pub fn BlobStatus(verification: Verification, index: usize, label: String) -> impl IntoView {
    let Some(state) = verification.states.get(index).copied() else { return ().into_any() };
    let size = verification.targets.get(index).map_or(0, |t| t.descriptor.size);
    let label = StoredValue::new(label);
    let run = {
        let verification = verification.clone();
        move |_| verification.verify(index)
    };
    let button = move |text: &'static str| {
        let run = run.clone();
        view! {
            <button type="button" class="small secondary" on:click=run
                aria-label=format!("{text} {}", label.get_value())>{text}</button>
        }
    };
    (move || match state.get() {
        BlobState::Idle => button("Verify").into_any(),
        BlobState::Queued => view! { <span class="hint" data-testid="blob-queued">"waiting for a worker…"</span> }.into_any(),
        BlobState::Running { done, started, now } => {
            let mb = meaningful_rate(done, now - started);
            let detail = match mb {
                Some(mb) => format!("{}% · {} · {}", percent(done, size), format_rate(mb), eta(size.saturating_sub(done), mb)),
                None => format!("{}%", percent(done, size)),
            };
            view! {
                <div class="progress-cell" data-testid="blob-running">
                    <progress max=size.max(1) value=done aria-label=format!("Verifying {}", label.get_value())></progress>
                    <span class="exact">{detail}</span>
                </div>
            }
            .into_any()
        }
        BlobState::Done(checked) => {
            let elapsed = checked.outcome.millis;
            let speed = meaningful_rate(checked.outcome.bytes, elapsed).map(format_rate);
            let timing = match speed {
                Some(s) => format!("{:.1} s · {s}", elapsed / 1000.0),
                None => format!("{:.2} s", elapsed / 1000.0),
            };
            let again = button("Verify again");
            let body = match (&checked.outcome.verdict, &checked.check.diff_id_check()) {
                (Verdict::Verified { .. }, DiffIdCheck::Differs { expected, actual }) => view! {
                    <span class="verdict bad">"✗ diff_id mismatch"</span>
                    <dl class="digests">
                        <dt>"config"</dt><dd><code class="wrap">{expected.to_string()}</code></dd>
                        <dt>"content"</dt><dd><code class="wrap">{actual.to_string()}</code></dd>
                    </dl>
                }.into_any(),
                (Verdict::Verified { .. }, DiffIdCheck::Failed(why)) => view! {
                    <span class="verdict bad">"✗ digest ok, content unreadable"</span>
                    <span class="exact">{why.clone()}</span>
                }.into_any(),
                (Verdict::Verified { .. }, diff) => {
                    let note = match diff {
                        DiffIdCheck::Matches(_) => " · diff_id ✓",
                        DiffIdCheck::Unlisted(_) => " · diff_id not in config",
                        _ => "",
                    };
                    view! {
                        <span class="verdict ok">{format!("✓ verified{note}")}</span>
                        <span class="exact">{timing.clone()}</span>
                    }.into_any()
                }
                (Verdict::Mismatch { expected, actual }, _) => view! {
                    <span class="verdict bad">"✗ digest mismatch"</span>
                    <dl class="digests">
                        <dt>"expected"</dt><dd><code class="wrap" data-testid="expected-digest">{expected.to_string()}</code></dd>
                        <dt>"actual"</dt><dd><code class="wrap" data-testid="actual-digest">{actual.to_string()}</code></dd>
                    </dl>
                }.into_any(),
                (Verdict::Failed { message }, _) => view! {
                    <span class="verdict bad">"✗ failed"</span>
                    <span class="exact">{message.clone()}</span>
                }.into_any(),
                (Verdict::NotFetched { message }, _) => view! {
                    <span class="verdict warn">"– not fetched"</span>
                    <span class="exact">{message.clone()}</span>
                }.into_any(),
                (Verdict::Cancelled, _) => view! { <span class="verdict warn">"cancelled"</span> }.into_any(),
            };
            view! {
                <div class="result" data-testid="blob-result" data-ok=checked.ok().to_string()>
                    {body}
                    <div>{again}</div>
                </div>
            }
            .into_any()
        }
    })
    .into_any()
}
