//! Audit: the tags in a Pulp that would fail to pull because Pulp lacks their foreign layers'
//! blobs — what Pulp's own sync leaves out. The core's audit does the work (`api::audit`, the one
//! `waybill audit` runs), reading Pulp's REST API and registry through the proxy, read only.

use std::sync::Arc;

use leptos::prelude::*;
use waybill_core::transfer::pulp_audit::{AuditProgress, AuditReport};

use crate::ui::api::Cancel;
use crate::ui::api::audit::audit;
use crate::ui::components::audit_report::AuditReportView;
use crate::ui::components::login_form::LoginForm;
use crate::ui::components::problem::ProblemPanel;
use crate::ui::components::target_form::registry_host;
use crate::ui::components::text_field::TextField;
use crate::ui::problems::{Problem, ProblemKind};

#[derive(Clone)]
enum State {
    Nothing,
    Running(String),
    Cancelled(String),
    Failed(String, Problem),
    Done(String, Arc<AuditReport>),
}

/// The Audit page, with `pulp` prefilled (from `#/audit?pulp=…`).
#[component]
pub fn AuditPage(pulp: String) -> impl IntoView {
    let origin = RwSignal::new(pulp);
    let only = RwSignal::new(String::new());
    let upstream = RwSignal::new(String::new());
    let state = RwSignal::new(State::Nothing);
    let attempt = RwSignal::new(0_u32);
    // Repositories read, of how many, and the one being read.
    let progress = RwSignal::new(None::<(usize, usize, String)>);
    let cancel = StoredValue::new_local(None::<Cancel>);
    // A Pulp host: no path, no blank (what the proxy routes and the login is kept for).
    let host = Memo::new(move |_| {
        let host = registry_host(&origin.get());
        (!host.is_empty() && !host.contains(['/', ' '])).then_some(host)
    });

    let run = move || {
        let Some(host) = host.get_untracked() else { return };
        let Ok(stop) = Cancel::new() else { return };
        cancel.set_value(Some(stop.clone()));
        let generation = attempt.get_untracked() + 1;
        attempt.set(generation);
        progress.set(None);
        state.set(State::Running(host.clone()));
        let patterns = only.get_untracked();
        leptos::task::spawn_local(async move {
            let told = move |p: AuditProgress<'_>| {
                if attempt.try_get_untracked() == Some(generation) {
                    progress.try_set(Some((p.done, p.total, p.name.to_owned())));
                }
            };
            let result = audit(&host, &patterns, &stop, &told).await;
            // A newer run (or another page) took over meanwhile.
            if attempt.try_get_untracked() != Some(generation) {
                return;
            }
            state.try_set(match result {
                Ok(report) => State::Done(host, Arc::new(report)),
                Err(problem) => State::Failed(host, problem),
            });
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run();
    };
    let retry = Callback::new(move |()| {
        if matches!(state.get_untracked(), State::Failed(..)) {
            run();
        }
    });
    let running = move || matches!(state.get(), State::Running(_));
    let stop = move |_| {
        cancel.with_value(|c| c.iter().for_each(Cancel::cancel));
        if let State::Running(host) = state.get_untracked() {
            // The run's answer, when it comes, falls on a newer generation and is dropped.
            attempt.update(|n| *n += 1);
            state.set(State::Cancelled(host));
        }
    };
    // Leaving the page stops the audit: nothing would show it any more.
    on_cleanup(move || {
        cancel.try_with_value(|c| c.iter().for_each(Cancel::cancel));
    });

    view! {
        <h1>"Audit"</h1>
        <p class="lead">
            "Which tags in Pulp would fail to pull. Pulp's own sync keeps a manifest but leaves out its foreign "
            "layers' blobs, and a pull fails later with “blob unknown” — often once the site is already "
            "disconnected. Waybill reads Pulp's repositories and registry through its proxy and changes nothing."
        </p>
        <form class="panel" on:submit=submit aria-label="Pulp to audit" data-testid="audit-form">
            <TextField id="audit-pulp" label="Pulp" placeholder="e.g. pulp.example:24817" value=origin
                hint="Where Pulp's REST API and registry answer: its URL or host:port.">
                <button type="submit" data-testid="run-audit" disabled=move || host.get().is_none() || running()>
                    "Audit"
                </button>
            </TextField>
            <div class="row">
                <TextField id="audit-only" label="Only repositories named" placeholder="e.g. windows/*" value=only
                    hint="Optional: names or patterns with *, separated by commas. Empty: every repository." />
            </div>
            <p class="hint">{move || match host.get() {
                None => "Type Pulp's address first.".to_owned(),
                Some(host) => format!("Audit reads {host}'s container repositories and their latest versions."),
            }}</p>
        </form>
        {move || host.get().map(|host| {
            let unauthorised = state.with(|s| matches!(s, State::Failed(h, p) if *h == host && p.kind == ProblemKind::Unauthorised));
            view! { <LoginForm host open=unauthorised on_saved=retry /> }
        })}
        {move || match state.get() {
            State::Nothing => ().into_any(),
            State::Running(host) => view! {
                <div class="row">
                    <p class="loading" aria-live="polite" data-testid="audit-running">
                        {move || match progress.get() {
                            None => format!("Listing {host}'s container repositories…"),
                            Some((done, total, name)) => format!(
                                "Reading repository {} of {total}: {name} — its tags and foreign layers…", done + 1
                            ),
                        }}
                    </p>
                    <button type="button" class="secondary" data-testid="audit-cancel" on:click=stop>"Cancel"</button>
                </div>
                {move || progress.get().map(|(done, total, _)| view! {
                    <progress max=total.max(1) value=done aria-label="Repositories read"></progress>
                })}
            }.into_any(),
            State::Cancelled(host) => view! {
                <p class="hint" role="status" data-testid="audit-cancelled">{format!("The audit of {host} was cancelled: nothing was changed. Run it again to see its report.")}</p>
            }.into_any(),
            State::Failed(_, problem) => view! { <ProblemPanel problem /> }.into_any(),
            State::Done(host, report) => view! {
                <UpstreamForm upstream />
                <AuditReportView report=(*report).clone() pulp=host upstream />
            }.into_any(),
        }}
    }
}

/// Where the missing blobs can be found: fills in the source of every Copy link.
#[component]
fn UpstreamForm(upstream: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="panel">
            <TextField id="audit-upstream" label="Copy from" placeholder="e.g. mcr.microsoft.com" value=upstream
                hint=concat!(
                    "Optional: a registry that has the blobs (the repository keeps its name there), or a registry and ",
                    "repository. Each tag's “Copy it in whole” link then opens Copy with the source filled in too."
                ) />
        </div>
    }
}
