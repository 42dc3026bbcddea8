//! Upload's bundle panel, for an archive of several images (`waybill save` output, a `docker
//! save` of several tags, an OCI layout with several refs): a table of every image and tag,
//! each ticked or not and its tag kept or renamed, where they go, the options that apply to
//! them all, then each image's progress and outcome — the core's `load`, as `waybill load` runs
//! it, in the push worker.

use leptos::prelude::*;
use waybill_core::archive::ImageFormat;
use waybill_core::archive::report::{ImageReport, ManifestReport};
use waybill_core::media::Compression;
use waybill_core::reference::Reference;
use waybill_core::size::human;
use waybill_core::transfer::sync::TagOutcome;

use crate::ui::api::workers::ImagePolicy;
use crate::ui::bundle::{Bundle, Row};
use crate::ui::components::breakable::Breakable;
use crate::ui::components::checkbox::Checkbox;
use crate::ui::components::layer_compression::LayerCompressionSelect;
use crate::ui::components::login_form::SignInPrompt;
use crate::ui::components::mirror_tags::{Overall, RowProgress};
use crate::ui::components::progress::percent;
use crate::ui::components::target_form::{TargetForm, target_repository};
use crate::ui::mirror::RunPhase;
use crate::ui::push_choices::PushChoices;
use crate::ui::session;

/// The options and actions the bundle shares with the page's single push.
#[derive(Clone, Copy)]
pub struct BundleControls {
    /// The page's push choices: the bundle panel shows the consents and the compression (not the
    /// chunk size, which stays as the page has it).
    pub choices: PushChoices,
    /// Registry and repository (the tag field is not shown).
    pub fields: RwSignal<session::TargetFields>,
    /// The registry asked for a login.
    pub prompt: RwSignal<Option<SignInPrompt>>,
    /// Push the ticked rows.
    pub push: Callback<()>,
    /// Stop.
    pub cancel: Callback<()>,
}

/// An image's one-line description: its names, platforms, layers, size and foreign layers.
pub fn image_label(img: &ImageReport) -> String {
    let names = if img.names.is_empty() { "untagged".to_owned() } else { img.names.join(", ") };
    let platforms: Vec<String> = img.manifests.iter().map(ManifestReport::title).collect();
    let layers = img.manifests.iter().map(|m| m.layers.len()).sum::<usize>();
    format!(
        "{names} — {} · {layers} layer{} · {}{}",
        platforms.join(", "),
        if layers == 1 { "" } else { "s" },
        human(img.total_size),
        if img.foreign_count > 0 { format!(" · {} foreign", img.foreign_count) } else { String::new() }
    )
}

/// How many of an image's layers are plain docker-save tars (what compression applies to;
/// foreign ones keep their bytes).
pub fn plain_layers(img: &ImageReport) -> usize {
    if img.format != ImageFormat::DockerSave {
        return 0;
    }
    img.manifests
        .iter()
        .flat_map(|m| &m.layers)
        .filter(|l| !l.foreign && l.compression == Compression::None)
        .count()
}

/// The bundle panel.
#[component]
pub fn BundlePush(
    images: Vec<ImageReport>,
    policy: Vec<ImagePolicy>,
    rows: Vec<Row>,
    bundle: Bundle,
    controls: BundleControls,
) -> impl IntoView {
    let BundleControls { choices, fields, prompt, push, cancel } = controls;
    let PushChoices { allow, fetch, accept_lost_marks, compress, .. } = choices;
    let run = bundle.run;
    let destination = Memo::new(move |_| fields.with(|f| target_repository(f).ok()));
    let ticked = {
        let rows = rows.clone();
        move || rows.iter().filter(|r| r.ticked.get()).count()
    };
    let untagged_ticked = {
        let rows = rows.clone();
        move || rows.iter().filter(|r| r.ticked.get() && r.valid_tag().is_none()).count()
    };
    let ticked_images = {
        let rows = rows.clone();
        move || {
            let mut images: Vec<usize> = rows.iter().filter(|r| r.ticked.get()).map(|r| r.image).collect();
            images.dedup();
            images
        }
    };
    let (foreign, absent, lost, plain) = {
        let (images, policy) = (images.clone(), policy.clone());
        let of = move |f: fn(&ImageReport, &ImagePolicy) -> usize| {
            let (images, policy, ticked_images) = (images.clone(), policy.clone(), ticked_images.clone());
            move || {
                ticked_images()
                    .iter()
                    .map(|&i| images.get(i).zip(policy.get(i)).map_or(0, |(m, p)| f(m, p)))
                    .sum::<usize>()
            }
        };
        (
            of(|m, _| usize::from(m.foreign_count > 0)),
            of(|_, p| p.absent_foreign.len()),
            of(|_, p| usize::from(p.lost_marks.is_some())),
            of(|m, _| plain_layers(m)),
        )
    };
    let plain_any = plain.clone();
    let ready = {
        let (ticked, untagged_ticked) = (ticked.clone(), untagged_ticked.clone());
        move || destination.with(Option::is_some) && ticked() > 0 && untagged_ticked() == 0
    };
    let hint = {
        let (ticked, untagged_ticked) = (ticked.clone(), untagged_ticked.clone());
        move || {
            if destination.with(Option::is_none) {
                "Fill in the registry and the repository to push under first.".to_owned()
            } else if ticked() == 0 {
                "No image is ticked.".to_owned()
            } else if untagged_ticked() > 0 {
                "A ticked image has no tag: give it one in the table.".to_owned()
            } else {
                "Every file of every ticked image is hashed first; nothing is sent if one is wrong."
                    .to_owned()
            }
        }
    };
    let label = move || match ticked() {
        1 => "Verify and push 1 image".to_owned(),
        n => format!("Verify and push {n} images"),
    };
    let table_rows = rows.clone();
    view! {
        <section class="panel" aria-labelledby="bundle-heading" data-testid="bundle">
            <h2 id="bundle-heading">"Push the images"</h2>
            <div class="table-wrap">
                <table class="mirror-tags" data-testid="bundle-table">
                    <caption class="sr-only">"Every image of the archive, where it goes and how its push went"</caption>
                    <thead><tr><th>"Push"</th><th>"Image"</th><th>"Goes to"</th><th>"Result"</th></tr></thead>
                    <tbody>
                        {table_rows.into_iter().enumerate().map(|(i, row)| {
                            let label = images.get(row.image).map(image_label).unwrap_or_default();
                            view! { <BundleRow index=i row label destination=destination.into() bundle /> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <TargetForm page="upload" fields legend="Push under" prompt tag=false />
            <p class="hint">"Each image keeps the tag in the table. When the archive holds images of several repositories, each lands under its own repository below this one."</p>
            <div class="row">
                <button type="button" data-testid="bundle-push" disabled={let ready = ready.clone(); move || run.running() || !ready()}
                    on:click=move |_| push.run(())>{label}</button>
                {move || run.running().then(|| view! {
                    <button type="button" class="secondary" data-testid="bundle-cancel" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
                <span class="hint" data-testid="bundle-hint">{hint}</span>
            </div>
            <div class="row">
                <Checkbox checked=allow testid="bundle-allow-foreign"
                    label="Allow foreign layers: upload their blobs and keep their urls" />
                {let absent = absent.clone(); move || (absent() > 0).then(|| view! {
                    <Checkbox checked=fetch
                        label="Fetch missing foreign layers from their urls (https, through the proxy if it permits the host)" />
                })}
                {let lost = lost.clone(); move || (lost() > 0).then(|| view! {
                    <Checkbox checked=accept_lost_marks
                        label="Push the Windows images whose archive lost the foreign-layer marks as they are (their layers become ordinary layers)" />
                })}
                {move || { let n = plain_any(); (n > 0).then(|| view! { <LayerCompressionSelect compress layers=n /> }) }}
            </div>
            <p class="hint" data-testid="bundle-foreign-hint">{move || match (foreign(), allow.get()) {
                (0, _) => "No ticked image has foreign layers.".to_owned(),
                (n, false) => format!("{n} ticked {} foreign layers: without “Allow foreign layers”, {} refused and the others still go.",
                    if n == 1 { "image has" } else { "images have" }, if n == 1 { "it is" } else { "they are" }),
                (n, true) => format!("{n} ticked {} foreign layers: their blobs go to the registry too.",
                    if n == 1 { "image has" } else { "images have" }),
            }}</p>
            {move || bundle.verification().map(|(done, total)| view! {
                <div class="overall" data-testid="bundle-verifying" aria-live="polite">
                    <progress max=total.max(1) value=done aria-label="Verifying every file"></progress>
                    <span>{format!("Verifying every file: {}% of {}", percent(done, total), human(total))}</span>
                </div>
            })}
            <Overall run what="images" />
            <BundleSummary bundle />
        </section>
    }
}

#[component]
fn BundleRow(
    index: usize,
    row: Row,
    label: String,
    destination: Signal<Option<Reference>>,
    bundle: Bundle,
) -> impl IntoView {
    let run = bundle.run;
    let key = Bundle::key(index);
    let bytes = Memo::new(move |_| run.tags.with(|t| t.get(&key).cloned()));
    let (tag, ticked) = (row.tag, row.ticked);
    let lands = {
        let row = row.clone();
        move || destination.get().map(|d| row.lands_at(d.repository()))
    };
    let pull_name = {
        let row = row.clone();
        Signal::derive(move || destination.get().map(|d| row.lands_at(&d.name())))
    };
    let tag_id = format!("bundle-tag-{index}");
    let invalid = {
        let row = row.clone();
        move || ticked.get() && row.valid_tag().is_none()
    };
    view! {
        <tr data-testid="bundle-row" data-state=move || bytes.get().and_then(|b| b.result).map(|r| r.outcome.words().to_owned())>
            <td data-label="Push">
                <input type="checkbox" data-testid="bundle-tick" aria-label=format!("Push {label}")
                    prop:checked=move || ticked.get() on:change=move |ev| ticked.set(event_target_checked(&ev)) />
            </td>
            <td data-label="Image"><Breakable text=label.clone() /></td>
            <td data-label="Goes to">
                <label for=tag_id.clone() class="inline"><code>{move || lands().map(|r| format!("{r}:")).unwrap_or_else(|| "…:".into())}</code></label>
                <input id=tag_id type="text" class="tag" data-testid="bundle-tag" autocomplete="off" spellcheck="false"
                    placeholder="tag" aria-invalid=move || invalid().to_string()
                    prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev)) />
            </td>
            <td data-label="Result" data-testid="bundle-outcome">
                <RowProgress bytes=bytes.into() run destination=pull_name label=format!("Push of {label}") />
            </td>
        </tr>
    }
}

/// The run's end: counts per outcome.
#[component]
fn BundleSummary(bundle: Bundle) -> impl IntoView {
    move || match bundle.run.phase.get() {
        RunPhase::Idle | RunPhase::Running => ().into_any(),
        RunPhase::Failed(why) => view! {
            <div class="notice bad" role="alert" data-testid="bundle-failed"><p>{why}</p></div>
        }
        .into_any(),
        RunPhase::Done { report, cancelled } => {
            let count = |o: TagOutcome| report.tags.iter().filter(|t| t.outcome == o).count();
            let (pushed, refused, failed) =
                (count(TagOutcome::Copied), count(TagOutcome::Refused), count(TagOutcome::Failed));
            let ok = refused == 0 && failed == 0;
            view! {
                <div class=if ok { "notice ok" } else { "notice warn" } role="status" data-testid="bundle-result">
                    <h2>{if cancelled { "Cancelled".to_owned() } else { format!("Pushed into {}", report.destination) }}</h2>
                    <p data-testid="bundle-counts">{format!(
                        "{pushed} pushed, {refused} refused, {failed} failed — each image's line above says more."
                    )}</p>
                </div>
            }
            .into_any()
        }
    }
}
