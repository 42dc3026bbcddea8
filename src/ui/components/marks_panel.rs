//! The warning for a Windows image whose archive lost the foreign-layer marks (the core's
//! `archive::marks`), shown where the foreign-layer panel would be, with the acknowledgement
//! that Push waits for: such layers would otherwise go up as ordinary layers, with no word said.

use leptos::prelude::*;
use waybill_core::archive::marks::LostMarks;
use waybill_core::size::human;

use crate::ui::components::checkbox::Checkbox;

/// The warning and its acknowledgement (`accepted`, off until ticked).
#[component]
pub fn LostMarksPanel(lost: LostMarks, accepted: RwSignal<bool>) -> impl IntoView {
    let LostMarks { platform, layer_count, base_layers } = lost;
    let named = (!base_layers.is_empty()).then(|| {
        view! {
            <p>"Its history says these are Windows base layers, which Microsoft published as foreign layers:"</p>
            <ul class="rejections">
                {base_layers.into_iter().map(|l| view! {
                    <li data-testid="lost-mark">
                        <strong>{format!("layer {} of {layer_count}", l.position)}</strong>
                        " · " <code class="wrap">{l.created_by}</code>
                        <span class="exact">{format!("{} · {}", human(l.size), l.path)}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <section class="notice warn" aria-labelledby="marks-heading" data-testid="marks-lost-panel">
            <h2 id="marks-heading">"This Windows image's foreign layers may have lost their marks"</h2>
            <p>
                {format!("A {platform} image from a docker-save archive without LayerSources. ")}
                "skopeo's docker-archive: and docker save without LayerSources write foreign (non-distributable) "
                "layers as ordinary ones, so nothing in this archive says which layers their publisher restricts."
            </p>
            {named}
            <p>
                <strong>"Pushed as it is"</strong>", they go up as ordinary layers: that redistributes Microsoft's "
                "base layers, and the image's digests are not the published ones."
            </p>
            <p>
                "Archives that keep the marks: " <strong>"docker save"</strong>" with LayerSources, or "
                <strong>"waybill save"</strong>". Or copy the image from its registry on the "
                <a href="#/copy">"Copy"</a>" page."
            </p>
            <Checkbox checked=accepted testid="accept-lost-marks" label="I understand: push these layers as ordinary layers" />
        </section>
    }
}
