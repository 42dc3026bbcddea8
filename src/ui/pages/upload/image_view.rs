//! Upload's view of one image of the opened archive: its warnings, its foreign layers (what the
//! panel says they are: [`foreign_kind`]), its layer tables, and — when it is the archive's only
//! image — where and how to push it. Apart from the page, which opens the archive and holds the
//! push's settings and actions ([`PushControls`]).

use leptos::prelude::*;
use waybill_core::archive::report::{ImageReport, ManifestReport};

use super::PushControls;
use crate::ui::api::workers::ImagePolicy;
use crate::ui::components::bundle_push::plain_layers;
use crate::ui::components::checkbox::Checkbox;
use crate::ui::components::chunk_size::ChunkSize;
use crate::ui::components::foreign_panel::{ForeignKind, ForeignPanel};
use crate::ui::components::layer_compression::LayerCompressionSelect;
use crate::ui::components::layer_table::{LayerTable, LayerView};
use crate::ui::components::marks_panel::LostMarksPanel;
use crate::ui::components::rejection_panel::{AbsentPanel, RejectionPanel};
use crate::ui::components::target_form::{TargetForm, target_reference};
use crate::ui::components::transfer_panel::TransferPanel;
use crate::ui::push_choices::PushChoices;
use crate::ui::transfer::Phase;

/// What the foreign-layer panel says the archive's image is: the platform of its one image
/// manifest (several platforms: none in particular) and its foreign layers' media types.
fn foreign_kind(img: &ImageReport) -> ForeignKind {
    let images: Vec<&ManifestReport> = img.manifests.iter().filter(|m| m.attests.is_none()).collect();
    let platform = match images.as_slice() {
        [one] => Some(one.platform.clone()),
        _ => None,
    };
    ForeignKind::new(
        platform,
        img.manifests.iter().flat_map(|m| &m.layers).map(|l| (l.foreign, l.media_type.as_str())),
    )
}

/// One image's warnings, foreign layers and layer tables; and, when it is the archive's only
/// image (`alone`), where and how to push it.
#[component]
pub(super) fn ImageView(
    img: ImageReport,
    policy: ImagePolicy,
    controls: PushControls,
    alone: bool,
) -> impl IntoView {
    let PushControls { choices, fields, prompt, transfer, target, push, cancel, .. } = controls;
    let PushChoices { allow, fetch, accept_lost_marks, compress, chunk_mib } = choices;
    let plain_layers = plain_layers(&img);
    let foreign_bytes: u64 =
        img.manifests.iter().flat_map(|m| &m.layers).filter(|l| l.foreign).map(|l| l.size).sum();
    let several = img.manifests.len() > 1;
    let manifests = img.manifests.clone();
    let rejections = policy.rejections.clone();
    let absent = policy.absent_foreign.clone();
    let has_absent = !absent.is_empty();
    let marks_lost = policy.lost_marks.is_some();
    let unacknowledged = move || marks_lost && !accept_lost_marks.get();
    let target_ok = move || fields.with(|f| target_reference(f).is_ok());
    view! {
        {(!img.warnings.is_empty()).then(|| view! {
            <div class="notice warn"><h3>"Before you push"</h3>
                <ul>{img.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul></div>
        })}
        {(img.foreign_count > 0).then(|| view! {
            <ForeignPanel count=img.foreign_count bytes=foreign_bytes allow kind=foreign_kind(&img) />
        })}
        {policy.lost_marks.clone().map(|lost| view! { <LostMarksPanel lost accepted=accept_lost_marks /> })}
        {move || manifests.iter().map(|m| {
            let heading = several.then(|| view! { <h2 class="platform-heading">{m.heading()}</h2> });
            view! { {heading} <LayerTable layers=LayerView::from_archive(&m.layers, allow.get()) /> }
        }).collect_view()}
        {alone.then(|| view! {
        <TargetForm page="upload" fields legend="Push to" prompt />
        <section class="panel" aria-labelledby="push-heading">
            <h2 id="push-heading">"Push"</h2>
            {move || {
                if !allow.get() && !rejections.is_empty() {
                    return view! {
                        <RejectionPanel rejections=rejections.clone() allow action="Push" absent=absent.clone() fetch />
                    }.into_any();
                }
                if allow.get() && has_absent && !fetch.get() {
                    return view! { <AbsentPanel absent=absent.clone() allow fetch /> }.into_any();
                }
                view! {
                    <div class="row">
                        <button type="button" data-testid="push"
                            disabled=move || transfer.running() || !target_ok() || unacknowledged()
                            on:click=move |_| push.run(())>"Verify and push"</button>
                        <span class="hint" data-testid="push-hint">{move || {
                            if !target_ok() { "Fill in where to push first." }
                            else if unacknowledged() { "Read the warning about lost foreign-layer marks above and tick it first." }
                            else { "Every file is hashed first; nothing is sent if one is wrong." }
                        }}</span>
                    </div>
                }.into_any()
            }}
            // The options after the action: Tab reaches Push first (issue 16).
            <div class="row">
                {has_absent.then(|| view! {
                    <Checkbox checked=fetch
                        label="Fetch missing foreign layers from their urls (https, through the proxy if it permits the host)" />
                })}
                {(plain_layers > 0).then(|| view! { <LayerCompressionSelect compress layers=plain_layers /> })}
                <ChunkSize id="chunk-size" chunk_mib />
            </div>
        </section>
        {move || (transfer.phase.get() != Phase::Idle).then(|| view! {
            <TransferPanel transfer verb="Push" target on_cancel=cancel allow fetch />
        })}
        })}
    }
}
