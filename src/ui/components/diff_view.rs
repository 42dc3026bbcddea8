//! What differs between two images, as the core's diff says (the CLI's `waybill diff`): layers
//! shared and only on one side, the run-time config fields that differ, and the files added,
//! removed and changed.

use leptos::prelude::*;
use serde_json::Value;
use waybill_core::digest::Digest;
use waybill_core::layers::diff::{FileChange, FileFacts, ImageDiff};
use waybill_core::size::human;

use crate::ui::components::digest::DigestBadge;

/// The diff of A and B.
#[component]
pub fn DiffView(diff: ImageDiff) -> impl IntoView {
    let ImageDiff { layers, config, files } = diff;
    let same_config = config.is_empty();
    let no_files = files.added.is_empty() && files.removed.is_empty() && files.changed.is_empty();
    view! {
        <section class="panel" aria-labelledby="diff-layers-heading" data-testid="diff-layers">
            <h2 id="diff-layers-heading">"Layers"</h2>
            <LayerList title="In both" testid="layers-shared" digests=layers.shared />
            <LayerList title="Only in A" testid="layers-only-a" digests=layers.only_a />
            <LayerList title="Only in B" testid="layers-only-b" digests=layers.only_b />
        </section>
        <section class="panel" aria-labelledby="diff-config-heading" data-testid="diff-config">
            <h2 id="diff-config-heading">"How a container runs"</h2>
            {if same_config {
                view! { <p class="hint">"The same environment, entrypoint, command, labels, user, working directory and ports."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="diff-table">
                        <thead><tr><th scope="col">"Setting"</th><th scope="col">"A"</th><th scope="col">"B"</th></tr></thead>
                        <tbody>
                            {config.into_iter().map(|c| view! {
                                <tr data-testid="config-change" data-field=c.field.clone()>
                                    <td><code>{setting_name(&c.field)}</code></td>
                                    <td data-label="A"><code>{shown(&c.a)}</code></td>
                                    <td data-label="B"><code>{shown(&c.b)}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="diff-files-heading" data-testid="diff-files">
            <h2 id="diff-files-heading">"Files"</h2>
            {no_files.then(|| view! { <p class="hint">"The same files, with the same contents."</p> })}
            <PathList title="Added in B" testid="files-added" paths=files.added />
            <PathList title="Removed from A" testid="files-removed" paths=files.removed />
            {(!files.changed.is_empty()).then(|| view! {
                <h3>{format!("Changed ({})", files.changed.len())}</h3>
                <div class="table-wrap"><table class="diff-table" data-testid="files-changed">
                    <thead><tr><th scope="col">"Path"</th><th scope="col">"What differs"</th><th scope="col">"A"</th><th scope="col">"B"</th></tr></thead>
                    <tbody>{files.changed.into_iter().map(|c| view! { <ChangedLine change=c /> }).collect_view()}</tbody>
                </table></div>
            })}
        </section>
    }
}

#[component]
fn LayerList(title: &'static str, testid: &'static str, digests: Vec<Digest>) -> impl IntoView {
    view! {
        <h3>{format!("{title} ({})", digests.len())}</h3>
        <ul class="plain" data-testid=testid>
            {digests.into_iter().map(|d| {
                let attr = d.to_string();
                view! { <li data-digest=attr><DigestBadge digest=d /></li> }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn PathList(title: &'static str, testid: &'static str, paths: Vec<String>) -> impl IntoView {
    (!paths.is_empty()).then(|| {
        view! {
            <h3>{format!("{title} ({})", paths.len())}</h3>
            <ul class="plain" data-testid=testid>
                {paths.into_iter().map(|p| {
                    let attr = p.clone();
                    view! { <li data-path=attr><code>{p}</code></li> }
                }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn ChangedLine(change: FileChange) -> impl IntoView {
    let FileChange { path, fields, a, b } = change;
    let (attr, listed) = (path.clone(), fields.join(","));
    view! {
        <tr data-testid="file-changed" data-path=attr data-fields=listed>
            <td><code>{path}</code></td>
            <td>{fields.iter().map(|f| field_name(f)).collect::<Vec<_>>().join(", ")}</td>
            <td data-label="A">{facts(&a, &fields)}</td>
            <td data-label="B">{facts(&b, &fields)}</td>
        </tr>
    }
}

/// The facts of one side that differ.
fn facts(side: &FileFacts, fields: &[String]) -> String {
    let shown: Vec<String> = fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => side.kind.as_str().to_owned(),
            "size" => human(side.size),
            "mode" => format!("{:04o}", side.mode),
            "sha256" => side.sha256.as_ref().map_or("–".into(), |d| format!("{}…", d.short())),
            "link" => side.link.clone().unwrap_or_else(|| "–".into()),
            other => other.to_owned(),
        })
        .collect();
    format!("{} (layer {})", shown.join(", "), side.layer)
}

fn field_name(field: &str) -> &str {
    match field {
        "sha256" => "content",
        "type" => "type",
        "link" => "link target",
        other => other,
    }
}

/// `env.NAME` and `labels.KEY` as the app says them; the whole fields by their config names.
fn setting_name(field: &str) -> String {
    match field.split_once('.') {
        Some(("env", name)) => format!("environment {name}"),
        Some(("labels", key)) => format!("label {key}"),
        _ => field.replace('_', " "),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(not set)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
