//! Diff: what differs between two images — layers, how a container runs, files — read in the
//! explorer worker with the core's diff (every file of both hashed; a common base read once).
//! `#/diff?a=…&b=…` reproduces the view. Image A may also be an archive on this computer, opened
//! by the worker where it lies (a link cannot name it).

use leptos::prelude::*;
use waybill_core::layers::diff::ImageDiff;
use web_sys::{Blob, File, HtmlInputElement};

use crate::ui::api;
use crate::ui::components::diff_view::DiffView;
use crate::ui::components::problem::ProblemPanel;
use crate::ui::explore::{self, Progress};
use crate::ui::problems::Problem;
use crate::ui::route::go_diff;

/// The Diff page for references `a` and `b` (either empty: the form alone).
#[component]
pub fn DiffPage(a: String, b: String) -> impl IntoView {
    let (text_a, text_b) = (RwSignal::new(a.clone()), RwSignal::new(b.clone()));
    let result = RwSignal::new(None::<ImageDiff>);
    let progress = RwSignal::new(Progress::Idle);
    let handle = explore::job_handle();
    let both = !a.trim().is_empty() && !b.trim().is_empty();
    let problem = if both {
        match (api::typed_image(&a), api::typed_image(&b)) {
            (Ok(image_a), Ok(image_b)) => {
                explore::diff(image_a, image_b, result, progress, handle);
                None
            }
            (Err(problem), _) | (_, Err(problem)) => Some(problem),
        }
    } else {
        None
    };
    // Image A may be an archive on this computer instead: read by the worker where it lies.
    let archive = StoredValue::new_local(None::<Blob>);
    let archive_name = RwSignal::new(None::<String>);
    let archive_problem = RwSignal::new(None::<Problem>);
    let pick = move |ev: leptos::ev::Event| {
        let element: HtmlInputElement = event_target(&ev);
        let file = element.files().and_then(|files| files.get(0));
        archive_name.set(file.as_ref().map(File::name));
        archive.set_value(file.map(Blob::from));
    };
    let compare = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let b = text_b.get_untracked();
        match archive.get_value() {
            // An archive cannot be named in a link: compared here, the address left as it is.
            Some(file) => match api::typed_image(&b) {
                Ok(image_b) => {
                    archive_problem.set(None);
                    explore::diff_archive(file, image_b, result, progress, handle);
                }
                Err(problem) => archive_problem.set(Some(problem)),
            },
            None => go_diff(api::typed_reference(&text_a.get_untracked()), api::typed_reference(&b)),
        }
    };
    let a_missing = move || archive_name.with(Option::is_none) && text_a.with(|t| t.trim().is_empty());
    view! {
        <h1>"Diff"</h1>
        <p class="lead">"What differs between two images: their layers, how a container runs, and every file."</p>
        <form class="panel" on:submit=compare data-testid="diff-form">
            <div class="row">
                <label class="grow">"Image A"
                    <input type="text" data-testid="diff-a" spellcheck="false" placeholder="registry/repository:tag"
                        disabled=move || archive_name.with(Option::is_some)
                        prop:value=move || text_a.get() on:input=move |ev| text_a.set(event_target_value(&ev)) />
                </label>
                <label class="grow">"…or an image archive on this computer (read here, never uploaded)"
                    <input type="file" data-testid="diff-a-file"
                        accept=".tar,.tgz,.gz,.zst,.tar.gz,.tar.zst,application/x-tar,application/gzip,application/zstd"
                        on:change=pick />
                </label>
                <label class="grow">"Image B"
                    <input type="text" data-testid="diff-b" spellcheck="false" placeholder="registry/repository:tag"
                        prop:value=move || text_b.get() on:input=move |ev| text_b.set(event_target_value(&ev)) />
                </label>
                <button type="submit" disabled=move || a_missing() || text_b.with(|t| t.trim().is_empty())>
                    "Compare"
                </button>
            </div>
        </form>
        {problem.map(|problem| view! { <ProblemPanel problem /> })}
        {move || archive_problem.get().map(|problem| view! { <ProblemPanel problem /> })}
        {move || match progress.get() {
            Progress::Starting => view! { <p class="loading" aria-live="polite" data-testid="diff-status">"Opening both images …"</p> }.into_any(),
            Progress::Reading { layer, layers } => view! {
                <p class="loading" aria-live="polite" data-testid="diff-status">
                    {format!("Reading layer {layer} of {layers} …")} " "
                    <button class="small secondary" on:click=move |_| handle.cancel()>"Cancel"</button>
                </p>
            }.into_any(),
            Progress::Failed(why) => view! {
                <div class="notice error" role="alert" data-testid="diff-failed"><h2>"The images could not be compared"</h2><p>{why}</p></div>
            }.into_any(),
            Progress::Cancelled => view! { <p class="hint" data-testid="diff-status">"Cancelled."</p> }.into_any(),
            Progress::Idle | Progress::Done => ().into_any(),
        }}
        {move || result.get().map(|diff| view! { <DiffView diff /> })}
    }
}
