//! Inspect: classify every layer of a manifest and say what Pulp would do with it.
//!
//! This first version takes a pasted manifest; fetching by reference through the proxy builds on
//! the same report view.

use leptos::prelude::*;
use waybill_core::manifest::ManifestDocument;
use waybill_core::report::InspectReport;

use crate::components::foreign_panel::ForeignPanel;
use crate::components::layer_table::LayerTable;
use crate::components::summary::Summary;

/// The Inspect page.
#[component]
pub fn InspectPage() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let allow_foreign = RwSignal::new(false);
    let parsed = RwSignal::new(None::<Result<ManifestDocument, String>>);

    let classify = move |_| {
        let bytes = text.get_untracked().into_bytes();
        parsed.set(Some(ManifestDocument::parse(bytes, None).map_err(|e| e.to_string())));
    };
    // The report follows the toggle: the per-layer Pulp verdicts depend on the policy.
    let report = move || {
        parsed.with(|p| match p {
            Some(Ok(doc)) => {
                Some(Ok(InspectReport::from_document(doc).allowing_foreign_layers(allow_foreign.get())))
            }
            Some(Err(e)) => Some(Err(e.clone())),
            None => None,
        })
    };

    view! {
        <h1>"Inspect"</h1>
        <p class="lead">
            "Paste an image manifest, manifest list or index to see every layer classified — "
            "distributable or foreign, with or without urls — and what Pulp would do with it."
        </p>
        <section class="panel" aria-labelledby="paste-heading">
            <h2 id="paste-heading">"Manifest"</h2>
            <label for="manifest-json">
                "Manifest JSON " <span class="hint">"(e.g. the output of skopeo inspect --raw)"</span>
            </label>
            <textarea
                id="manifest-json"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <div class="row" style="margin-top:10px">
                <button on:click=classify disabled=move || text.with(|t| t.trim().is_empty())>
                    "Classify layers"
                </button>
            </div>
        </section>
        {move || report().map(|r| match r {
            Err(message) => view! {
                <div class="notice error" role="alert">
                    <h2>"This is not a manifest Waybill can read"</h2>
                    <p>{message}</p>
                    <p>"Check that you pasted the whole document, exactly as the registry served it."</p>
                </div>
            }.into_any(),
            Ok(report) => view! {
                <Summary report=report.clone() />
                {(report.foreign_count > 0).then(|| view! {
                    <ForeignPanel
                        count=report.foreign_count
                        bytes=report.foreign_size
                        allow=allow_foreign
                    />
                })}
                <LayerTable layers=report.layers.clone() />
            }.into_any(),
        })}
    }
}
