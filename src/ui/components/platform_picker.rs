//! The platforms of an index or manifest list, each a link to that platform's image.

use leptos::prelude::*;
use waybill_core::manifest::{Descriptor, title};
use waybill_core::platform::PlatformSpec;
use waybill_core::size::human;

use crate::ui::components::data_table::{Column, DataTable};
use crate::ui::route::inspect_hash;

/// One row per index entry: os, architecture, variant, os.version; the chosen one marked.
#[component]
pub fn PlatformPicker(reference: String, entries: Vec<Descriptor>, current: String) -> impl IntoView {
    let chosen = PlatformSpec::parse(&current).ok();
    let count = entries.len();
    let columns = vec![
        "OS".into(),
        "Architecture".into(),
        "Variant".into(),
        "OS version".into(),
        "Manifest".into(),
        Column::unlabelled("Open"),
    ];
    view! {
        <section class="panel" aria-labelledby="platforms-heading" data-testid="platform-picker">
            <h2 id="platforms-heading">{format!("Index of {count} manifests: pick a platform")}</h2>
            <DataTable class="platforms" columns>
                {entries.into_iter().map(|entry| {
                    let platform = entry.platform.clone();
                    let spec = platform.as_ref().map(ToString::to_string);
                    let is_current = match (&chosen, &platform) {
                        (Some(c), Some(p)) => c.matches(p),
                        _ => false,
                    };
                    // An attestation's `unknown/unknown` is no platform to open.
                    let attests = entry.attests();
                    let link = spec.as_ref().filter(|_| attests.is_none()).map(|s| inspect_hash(&reference, s));
                    let p = platform.unwrap_or_default();
                    // Its full digest on hover, "attestation of <short>…" shown.
                    let attestation = attests.map(|image| (image.to_string(), title(&p, Some(&image))));
                    view! {
                        <tr class:current=is_current data-testid="platform-row">
                            <td data-label="OS">{p.os.clone()}</td>
                            <td data-label="Arch">{p.architecture.clone()}</td>
                            <td data-label="Variant">{p.variant.clone().unwrap_or_default()}</td>
                            <td data-label="OS version">{p.os_version.clone().unwrap_or_default()}</td>
                            <td data-label="Manifest">
                                <code title=entry.digest.to_string()>{format!("{}…", entry.digest.short())}</code>
                                <span class="exact">{human(entry.size)}</span>
                            </td>
                            <td>
                                {match (link, spec) {
                                    (Some(href), Some(spec)) if is_current => view! {
                                        <a class="button small" href=href aria-current="true">{format!("Showing {spec}")}</a>
                                    }.into_any(),
                                    (Some(href), Some(spec)) => view! {
                                        <a class="button small secondary" href=href>{format!("Inspect {spec}")}</a>
                                    }.into_any(),
                                    _ => match attestation {
                                        Some((digest, shown)) => view! {
                                            <span class="hint" title=digest>{shown}</span>
                                        }.into_any(),
                                        None => view! { <span class="hint">"no platform (an attachment)"</span> }.into_any(),
                                    },
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </section>
    }
}
