//! The reference box: what to inspect, with examples this deployment can reach and the recent
//! references.

use leptos::prelude::*;
use waybill_core::proxy::Reach;
use waybill_core::reference::Reference;

use crate::ui::api;
use crate::ui::route::go_inspect;
use crate::ui::session;

/// References worth trying, each showing something Waybill is good at.
const EXAMPLES: &[(&str, &str)] = &[
    ("alpine:3.20", "a small multi-platform image"),
    (
        "portainer/portainer:windows-amd64-1.13.0",
        "the Windows image with foreign layers that started Waybill",
    ),
    ("mcr.microsoft.com/windows/nanoserver:1809", "a Windows base image"),
    ("ghcr.io/oras-project/oras:v1.2.0", "an image on GitHub's registry"),
];

/// Reference input, Inspect button, examples and history. Submitting changes the page's hash,
/// so the result has a link of its own. `history` is the page's: it adds a reference once it
/// was read, after this form was drawn, and the list must show it then, not one navigation later.
#[component]
pub fn ReferenceForm(reference: String, history: RwSignal<Vec<String>>) -> impl IntoView {
    let text = RwSignal::new(reference);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = text.get_untracked().trim().to_owned();
        if !value.is_empty() {
            go_inspect(&value, "");
        }
    };
    let input = NodeRef::<leptos::html::Input>::new();
    view! {
        <form class="panel" on:submit=submit role="search" aria-label="Inspect an image">
            <label for="reference">"Image reference"</label>
            <div class="row">
                <div class="grow">
                    <input
                        id="reference"
                        node_ref=input
                        type="text"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        placeholder="e.g. alpine:3.20 or registry:5000/team/app@sha256:…"
                        aria-describedby="reference-hint"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" disabled=move || text.with(|t| t.trim().is_empty())>"Inspect"</button>
            </div>
            <p id="reference-hint" class="hint">
                "Anything docker pull takes. Registries are reached through Waybill's proxy; nothing is downloaded "
                "until you verify."
            </p>
            <Examples text input />
            {move || {
                let recent = history.get();
                (!recent.is_empty()).then(|| view! {
                    <div class="chips" role="group" aria-label="Recent references" data-testid="history">
                        <span class="hint">"Recent: "</span>
                        {recent.into_iter().map(|r| {
                            let target = r.clone();
                            view! {
                                <button type="button" class="chip" on:click=move |_| {
                                    text.set(target.clone());
                                    go_inspect(&target, "");
                                }>{r}</button>
                            }
                        }).collect_view()}
                        <button type="button" class="chip quiet" on:click=move |_| {
                            session::clear_history();
                            history.set(Vec::new());
                        }>"Clear"</button>
                    </div>
                })
            }}
        </form>
    }
}

/// The examples the proxy can reach (it says which registries at `/api/reach`); else the
/// registries it reaches, each a start for a reference; else how to configure one. All the
/// examples when the server does not say.
#[component]
fn Examples(text: RwSignal<String>, input: NodeRef<leptos::html::Input>) -> impl IntoView {
    let reach = LocalResource::new(api::reach);
    move || {
        let reach: Option<Reach> = reach.get()?;
        let reachable: Vec<&(&str, &str)> = EXAMPLES
            .iter()
            .filter(|(example, _)| {
                reach
                    .as_ref()
                    .is_none_or(|reach| Reference::parse(example).is_ok_and(|r| reach.reaches(r.api_host())))
            })
            .collect();
        if !reachable.is_empty() {
            return Some(
                view! {
                    <div class="chips" role="group" aria-label="Examples" data-testid="examples">
                        <span class="hint">"Examples: "</span>
                        {reachable.into_iter().map(|&(example, why)| view! {
                            <button type="button" class="chip" title=why on:click=move |_| {
                                text.set(example.to_owned());
                                go_inspect(example, "");
                            }>{example}</button>
                        }).collect_view()}
                    </div>
                }
                .into_any(),
            );
        }
        let registries = reach.map(|r| r.registries).unwrap_or_default();
        if registries.is_empty() {
            return Some(
                view! {
                    <p class="notice warn" data-testid="no-registries">
                        "This Waybill's proxy reaches no registry yet. List the registries it may reach in "
                        <code>"allowed_hosts"</code>" (HTTPS), "<code>"private_hosts"</code>" (a private network) or "
                        <code>"plain_http_hosts"</code>" (this machine) in the [proxy] table of waybill.toml (or the "
                        "Worker's configuration), then reload."
                    </p>
                }
                .into_any(),
            );
        }
        Some(
            view! {
                <div class="chips" role="group" aria-label="Registries this Waybill reaches" data-testid="reachable-registries">
                    <span class="hint">"Registries this Waybill reaches: "</span>
                    {registries.into_iter().map(|registry| {
                        let start = format!("{registry}/");
                        view! {
                            <button type="button" class="chip" title="Start a reference on this registry"
                                on:click=move |_| {
                                    text.set(start.clone());
                                    if let Some(field) = input.get() {
                                        let _ = field.focus();
                                    }
                                }>{registry}</button>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any(),
        )
    }
}
