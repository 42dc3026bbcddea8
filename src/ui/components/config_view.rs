//! What the image config says: platform, how it runs, its history, and the diff_ids next to
//! the layers they describe.

use leptos::prelude::*;
use waybill_core::config::ImageConfig;
use waybill_core::manifest::Descriptor;

use crate::ui::components::data_table::DataTable;
use crate::ui::verify::{BlobState, Verification};
use waybill_core::transfer::DiffIdCheck;

/// The config panel.
#[component]
pub fn ConfigView(config: ImageConfig, layers: Vec<Descriptor>, verification: Verification) -> impl IntoView {
    let run = config.config.clone().unwrap_or_default();
    let list = |v: &Option<Vec<String>>| v.as_ref().map(|v| format!("{v:?}")).unwrap_or_else(|| "—".into());
    let platform = config.platform().to_string();
    let mismatch = config.check_layer_count(layers.len()).err().map(|e| e.to_string());
    let mut layer_no = 0;
    let history = config.history.clone();
    view! {
        <section class="panel" aria-labelledby="config-heading" data-testid="config">
            <h2 id="config-heading">"Config"</h2>
            <dl class="facts">
                <dt>"Platform"</dt><dd><code>{platform}</code></dd>
                <dt>"Created"</dt><dd>{config.created.clone().unwrap_or_else(|| "—".into())}</dd>
                {config.author.clone().map(|a| view! { <dt>"Author"</dt><dd>{a}</dd> })}
                <dt>"Entrypoint"</dt><dd><code>{list(&run.entrypoint)}</code></dd>
                <dt>"Cmd"</dt><dd><code>{list(&run.cmd)}</code></dd>
                {run.working_dir.clone().filter(|w| !w.is_empty()).map(|w| view! { <dt>"Working dir"</dt><dd><code>{w}</code></dd> })}
                {run.user.clone().filter(|u| !u.is_empty()).map(|u| view! { <dt>"User"</dt><dd><code>{u}</code></dd> })}
                {(!run.exposed_ports.is_empty()).then(|| view! {
                    <dt>"Ports"</dt><dd><code>{run.exposed_ports.join(", ")}</code></dd>
                })}
                <dt>"Env"</dt>
                <dd>
                    {if run.env.is_empty() {
                        view! { "—" }.into_any()
                    } else {
                        view! { <ul class="plain">{run.env.iter().map(|e| view! { <li><code>{e.clone()}</code></li> }).collect_view()}</ul> }.into_any()
                    }}
                </dd>
                {(!run.labels.is_empty()).then(|| view! {
                    <dt>"Labels"</dt>
                    <dd><ul class="plain">{run.labels.iter().map(|(k, v)| view! { <li><code>{format!("{k}={v}")}</code></li> }).collect_view()}</ul></dd>
                })}
            </dl>

            <h3>"Layers and diff_ids"</h3>
            {mismatch.map(|m| view! { <div class="notice warn">{m}</div> })}
            <DataTable class="diffids"
                columns=vec!["#".into(), "Layer (compressed) digest".into(), "diff_id (uncompressed) from the config".into(), "Checked".into()]>
                {layers.iter().enumerate().map(|(i, layer)| {
                    let diff_id = config.rootfs.diff_ids.get(i).map(ToString::to_string);
                    let state = verification.layer_state(i);
                    view! {
                        <tr data-testid="diffid-row">
                            <td data-label="Layer">{i + 1}</td>
                            <td data-label="Digest"><code class="wrap">{layer.digest.to_string()}</code></td>
                            <td data-label="diff_id"><code class="wrap">{diff_id.unwrap_or_else(|| "missing".into())}</code></td>
                            <td data-label="Checked">{move || state.map(|s| diff_cell(&s.get()))}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>

            <h3>{format!("History ({} step{})", history.len(), if history.len() == 1 { "" } else { "s" })}</h3>
            <ol class="history">
                {history.into_iter().map(|step| {
                    let layer = (!step.empty_layer).then(|| { layer_no += 1; layer_no });
                    view! {
                        <li class:empty=step.empty_layer>
                            {match layer {
                                Some(n) => view! { <span class="badge urls">{format!("layer {n}")}</span> }.into_any(),
                                None => view! { <span class="badge empty" title="This step changed metadata only">"no layer"</span> }.into_any(),
                            }}
                            <code class="wrap">{step.created_by.clone().unwrap_or_default()}</code>
                            {step.created.clone().map(|c| view! { <span class="exact">{c}</span> })}
                            {step.comment.clone().map(|c| view! { <span class="exact">{c}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

fn diff_cell(state: &BlobState) -> AnyView {
    let BlobState::Done(checked) = state else {
        return view! { <span class="hint">"verify with “also check diff_ids”"</span> }.into_any();
    };
    match &checked.check.diff_id_check() {
        DiffIdCheck::NotChecked => view! { <span class="hint">"not checked"</span> }.into_any(),
        DiffIdCheck::Matches(_) => view! { <span class="verdict ok">"✓ matches"</span> }.into_any(),
        DiffIdCheck::Unlisted(actual) => view! {
            <span class="verdict warn">"content hashes to " <code class="wrap">{actual.to_string()}</code></span>
        }.into_any(),
        DiffIdCheck::Differs { actual, .. } => view! {
            <span class="verdict bad">"✗ content hashes to " <code class="wrap">{actual.to_string()}</code></span>
        }.into_any(),
        DiffIdCheck::Failed(why) => view! { <span class="verdict bad">{format!("✗ {why}")}</span> }.into_any(),
    }
}
