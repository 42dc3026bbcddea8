//! The classified layer table: the two foreign-layer signals side by side, never merged, and
//! (for an image from a registry) each layer's verification.

use leptos::prelude::*;
use waybill_core::report::LayerReport;
use waybill_core::size::human;

use crate::components::blob_status::BlobStatus;
use crate::components::digest::DigestBadge;
use crate::verify::Verification;

/// One row per layer, base layer first. With a `verification`, a last column verifies layers.
#[component]
pub fn LayerTable(
    layers: Vec<LayerReport>,
    #[prop(optional)] verification: Option<Verification>,
) -> impl IntoView {
    let verifying = verification.is_some();
    view! {
        <section class="panel" aria-labelledby="layers-heading">
            <h2 id="layers-heading">"Layers"</h2>
            <div class="table-wrap">
                <table class="layers">
                    <thead>
                        <tr>
                            <th scope="col">"#"</th>
                            <th scope="col">"Digest"</th>
                            <th scope="col">"Size"</th>
                            <th scope="col">"Media type"</th>
                            <th scope="col">"Signals"</th>
                            <th scope="col">"Pulp on push"</th>
                            {verifying.then(|| view! { <th scope="col">"Verification"</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {layers.into_iter().enumerate().map(|(i, layer)| {
                            view! { <LayerRow index=i + 1 layer verification=verification.clone() /> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn LayerRow(index: usize, layer: LayerReport, verification: Option<Verification>) -> impl IntoView {
    let size = layer.size.map_or_else(|| "unknown".to_owned(), human);
    let exact = layer.size.map(|s| format!("{s} bytes"));
    view! {
        <tr class:is-foreign=layer.foreign data-testid="layer-row" data-digest=layer.digest.to_string()>
            <td data-label="Layer">{index}</td>
            <td data-label="Digest"><DigestBadge digest=layer.digest.clone() /></td>
            <td class="num" data-label="Size">{size}<span class="exact">{exact}</span></td>
            <td data-label="Media type">
                <code class="wrap">{layer.media_type.clone()}</code>
                <span class="exact">{format!("compression: {}", layer.compression.as_str())}</span>
            </td>
            <td data-label="Signals">
                {layer.foreign.then(|| view! {
                    <span class="badge foreign" title="Non-distributable by media type">"FOREIGN"</span>
                })}
                {layer.has_urls.then(|| view! {
                    <span class="badge urls" title="The descriptor lists urls to fetch it from">"URLS"</span>
                })}
                {layer.empty.then(|| view! { <span class="badge empty">"EMPTY"</span> })}
                {(!layer.urls.is_empty()).then(|| view! {
                    <ul class="layer-urls" aria-label="urls">
                        {layer.urls.iter().map(|u| view! { <li><code>{u.clone()}</code></li> }).collect_view()}
                    </ul>
                })}
            </td>
            <td data-label="Pulp">{layer.pulp.push.clone()}</td>
            {verification.map(|v| view! {
                <td data-label="Verification" class="verify-cell">
                    <BlobStatus verification=v index=index label=format!("layer {index}") />
                </td>
            })}
        </tr>
    }
}
