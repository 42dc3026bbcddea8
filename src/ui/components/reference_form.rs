//! The reference box: what to inspect, with examples and the recent references.

use leptos::prelude::*;

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
/// so the result has a link of its own.
#[component]
pub fn ReferenceForm(reference: String) -> impl IntoView {
    let text = RwSignal::new(reference);
    let history = RwSignal::new(session::history());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = text.get_untracked().trim().to_owned();
        if !value.is_empty() {
            go_inspect(&value, "");
        }
    };
    let pick = move |value: &'static str| {
        move |_| {
            text.set(value.to_owned());
            go_inspect(value, "");
        }
    };
    view! {
        <form class="panel" on:submit=submit role="search" aria-label="Inspect an image">
            <label for="reference">"Image reference"</label>
            <div class="row">
                <div class="grow">
                    <input
                        id="reference"
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
            <div class="chips" aria-label="Examples">
                <span class="hint">"Examples: "</span>
                {EXAMPLES.iter().map(|(example, why)| view! {
                    <button type="button" class="chip" title=*why on:click=pick(example)>{*example}</button>
                }).collect_view()}
            </div>
            {move || {
                let recent = history.get();
                (!recent.is_empty()).then(|| view! {
                    <div class="chips" aria-label="Recent references" data-testid="history">
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
