//! The figures at the top of a report: what it is, how big, how much of it is foreign.

use leptos::prelude::*;
use waybill_core::manifest_report::InspectReport;
use waybill_core::size::human;

/// Manifest identity, totals and warnings.
#[component]
pub fn Summary(report: InspectReport) -> impl IntoView {
    let foreign_label = if report.foreign_count == 1 { "foreign layer" } else { "foreign layers" };
    view! {
        <section class="panel" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"Summary"</h2>
            <ul class="stats" data-testid="totals">
                <li><strong>{report.layer_count}</strong><span>"layers"</span></li>
                <li title=format!("{} bytes", report.total_size)>
                    <strong>{human(report.total_size)}</strong><span>"in layers"</span>
                </li>
                <li class:foreign={report.foreign_count > 0} data-testid="foreign-count">
                    <strong>{format!("{} {foreign_label}", report.foreign_count)}</strong>
                    <span>{format!("{} foreign", human(report.foreign_size))}</span>
                </li>
            </ul>
            <p>
                <span class="hint">"Media type "</span><code>{report.media_type.clone()}</code><br />
                <span class="hint">"Manifest digest "</span><code>{report.digest.to_string()}</code>
            </p>
            {report.legacy.then(|| view! {
                <div class="notice warn">
                    "Docker schema 1: a legacy format registries are dropping. Waybill shows it but never pushes it."
                </div>
            })}
            {(!report.warnings.is_empty()).then(|| view! {
                <div class="notice warn">
                    <h3>"Before you push"</h3>
                    <ul>{report.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
        </section>
    }
}
