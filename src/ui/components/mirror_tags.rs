//! The repository copy's table, one row per chosen tag: what the source has (digest, platforms,
//! foreign layers), what the destination has, and — once a run started — its progress, then its
//! outcome with the pull command and the companions that came along. Cards at 390 px.

use std::collections::HashMap;

use leptos::prelude::*;
use waybill_core::size::human;
use waybill_core::transfer::sync::{TagOutcome, TagResult};
use waybill_core::transfer::sync_preview::{DestinationState, TagPreview};

use crate::ui::components::breakable::Breakable;
use crate::ui::components::digest::CopyButton;
use crate::ui::components::progress::{eta, format_rate, meaningful_rate, percent};
use crate::ui::mirror::{Run, TagBytes};

/// A tag's preview, as it arrives.
#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    /// Being read.
    Reading,
    /// Read.
    Ready(TagPreview),
    /// Could not be read: why.
    Failed(String),
}

/// The table of `tags`; `destination` is `registry/repository` (for the pull commands).
#[component]
pub fn MirrorTags(
    tags: Signal<Vec<String>>,
    previews: RwSignal<HashMap<String, Preview>>,
    run: Run,
    destination: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="mirror-tags" data-testid="mirror-tags">
                <caption class="sr-only">"The tags to copy, what the destination has, and each tag's copy"</caption>
                <thead><tr>
                    <th>"Tag"</th><th>"Digest"</th><th>"Platforms"</th><th>"Foreign layers"</th>
                    <th>"At the destination"</th><th>"Result"</th>
                </tr></thead>
                <tbody>
                    <For each=move || tags.get() key=|tag| tag.clone()
                        children=move |tag| view! { <TagRow tag previews run destination /> } />
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn TagRow(
    tag: String,
    previews: RwSignal<HashMap<String, Preview>>,
    run: Run,
    destination: Signal<Option<String>>,
) -> impl IntoView {
    let key = tag.clone();
    let preview = Memo::new(move |_| previews.with(|p| p.get(&key).cloned()));
    let key = tag.clone();
    let bytes = Memo::new(move |_| run.tags.with(|t| t.get(&key).cloned()));
    let ready = move || match preview.get() {
        Some(Preview::Ready(p)) => Some(p),
        _ => None,
    };
    let cell = move |f: fn(&TagPreview) -> AnyView| {
        move || match preview.get() {
            Some(Preview::Ready(p)) => f(&p),
            Some(Preview::Failed(why)) => view! { <span class="hint">{why}</span> }.into_any(),
            _ => view! { <span class="hint">"reading…"</span> }.into_any(),
        }
    };
    let outcome = move || bytes.get().and_then(|b| b.result);
    let label = format!("Copy of {tag}");
    view! {
        <tr data-testid="mirror-tag" data-tag=tag.clone()
            data-foreign=move || ready().map(|p| p.foreign_layers.to_string())
            data-state=move || outcome().map(|r| r.outcome.words().to_owned())>
            <td data-label="Tag"><code><Breakable text=tag.clone() /></code></td>
            <td data-label="Digest">{cell(|p| {
                let digest = p.digest.to_string();
                view! { <code data-testid="mirror-digest"><Breakable text=digest /></code> }.into_any()
            })}</td>
            <td data-label="Platforms">{cell(|p| {
                if p.platforms.is_empty() {
                    view! { <span class="hint">"—"</span> }.into_any()
                } else {
                    p.platforms.iter().map(|pl| view! { <code>{pl.clone()}</code>" " }).collect_view().into_any()
                }
            })}</td>
            <td data-label="Foreign layers" class="num">{cell(|p| match p.foreign_layers {
                0 => view! { "none" }.into_any(),
                n => view! { <span class="badge foreign">{n.to_string()}</span> }.into_any(),
            })}</td>
            <td data-label="At the destination" data-testid="mirror-destination">{cell(|p| match p.destination {
                None => view! { <span class="hint">"—"</span> }.into_any(),
                Some(DestinationState::Missing) => view! { <span class="badge empty">"missing"</span> }.into_any(),
                Some(DestinationState::UpToDate) => view! { <span class="badge ok">"up to date"</span> }.into_any(),
                Some(DestinationState::Different) => view! { <span class="badge urls">"different"</span> }.into_any(),
            })}</td>
            <td data-label="Result" data-testid="mirror-outcome">
                <RowProgress bytes=bytes.into() run destination label />
            </td>
        </tr>
    }
}

/// One row's part of a run: waiting, its progress, then its [`Outcome`]. `label` names the
/// progress bar.
#[component]
pub fn RowProgress(
    bytes: Signal<Option<TagBytes>>,
    run: Run,
    destination: Signal<Option<String>>,
    label: String,
) -> impl IntoView {
    move || match (bytes.get(), run.running()) {
        (Some(TagBytes { result: Some(result), .. }), _) => {
            view! { <Outcome result destination=destination.get() /> }.into_any()
        }
        (Some(b), true) => {
            let (done, planned) = (b.done(), b.planned);
            view! {
                <progress max=planned.max(1) value=done aria-label=label.clone()></progress>
                <span class="hint">{format!(" {}% of {}", percent(done, planned), human(planned))}</span>
            }
            .into_any()
        }
        (None, true) => view! { <span class="hint">"waiting"</span> }.into_any(),
        _ => ().into_any(),
    }
}

/// Bytes, rate and time left over every row (`what`: "tags", "images"), while it runs.
#[component]
pub fn Overall(run: Run, what: &'static str) -> impl IntoView {
    move || {
        run.running().then(|| {
            let (done, planned) = run.totals();
            let rows_done = run.tags.with(|t| t.values().filter(|b| b.result.is_some()).count());
            let rate = meaningful_rate(run.sent.get(), run.elapsed_ms());
            let speed = rate.map(|r| format!(" · {} · {}", format_rate(r), eta(planned.saturating_sub(done), r)));
            view! {
                <div class="overall" data-testid="mirror-progress" aria-live="polite">
                    <progress max=planned.max(1) value=done aria-label=format!("Progress, every one of the {what}")></progress>
                    <span>{format!("{rows_done} {what} done · {} of {}{}", human(done), human(planned), speed.unwrap_or_default())}</span>
                </div>
            }
        })
    }
}

/// A finished tag: its outcome, why when it did not land, the pull command when it did, and the
/// companions that came along.
#[component]
fn Outcome(result: TagResult, destination: Option<String>) -> impl IntoView {
    let class = match result.outcome {
        TagOutcome::Copied | TagOutcome::UpToDate => "badge ok",
        TagOutcome::Refused | TagOutcome::Failed => "badge bad",
    };
    let landed = matches!(result.outcome, TagOutcome::Copied | TagOutcome::UpToDate);
    let pull = destination
        .zip(result.digest.as_ref())
        .filter(|_| landed)
        .map(|(name, digest)| format!("docker pull {name}@{digest}"));
    let refused = result.outcome == TagOutcome::Refused;
    view! {
        <span class=class data-testid="mirror-state">{result.outcome.words()}</span>
        {result.reason.clone().map(|why| view! { <p class="hint wrap" data-testid="mirror-reason">{why}</p> })}
        {refused.then(|| view! {
            <p class="hint">"Tick what the reason names (“Allow foreign layers”, or the acknowledgement of lost marks) and run it again to send it too."</p>
        })}
        {pull.map(|pull| view! {
            <p class="pull"><code data-testid="mirror-pull"><Breakable text=pull.clone() /></code>" "<CopyButton text=pull what="pull command" /></p>
        })}
        {(!result.companions.is_empty()).then(|| view! {
            <p class="hint" data-testid="mirror-companions">
                {format!("With {} companion{} (signatures, attestations, referrers): ",
                    result.companions.len(), if result.companions.len() == 1 { "" } else { "s" })}
                {result.companions.iter().map(|c| view! { <code><Breakable text=c.clone() /></code>" " }).collect_view()}
            </p>
        })}
    }
}
