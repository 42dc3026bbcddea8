//! A labelled checkbox bound to a signal: the options that pushes, copies, verification and the
//! login form are ticked on, each once drawn by hand the same way.

use leptos::prelude::*;

/// A checkbox inside its `label`, ticked while `checked` is true and setting it when clicked;
/// `testid` (the e2e tests' `data-testid`) only where a test picks it that way.
#[component]
pub fn Checkbox(
    label: &'static str,
    checked: RwSignal<bool>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input type="checkbox" data-testid=testid prop:checked=move || checked.get()
                on:change=move |ev| checked.set(event_target_checked(&ev)) />
            {label}
        </label>
    }
}
