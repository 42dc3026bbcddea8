//! A labelled one-line text field with its hint, bound to a signal: the form fields of the
//! Audit and Copy repository pages (names and hosts, so no spell checking and no capitals).

use leptos::prelude::*;

/// A text field `id`, labelled `label`, described by `hint`, in a box that takes its share of a
/// `.row`. `children`, when given, are the field's action (its form's submit button), drawn
/// beside the input as Inspect's reference box draws its button.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    hint: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let input = view! {
        <input id=id type="text" autocomplete="off" autocapitalize="off" spellcheck="false"
            placeholder=placeholder aria-describedby=hint_id.clone()
            prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
    };
    view! {
        <div class="grow">
            <label for=id>{label}</label>
            {match children {
                Some(action) => view! { <div class="row"><div class="grow">{input}</div>{action()}</div> }.into_any(),
                None => input.into_any(),
            }}
            <span class="hint" id=hint_id>{hint}</span>
        </div>
    }
}
