//! A labelled one-line text field with its hint, bound to a signal: the form fields of the
//! Audit page (names and hosts, so no spell checking and no capitals).

use leptos::prelude::*;

/// A text field `id`, labelled `label`, described by `hint` (the caller lays the three out).
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    hint: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <label for=id>{label}</label>
        <input id=id type="text" autocomplete="off" autocapitalize="off" spellcheck="false"
            placeholder=placeholder aria-describedby=hint_id.clone()
            prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        <span class="hint" id=hint_id>{hint}</span>
    }
}
