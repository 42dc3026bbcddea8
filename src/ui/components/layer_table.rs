//! The classified layer table: the two foreign-layer signals side by side, never merged, and
//! (for an image from a registry) each layer's verification, or (for a dropped archive) whether
//! the archive holds each layer's blob.

use leptos::prelude::*;
use waybill_core::archive::Presence;
use waybill_core::archive::report::LayerRow as ArchiveLayer;
use waybill_core::digest::Digest;
use waybill_core::manifest_report::LayerReport;
use waybill_core::media::LayerKind;
use waybill_core::policy::pulp_verdict;
use waybill_core::size::human;

use crate::ui::components::blob_status::BlobStatus;
use crate::ui::components::breakable::Breakable;
use crate::ui::components::data_table::{Column, DataTable};
use crate::ui::components::digest::DigestBadge;
use crate::ui::verify::Verification;

/// What one row shows, from a registry manifest's report or a dropped archive's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerView {
    /// The digest; `None` for a compressed docker-save layer file until it is hashed.
    pub digest: Option<Digest>,
    /// The config's diff ID (archives).
    pub diff_id: Option<Digest>,
    /// Size in bytes (`None` for schema 1).
    pub size: Option<u64>,
    /// Media type.
    pub media_type: String,
    /// Its two foreign-layer signals, compression and emptiness.
    pub kind: LayerKind,
    /// Its urls.
    pub urls: Vec<String>,
    /// What a push to Pulp does with it, under the page's policy.
    pub pulp_push: String,
    /// For archives: whether the archive holds its blob.
    pub presence: Option<Presence>,
}

impl LayerView {
    /// The rows of a registry manifest's report.
    pub fn from_reports(layers: &[LayerReport]) -> Vec<LayerView> {
        layers
            .iter()
            .map(|l| LayerView {
                digest: Some(l.digest.clone()),
                diff_id: None,
                size: l.size,
                media_type: l.media_type.clone(),
                kind: l.kind(),
                urls: l.urls.clone(),
                pulp_push: l.pulp.push.clone(),
                presence: None,
            })
            .collect()
    }

    /// The rows of an archive image's layers, under the page's policy.
    pub fn from_archive(layers: &[ArchiveLayer], allow_foreign_layers: bool) -> Vec<LayerView> {
        layers
            .iter()
            .map(|l| {
                let kind = LayerKind {
                    non_distributable: l.foreign,
                    has_urls: l.has_urls,
                    compression: l.compression,
                    empty: l.empty,
                    known_media_type: true,
                };
                LayerView {
                    digest: l.digest.clone(),
                    diff_id: l.diff_id.clone(),
                    size: Some(l.size),
                    media_type: l.media_type.clone(),
                    urls: l.urls.clone(),
                    pulp_push: pulp_verdict(&kind, allow_foreign_layers).push,
                    kind,
                    presence: Some(l.presence),
                }
            })
            .collect()
    }
}

/// One row per layer, base layer first. With a `verification`, a last column verifies layers;
/// rows from an archive add whether the archive holds each blob.
#[component]
pub fn LayerTable(
    layers: Vec<LayerView>,
    #[prop(optional)] verification: Option<Verification>,
) -> impl IntoView {
    let archive = layers.iter().any(|l| l.presence.is_some());
    let mut columns: Vec<Column> =
        vec!["#".into(), "Digest".into(), "Size".into(), "Media type".into(), "Signals".into()];
    columns.extend(archive.then_some(Column::from("In archive")));
    columns.push("Pulp on push".into());
    columns.extend(verification.is_some().then_some(Column::from("Verification")));
    view! {
        <section class="panel" aria-labelledby="layers-heading">
            <h2 id="layers-heading">"Layers"</h2>
            <DataTable class="layers" columns>
                {layers.into_iter().enumerate().map(|(i, layer)| {
                    view! { <LayerRow index=i + 1 layer verification=verification.clone() /> }
                }).collect_view()}
            </DataTable>
        </section>
    }
}

#[component]
fn LayerRow(index: usize, layer: LayerView, verification: Option<Verification>) -> impl IntoView {
    let size = layer.size.map_or_else(|| "unknown".to_owned(), human);
    let exact = layer.size.map(|s| format!("{s} bytes"));
    let digest_attr = layer.digest.as_ref().map(ToString::to_string).unwrap_or_default();
    view! {
        <tr class:is-foreign=layer.kind.non_distributable data-testid="layer-row" data-digest=digest_attr>
            <td data-label="Layer">{index}</td>
            <td data-label="Digest">
                {match layer.digest.clone() {
                    Some(digest) => view! { <DigestBadge digest /> }.into_any(),
                    None => view! { <span class="hint">"known once hashed (a compressed layer file)"</span> }.into_any(),
                }}
                {layer.diff_id.clone().filter(|d| Some(d) != layer.digest.as_ref()).map(|d| view! {
                    <span class="exact" title=d.to_string()>{format!("diff_id {}:{}…", d.algorithm(), d.short())}</span>
                })}
            </td>
            <td class="num" data-label="Size">{size}<span class="exact">{exact}</span></td>
            <td data-label="Media type">
                <code><Breakable text=layer.media_type.clone() /></code>
                <span class="exact">{format!("compression: {}", layer.kind.compression.as_str())}</span>
            </td>
            <td data-label="Signals">
                {layer.kind.non_distributable.then(|| view! {
                    <span class="badge foreign" title="Non-distributable by media type">"FOREIGN"</span>
                })}
                {layer.kind.has_urls.then(|| view! {
                    <span class="badge urls" title="The descriptor lists urls to fetch it from">"URLS"</span>
                })}
                {layer.kind.empty.then(|| view! { <span class="badge empty">"EMPTY"</span> })}
                {(!layer.urls.is_empty()).then(|| view! {
                    <ul class="layer-urls" aria-label="urls">
                        {layer.urls.iter().map(|u| view! { <li><code><Breakable text=u.clone() /></code></li> }).collect_view()}
                    </ul>
                })}
            </td>
            {layer.presence.map(|presence| view! { <td data-label="In archive" data-testid="presence">{presence_text(presence)}</td> })}
            <td data-label="Pulp">{layer.pulp_push.clone()}</td>
            {verification.map(|v| view! {
                <td data-label="Verification" class="verify-cell">
                    <BlobStatus verification=v index=index label=format!("layer {index}") />
                </td>
            })}
        </tr>
    }
}

fn presence_text(presence: Presence) -> &'static str {
    match presence {
        Presence::Present => "present in archive",
        Presence::UncompressedOnly => "missing (only its uncompressed tar is in the archive)",
        Presence::Missing => "missing",
    }
}
