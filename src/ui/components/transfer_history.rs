//! This tab's pushes and copies: each one's target, manifest digest and pull command, kept in
//! sessionStorage (`session::transfers`) so that a second push does not hide where the first went,
//! and gone when the tab closes. Holds no credentials.

use leptos::prelude::*;

use crate::ui::components::breakable::Breakable;
use crate::ui::components::digest::CopyButton;
use crate::ui::components::result_panel::Target;
use crate::ui::session::{self, TransferRecord};
use crate::ui::transfer::{Phase, Transfer};

/// The list; a run of `transfer` that ends well is added at the top as it ends.
#[component]
pub fn TransferHistory(
    transfer: Transfer,
    verb: &'static str,
    target: Signal<Option<Target>>,
) -> impl IntoView {
    let list = RwSignal::new(session::transfers());
    Effect::new(move |_| {
        let Phase::Done(report, _) = transfer.phase.get() else { return };
        let Some(target) = target.get_untracked() else { return };
        let digest = report.digest.to_string();
        session::remember_transfer(TransferRecord {
            verb: verb.to_owned(),
            target: target.by_tag(),
            pull: target.pull_by_digest(&digest),
            digest,
        });
        list.set(session::transfers());
    });
    move || {
        let records = list.get();
        (!records.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="history-heading" data-testid="transfer-history">
                <h2 id="history-heading">"Pushed and copied in this tab"</h2>
                <ol class="history">
                    {records.into_iter().map(|r| view! {
                        <li data-testid="history-entry">
                            <span class="badge empty">{r.verb.clone()}</span>
                            <strong><Breakable text=r.target.clone() /></strong>
                            <span class="exact"><code><Breakable text=r.digest.clone() /></code></span>
                            <span class="exact"><code data-testid="history-pull"><Breakable text=r.pull.clone() /></code>
                                " "<CopyButton text=r.pull.clone() what="pull command" /></span>
                        </li>
                    }).collect_view()}
                </ol>
                <p class="hint">"Kept for this tab only, without logins."</p>
            </section>
        })
    }
}
