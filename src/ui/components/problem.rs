//! A failure shown as what happened, the registry's or proxy's own words, and what to do.

use leptos::prelude::*;

use crate::ui::problems::Problem;

/// The error panel.
#[component]
pub fn ProblemPanel(problem: Problem) -> impl IntoView {
    view! {
        <div class="notice error" role="alert" data-testid="problem">
            <h2>{problem.title}</h2>
            {(!problem.hint.is_empty()).then(|| view! { <p>{problem.hint}</p> })}
            <details>
                <summary>"Details"</summary>
                <p class="mono wrap">{problem.detail}</p>
            </details>
        </div>
    }
}
