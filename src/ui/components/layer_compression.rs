//! How Upload pushes a docker-save image's uncompressed layers: gzip by default, as `docker push`
//! and skopeo do, zstd, or as stored. Shown only where it changes something.

use leptos::prelude::*;
use waybill_core::archive::compress::LayerCompression;

const CHOICES: &[(LayerCompression, &str, &str)] = &[
    (LayerCompression::Gzip, "gzip", "gzip (as docker push does)"),
    (LayerCompression::Zstd, "zstd", "zstd"),
    (LayerCompression::None, "none", "As stored (uncompressed)"),
];

/// A labelled select bound to `compress`, and what the choice does to `layers` plain layers.
#[component]
pub fn LayerCompressionSelect(compress: RwSignal<LayerCompression>, layers: usize) -> impl IntoView {
    let hint = move || match compress.get() {
        LayerCompression::None => {
            "Layers keep their digests (the diff IDs), and go up at full size.".to_owned()
        }
        _ => format!(
            "{layers} plain layer{} compressed while {} uploaded: smaller, with new digests, which the result \
             lists. Foreign layers are never recompressed.",
            if layers == 1 { " is" } else { "s are" },
            if layers == 1 { "it is" } else { "they are" },
        ),
    };
    view! {
        <div class="field-with-hint">
            <label for="layer-compression">"Layer compression"</label>
            <select id="layer-compression" data-testid="layer-compression" aria-describedby="layer-compression-hint"
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some((choice, ..)) = CHOICES.iter().find(|(_, v, _)| *v == value) {
                        compress.set(*choice);
                    }
                }>
                {CHOICES.iter().map(|&(choice, value, label)| view! {
                    <option value=value selected=move || compress.get() == choice>{label}</option>
                }).collect_view()}
            </select>
            <p class="hint" id="layer-compression-hint">{hint}</p>
        </div>
    }
}
