//! Copy: an image from one registry to another (into Pulp, typically) through the browser —
//! the manifest and every blob streamed through the push worker, verified in flight, with the
//! same foreign-layer policy, progress and result as Upload. The core's `copy` does the work,
//! as `waybill copy` does natively.

use std::sync::Arc;

use crate::ui::api::workers::{CopySettings, Failure, Platforms, Side};
use crate::ui::api::workers::{Event, Pusher, start_pusher};
use leptos::prelude::*;
use waybill_core::manifest::Manifest;
use waybill_core::policy;
use waybill_core::reference::Reference;

use crate::ui::api::{self, Inspection};
use crate::ui::components::chunk_size::{ChunkSize, DEFAULT_CHUNK_MIB};
use crate::ui::components::copy_modes::CopyModes;
use crate::ui::components::copy_platforms::{CopyPlatforms, platforms_for};
use crate::ui::components::foreign_panel::{ForeignKind, ForeignPanel};
use crate::ui::components::layer_table::{LayerTable, LayerView};
use crate::ui::components::login_form::{LoginForm, SignInPrompt};
use crate::ui::components::problem::ProblemPanel;
use crate::ui::components::rejection_panel::RejectionPanel;
use crate::ui::components::result_panel::Target;
use crate::ui::components::summary::Summary;
use crate::ui::components::target_form::{TargetForm, target_reference};
use crate::ui::components::transfer_history::TransferHistory;
use crate::ui::components::transfer_panel::TransferPanel;
use crate::ui::problems::{Problem, ProblemKind};
use crate::ui::session;
use crate::ui::transfer::{Phase, Transfer};

#[derive(Clone)]
enum Source {
    Nothing,
    Loading,
    Failed(Problem),
    Loaded(Arc<Inspection>),
}

/// The Copy page, with `source` and `target` prefilled and foreign layers allowed from the
/// start when `allow_foreign` (`#/copy?from=…&to=…&allow_foreign=1`: the Audit page's link for a
/// tag Pulp cannot serve whole).
#[component]
pub fn CopyPage(source: String, target: String, allow_foreign: bool) -> impl IntoView {
    let text = RwSignal::new(source.clone());
    let loaded = RwSignal::new(Source::Nothing);
    let chosen = RwSignal::new(Vec::<String>::new());
    let allow = RwSignal::new(allow_foreign);
    let fetch = RwSignal::new(false);
    let chunk_mib = RwSignal::new(DEFAULT_CHUNK_MIB);
    let linked = Reference::parse(api::typed_reference(&target)).ok().map(|r| session::TargetFields {
        registry: r.registry().to_owned(),
        repository: r.repository().to_owned(),
        tag: r.tag().unwrap_or("latest").to_owned(),
    });
    let fields = RwSignal::new(linked.or_else(|| session::remembered_target("copy")).unwrap_or_default());
    let transfer = Transfer::new();
    let target = RwSignal::new(None::<Target>);
    let pusher = StoredValue::new_local(None::<Pusher>);
    let attempt = RwSignal::new(0_u32);
    let prompt = RwSignal::new(None::<SignInPrompt>);
    // A copy a registry refused for want of a login opens that registry's sign-in form.
    Effect::new(move |_| {
        let Phase::Failed(Failure::SignIn { side, message }) = transfer.phase.get() else { return };
        let host = match (side, loaded.get_untracked()) {
            (Side::Target, _) => target.get_untracked().map(|t| t.registry),
            (Side::Source, Source::Loaded(inspection)) => Some(inspection.reference.registry().to_owned()),
            (Side::Source, _) => None,
        };
        prompt.set(host.map(|host| SignInPrompt { host, message }));
    });

    let load = move || {
        let reference = text.get_untracked().trim().to_owned();
        if reference.is_empty() {
            return;
        }
        let generation = attempt.get_untracked() + 1;
        attempt.set(generation);
        loaded.set(Source::Loading);
        chosen.set(Vec::new());
        transfer.phase.set(Phase::Idle);
        leptos::task::spawn_local(async move {
            let result = api::inspect(&reference, "").await;
            if attempt.try_get_untracked() != Some(generation) {
                return;
            }
            if let Ok(inspection) = &result {
                fields.try_update(|f| f.fill_from(&inspection.reference));
            }
            loaded.try_set(match result {
                Ok(inspection) => Source::Loaded(Arc::new(inspection)),
                Err(problem) => Source::Failed(problem),
            });
        });
    };
    if !source.trim().is_empty() {
        load();
    }
    let copy = move || {
        let Source::Loaded(inspection) = loaded.get_untracked() else { return };
        let Ok(to) = target_reference(&fields.get_untracked()) else { return };
        let from = &inspection.reference;
        let platforms = if inspection.entries.is_empty() {
            Platforms::Unspecified
        } else {
            match chosen.with_untracked(|c| platforms_for(c, &inspection.offered_platforms())) {
                Some(platforms) => platforms,
                None => return,
            }
        };
        let settings = CopySettings {
            allow_foreign_layers: allow.get_untracked(),
            platforms,
            chunk_size: chunk_mib.get_untracked() * 1024 * 1024,
        };
        target.set(Some(Target::of(&to)));
        prompt.set(None);
        transfer.begin();
        let worker = pusher.with_value(Clone::clone).or_else(|| {
            match start_pusher(move |event| transfer.handle(&event)) {
                Ok(worker) => {
                    pusher.set_value(Some(worker.clone()));
                    Some(worker)
                }
                Err(message) => {
                    transfer.handle(&Event::Crashed(message));
                    None
                }
            }
        });
        if let Some(worker) = worker {
            worker.copy(session::endpoint(from), session::endpoint(&to), settings);
        }
    };
    let cancel = Callback::new(move |()| pusher.with_value(|p| p.iter().for_each(Pusher::cancel)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load();
    };
    let retry = Callback::new(move |()| load());

    view! {
        <h1>"Copy"</h1>
        <CopyModes whole=false />
        <p class="lead">
            "Copy an image from one registry to another — into Pulp, for instance — through your browser: the manifest "
            "and every blob stream through Waybill's proxy, verified on the way, with the same foreign-layer policy as "
            "Upload."
        </p>
        <form class="panel" on:submit=submit aria-label="Source image">
            <label for="copy-source">"Source image"</label>
            <div class="row">
                <div class="grow">
                    <input id="copy-source" type="text" autocomplete="off" autocapitalize="off" spellcheck="false"
                        placeholder="e.g. registry:5000/team/app:1.0" aria-describedby="copy-source-hint"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                </div>
                <button type="submit" data-testid="load-source" disabled=move || text.with(|t| t.trim().is_empty())>"Load"</button>
            </div>
            <p id="copy-source-hint" class="hint">"Anything docker pull takes; read through Waybill's proxy."</p>
        </form>
        {move || match loaded.get() {
            Source::Nothing => ().into_any(),
            Source::Loading => view! { <p class="loading" aria-live="polite">"Reading the source manifest…"</p> }.into_any(),
            Source::Failed(problem) => {
                let host = Reference::parse(api::typed_reference(&text.get_untracked()))
                    .ok()
                    .filter(|_| problem.kind.login_may_help())
                    .map(|r| r.registry().to_owned());
                let unauthorised = problem.kind == ProblemKind::Unauthorised;
                view! {
                    <ProblemPanel problem />
                    {host.map(|host| view! { <LoginForm host open=unauthorised on_saved=retry /> })}
                }.into_any()
            }
            Source::Loaded(inspection) => view! {
                <SourceView inspection chosen allow />
                <TargetForm page="copy" fields legend="Copy to" prompt />
                <SourceSignIn prompt fields />
                <CopyControls inspection=loaded chosen allow chunk_mib fields transfer copy />
                {move || (transfer.phase.get() != Phase::Idle).then(|| view! {
                    <TransferPanel transfer verb="Copy" target=target.into() on_cancel=cancel allow fetch />
                })}
            }.into_any(),
        }}
        <TransferHistory transfer verb="Copy" target=target.into() />
    }
}

/// The source registry's sign-in form, when it (and not the target) asked for a login during the
/// copy; the target's opens in the target form.
#[component]
fn SourceSignIn(
    prompt: RwSignal<Option<SignInPrompt>>,
    fields: RwSignal<session::TargetFields>,
) -> impl IntoView {
    move || {
        let asked = prompt.get()?;
        let target_host = fields.with(|f| target_reference(f).ok().map(|r| r.registry().to_owned()));
        (target_host.as_deref() != Some(asked.host.as_str())).then(|| {
            let on_saved = Callback::new(move |()| prompt.set(None));
            view! { <LoginForm host=asked.host open=true said=Some(asked.message) on_saved action="Use this login" /> }
        })
    }
}

/// What the source is: an image (its layers), or an index (tick its platforms).
#[component]
fn SourceView(
    inspection: Arc<Inspection>,
    chosen: RwSignal<Vec<String>>,
    allow: RwSignal<bool>,
) -> impl IntoView {
    if !inspection.entries.is_empty() {
        let legend = format!(
            "{} is an index of {} manifests: copy",
            inspection.reference.familiar(),
            inspection.entries.len()
        );
        return view! { <CopyPlatforms legend offered=inspection.offered_platforms() chosen /> }.into_any();
    }
    let Some(image) = inspection.image.clone() else {
        return view! { <p class="hint">"A Docker schema 1 manifest: Waybill cannot copy it."</p> }
            .into_any();
    };
    let report = image.report.clone();
    let foreign = report.foreign_count;
    let foreign_bytes = report.foreign_size;
    view! {
        <Summary report=report.clone() />
        {(foreign > 0).then(|| view! { <ForeignPanel count=foreign bytes=foreign_bytes allow kind=ForeignKind::of_report(&report) /> })}
        {move || {
            let layers = report.clone().allowing_foreign_layers(allow.get()).layers;
            view! { <LayerTable layers=LayerView::from_reports(&layers) /> }
        }}
    }
    .into_any()
}

#[component]
#[allow(clippy::too_many_arguments)]
fn CopyControls(
    inspection: RwSignal<Source>,
    chosen: RwSignal<Vec<String>>,
    allow: RwSignal<bool>,
    chunk_mib: RwSignal<u64>,
    fields: RwSignal<session::TargetFields>,
    transfer: Transfer,
    copy: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let target_ok = move || fields.with(|f| target_reference(f).is_ok());
    // The policy for a single image is known before anything is sent; for an index the core
    // decides it for every image it resolves, still before the destination is contacted.
    let rejections = move || {
        let Source::Loaded(inspection) = inspection.get() else { return Vec::new() };
        match inspection.image.as_ref().map(|i| i.document.manifest()) {
            Some(Manifest::Image(image)) if inspection.entries.is_empty() => {
                policy::plan(image, allow.get()).err().unwrap_or_default()
            }
            _ => Vec::new(),
        }
    };
    let needs_platform = move || match inspection.get() {
        Source::Loaded(i) if !i.entries.is_empty() => {
            chosen.with(|c| platforms_for(c, &i.offered_platforms()).is_none())
        }
        _ => false,
    };
    view! {
        <section class="panel" aria-labelledby="copy-heading">
            <h2 id="copy-heading">"Copy"</h2>
            {move || {
                let refused = rejections();
                if !refused.is_empty() {
                    return view! { <RejectionPanel rejections=refused allow action="Copy" /> }.into_any();
                }
                let copy = copy.clone();
                view! {
                    <div class="row">
                        <button type="button" data-testid="copy"
                            disabled=move || transfer.running() || !target_ok() || needs_platform()
                            on:click=move |_| copy()>"Copy"</button>
                        <span class="hint">{move || {
                            if needs_platform() { "Tick one or more platforms first." }
                            else if !target_ok() { "Fill in where to copy to first." }
                            else { "Blobs stream through your browser, verified on the way; the manifest goes last." }
                        }}</span>
                    </div>
                }.into_any()
            }}
            // The option after the action: Tab reaches Copy first (issue 16).
            <div class="row">
                <ChunkSize id="copy-chunk-size" chunk_mib />
            </div>
        </section>
    }
}
