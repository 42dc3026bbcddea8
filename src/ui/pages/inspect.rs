//! Inspect: what an image is made of, what Pulp would do with its foreign layers, and whether
//! every blob is what the manifest says — by reference through the proxy, or from a pasted
//! manifest.

use std::sync::Arc;

use leptos::prelude::*;
use waybill_core::digest::Digest;
use waybill_core::manifest::{Manifest, ManifestDocument};
use waybill_core::manifest_report::InspectReport;
use waybill_core::reference::Reference;
use waybill_core::registry::inspect::InspectedImage;

use crate::ui::api::{self, Inspection};
use crate::ui::components::config_view::ConfigView;
use crate::ui::components::foreign_panel::{ForeignKind, ForeignPanel};
use crate::ui::components::layer_table::{LayerTable, LayerView};
use crate::ui::components::login_form::LoginForm;
use crate::ui::components::platform_picker::PlatformPicker;
use crate::ui::components::problem::ProblemPanel;
use crate::ui::components::raw_json::{RawDocument, RawJson};
use crate::ui::components::reference_form::ReferenceForm;
use crate::ui::components::summary::Summary;
use crate::ui::components::verify_panel::VerifyPanel;
use crate::ui::lazy::FilesHost;
use crate::ui::problems::{Problem, ProblemKind};
use crate::ui::route::copy_repository_hash;
use crate::ui::session;
use crate::ui::verify::Verification;

/// Where fetching the reference stands.
#[derive(Clone)]
enum Load {
    Fetching,
    Failed(Problem),
    Loaded(Arc<Inspection>),
}

/// The Inspect page for `reference` (empty: the paste form) and, for an index, `platform`.
#[component]
pub fn InspectPage(reference: String, platform: String) -> impl IntoView {
    let allow_foreign = RwSignal::new(false);
    let load = RwSignal::new(Load::Fetching);
    let attempt = RwSignal::new(0_u32);
    let has_reference = !reference.trim().is_empty();
    let registry = Reference::parse(api::typed_reference(&reference)).ok().map(|r| r.registry().to_owned());
    let history = RwSignal::new(session::history());
    if has_reference {
        let (reference, platform) = (reference.clone(), platform.clone());
        // Runs on mount and again on every retry (after signing in).
        Effect::new(move |_| {
            let generation = attempt.get();
            let (reference, platform) = (reference.clone(), platform.clone());
            load.set(Load::Fetching);
            leptos::task::spawn_local(async move {
                let result = api::inspect(&reference, &platform).await;
                // A retry started meanwhile owns the page now.
                if attempt.try_get_untracked() != Some(generation) {
                    return;
                }
                if let Ok(inspection) = &result {
                    session::remember_reference(&inspection.reference.familiar());
                    history.try_set(session::history());
                }
                load.try_set(match result {
                    Ok(inspection) => Load::Loaded(Arc::new(inspection)),
                    Err(problem) => Load::Failed(problem),
                });
            });
        });
    }
    let retry = Callback::new(move |()| attempt.update(|n| *n += 1));
    let login_host = registry.clone();
    view! {
        <h1>"Inspect"</h1>
        <p class="lead">
            "See what an image is made of — every layer classified as distributable or foreign, with or without "
            "urls — and what Pulp would do with it; then verify every blob in your browser."
        </p>
        <ReferenceForm reference=reference.clone() history />
        {has_reference.then(|| {
            let reference = reference.clone();
            let platform = platform.clone();
            let login_host = login_host.clone();
            move || match load.get() {
                Load::Fetching => view! {
                    <p class="loading" aria-live="polite" data-testid="loading">{format!("Fetching {reference} …")}</p>
                }.into_any(),
                Load::Failed(problem) => {
                    // Offered where a login may change the answer; open where the registry asked.
                    let unauthorised = problem.kind == ProblemKind::Unauthorised;
                    let host = login_host.clone().filter(|_| problem.kind.login_may_help());
                    view! {
                        <ProblemPanel problem />
                        {host.map(|host| view! { <LoginForm host open=unauthorised on_saved=retry /> })}
                    }.into_any()
                }
                // Read without asking: the sign-in stays a folded control the user may open.
                Load::Loaded(inspection) => view! {
                    <Loaded inspection platform=platform.clone() allow_foreign />
                    {login_host.clone().map(|host| view! { <LoginForm host open=false on_saved=retry /> })}
                }.into_any(),
            }
        })}
        <PasteForm open=!has_reference />
    }
}

/// The result for a reference: platform picker for an index, the image otherwise.
#[component]
fn Loaded(inspection: Arc<Inspection>, platform: String, allow_foreign: RwSignal<bool>) -> impl IntoView {
    let reference = inspection.reference.familiar();
    let top_raw = RawDocument {
        title: if inspection.entries.is_empty() { "Manifest".into() } else { "Index".into() },
        bytes: inspection.top.bytes().to_vec(),
        digest: inspection.top.digest().clone(),
    };
    let is_index = matches!(inspection.top.manifest(), Manifest::Index(_));
    let picker = is_index.then(|| {
        view! { <PlatformPicker reference=reference.clone() entries=inspection.entries.clone() current=platform.clone() /> }
    });
    let body = match &inspection.image {
        Some(image) => view! {
            <ImageResult
                reference=inspection.reference.clone()
                top=inspection.top.clone()
                image=image.clone()
                top_raw=top_raw
                registry_digest=inspection.registry_digest.clone()
                nested=is_index
                allow_foreign
            />
        }
        .into_any(),
        None => {
            let note = if is_index {
                "Pick a platform above to see its layers."
            } else {
                "A Docker schema 1 manifest: Waybill shows its layers but cannot verify it."
            };
            let report = InspectReport::from_document(&inspection.top);
            view! {
                {(!is_index).then(|| view! { <Summary report=report.clone() /> <LayerTable layers=LayerView::from_reports(&report.layers) /> })}
                <p class="hint" data-testid="pick-platform">{note}</p>
                <RawJson documents=vec![top_raw] registry_digest=inspection.registry_digest.clone() />
            }
            .into_any()
        }
    };
    // Saved by tag (a digest has no name to load it under): Copy's repository mode, that tag
    // chosen, where the download runs.
    let name = inspection.reference.name();
    let download = inspection.reference.tag().map(str::to_owned).map(|tag| {
        let href = move || copy_repository_hash(&name, "", &tag, "", allow_foreign.get());
        view! {
            <p class="hint" data-testid="download-offer">
                <a href=href data-testid="download-link">"Download as archive…"</a>
                " — this tag in an OCI-layout archive, as "<code>"waybill save"</code>" writes it, for an air gap."
            </p>
        }
    });
    view! { {picker} {download} {body} }
}

/// One image: summary, foreign-layer panel, verify, layers, config, raw documents.
#[component]
fn ImageResult(
    reference: Reference,
    top: ManifestDocument,
    image: Arc<InspectedImage>,
    top_raw: RawDocument,
    registry_digest: Option<Digest>,
    nested: bool,
    allow_foreign: RwSignal<bool>,
) -> impl IntoView {
    let verification = Verification::new(&reference, &top, &image, allow_foreign);
    // Leaving the image (another reference, another platform) stops its downloads.
    let stop = verification.clone();
    on_cleanup(move || stop.cancel());
    let base = image.report.clone();
    let report = Memo::new(move |_| base.clone().allowing_foreign_layers(allow_foreign.get()));
    let mut documents = vec![top_raw];
    if nested {
        documents.push(RawDocument {
            title: "Manifest".into(),
            bytes: image.document.bytes().to_vec(),
            digest: image.document.digest().clone(),
        });
    }
    if let Ok(config) = &image.config {
        documents.push(RawDocument {
            title: "Config".into(),
            bytes: config.bytes.clone(),
            digest: waybill_core::digest::Digest::sha256_of(&config.bytes),
        });
    }
    let layers = match image.document.manifest() {
        Manifest::Image(m) => m.layers.clone(),
        _ => Vec::new(),
    };
    let files_at = api::image_at(&reference, Some(image.document.digest()), "");
    let layer_count = layers.len();
    let foreign = image.report.foreign_count;
    let foreign_bytes = image.report.foreign_size;
    let v = verification.clone();
    view! {
        <Summary report=image.report.clone() />
        {(foreign > 0).then(|| view! { <ForeignPanel count=foreign bytes=foreign_bytes allow=allow_foreign kind=ForeignKind::of_report(&image.report) /> })}
        <VerifyPanel verification=verification.clone() />
        {move || view! { <LayerTable layers=LayerView::from_reports(&report.get().layers) verification=v.clone() /> }}
        {(layer_count > 0).then(|| view! { <FilesHost image=files_at layers=layer_count /> })}
        {match &image.config {
            Ok(config) => view! { <ConfigView config=config.parsed.clone() layers verification /> }.into_any(),
            Err(why) => view! {
                <div class="notice warn" role="status"><h2>"The config could not be read"</h2><p>{why.to_string()}</p></div>
            }.into_any(),
        }}
        <RawJson documents registry_digest />
    }
}

/// Classify a pasted manifest (no registry involved, so nothing to verify).
#[component]
fn PasteForm(open: bool) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let allow_foreign = RwSignal::new(false);
    let parsed = RwSignal::new(None::<Result<ManifestDocument, String>>);
    let classify = move |_| {
        let bytes = text.get_untracked().into_bytes();
        parsed.set(Some(ManifestDocument::parse(bytes, None).map_err(|e| e.to_string())));
    };
    // The report follows the toggle: the per-layer Pulp verdicts depend on the policy.
    let report = move || {
        parsed.with(|p| match p {
            Some(Ok(doc)) => {
                Some(Ok(InspectReport::from_document(doc).allowing_foreign_layers(allow_foreign.get())))
            }
            Some(Err(e)) => Some(Err(e.clone())),
            None => None,
        })
    };
    view! {
        <details class="panel paste" open=open>
            <summary><h2 id="paste-heading">"Paste a manifest instead"</h2></summary>
            <label for="manifest-json">
                "Manifest JSON " <span class="hint">"(e.g. the output of skopeo inspect --raw)"</span>
            </label>
            <textarea
                id="manifest-json"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <div class="row" style="margin-top:10px">
                <button on:click=classify disabled=move || text.with(|t| t.trim().is_empty())>
                    "Classify layers"
                </button>
            </div>
        </details>
        {move || report().map(|r| match r {
            Err(message) => view! {
                <div class="notice error" role="alert">
                    <h2>"This is not a manifest Waybill can read"</h2>
                    <p>{message}</p>
                    <p>"Check that you pasted the whole document, exactly as the registry served it."</p>
                </div>
            }.into_any(),
            Ok(report) => view! {
                <Summary report=report.clone() />
                {(report.foreign_count > 0).then(|| view! {
                    <ForeignPanel count=report.foreign_count bytes=report.foreign_size allow=allow_foreign kind=ForeignKind::of_report(&report) />
                })}
                <LayerTable layers=LayerView::from_reports(&report.layers) />
            }.into_any(),
        })}
    }
}
