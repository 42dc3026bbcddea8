//! Copy's repository mode, once the tags are chosen: the run's panel (the foreign-layer toggle,
//! the button, the overall progress and Cancel) and its summary at the end (counts per outcome
//! and, for Pulp, where the tags are). The page (`pages/copy_repo.rs`) owns the run; these show it.

use std::collections::HashMap;

use leptos::prelude::*;
use waybill_core::reference::Reference;
use waybill_core::transfer::sync::TagOutcome;

use crate::ui::api::{self, PulpAnswer};
use crate::ui::components::checkbox::Checkbox;
use crate::ui::components::mirror_tags::{Overall, Preview};
use crate::ui::components::result_panel::{InPulp, Target};
use crate::ui::mirror::{Run, RunPhase};

/// The toggle, the button, the overall progress and Cancel.
#[component]
pub fn RunPanel(
    chosen: Signal<Vec<String>>,
    previews: RwSignal<HashMap<String, Preview>>,
    allow: RwSignal<bool>,
    run: Run,
    dest_ok: Signal<Option<Reference>>,
    start: impl Fn() + Clone + Send + Sync + 'static,
    stop: impl Fn(leptos::ev::MouseEvent) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let foreign_tags = move || {
        let tags = chosen.get();
        previews.with(|p| {
            tags.iter()
                .filter(|t| matches!(p.get(*t), Some(Preview::Ready(r)) if r.foreign_layers > 0))
                .count()
        })
    };
    let ready = move || dest_ok.with(Option::is_some) && chosen.with(|c| !c.is_empty());
    view! {
        <section class="panel" aria-labelledby="mirror-run-heading" data-testid="mirror-run-panel">
            <h2 id="mirror-run-heading">"Copy the tags"</h2>
            <div class="row">
                <button type="button" data-testid="mirror-run" disabled=move || run.running() || !ready()
                    on:click=move |_| start()>
                    {move || match chosen.with(Vec::len) { 1 => "Copy 1 tag".to_owned(), n => format!("Copy {n} tags") }}
                </button>
                {move || run.running().then(|| {
                    let stop = stop.clone();
                    view! { <button type="button" class="secondary" data-testid="mirror-cancel" on:click=stop>"Cancel"</button> }
                })}
                <span class="hint">{move || {
                    if dest_ok.with(Option::is_none) { "Fill in where to copy to first.".to_owned() }
                    else if chosen.with(Vec::is_empty) { "No tag is chosen: change the filters.".to_owned() }
                    else { "Blobs stream through your browser, verified on the way; tags already there are skipped.".to_owned() }
                }}</span>
            </div>
            <Checkbox checked=allow testid="mirror-allow-foreign"
                label="Allow foreign layers: upload their blobs and keep their urls" />
            <p class="hint" data-testid="mirror-foreign-hint">{move || match (foreign_tags(), allow.get()) {
                (0, _) => "Foreign (non-distributable) layers are a legacy of old Windows base images. A tag with any is refused unless this is ticked; the other tags still go.".to_owned(),
                (n, false) => format!("{n} chosen {} foreign layers: without this, {} refused and the other tags still go.",
                    if n == 1 { "tag has" } else { "tags have" }, if n == 1 { "it is" } else { "they are" }),
                (n, true) => format!("{n} chosen {} foreign layers: {} blobs go to the destination too, as Pulp needs them.",
                    if n == 1 { "tag has" } else { "tags have" }, if n == 1 { "its" } else { "their" }),
            }}</p>
            <Overall run what="tags" />
        </section>
    }
}

/// The run's end: counts per outcome and, for Pulp, where the tags are.
#[component]
pub fn RunSummary(run: Run, destination: Signal<Option<Reference>>) -> impl IntoView {
    move || match run.phase.get() {
        RunPhase::Idle | RunPhase::Running => ().into_any(),
        RunPhase::Failed(why) => view! {
            <div class="notice bad" role="alert" data-testid="mirror-failed"><p>{why}</p></div>
        }
        .into_any(),
        RunPhase::Done { report, cancelled } => {
            let count = |o: TagOutcome| report.tags.iter().filter(|t| t.outcome == o).count();
            let (copied, current, refused, failed) = (
                count(TagOutcome::Copied),
                count(TagOutcome::UpToDate),
                count(TagOutcome::Refused),
                count(TagOutcome::Failed),
            );
            let ok = refused == 0 && failed == 0;
            let landed = report
                .tags
                .iter()
                .find(|t| matches!(t.outcome, TagOutcome::Copied | TagOutcome::UpToDate))
                .map(|t| t.tag.clone());
            let target = destination.get_untracked().zip(landed).map(|(d, tag)| Target {
                registry: d.registry().to_owned(),
                api_host: d.api_host().to_owned(),
                repository: d.repository().to_owned(),
                tag,
            });
            view! {
                <div class=if ok { "notice ok" } else { "notice warn" } role="status" data-testid="mirror-result">
                    <h2>{if cancelled { "Cancelled".to_owned() } else { format!("Copied into {}", report.destination) }}</h2>
                    <p data-testid="mirror-counts">{format!(
                        "{copied} copied, {current} already up to date, {refused} refused, {failed} failed — each tag's line above says more."
                    )}</p>
                    {target.map(|target| view! { <PulpPlace target /> })}
                </div>
            }.into_any()
        }
    }
}

/// Where the tags are in Pulp, when the destination is a Pulp whose REST API the proxy reads
/// (otherwise nothing: any other registry has no such place to show).
#[component]
fn PulpPlace(target: Target) -> impl IntoView {
    let asked = target.clone();
    let answer = LocalResource::new(move || {
        let t = asked.clone();
        async move { api::pulp_links(&t.api_host, &t.registry, &t.repository).await }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || answer.get().and_then(|a| match a {
                PulpAnswer::Links(links) => Some(view! { <h3>"In Pulp"</h3><InPulp links target=target.clone() /> }),
                PulpAnswer::Unavailable(_) => None,
            })}
        </Suspense>
    }
}
