//! "Download as archive": the chosen tags written into one OCI-layout archive on the user's disk,
//! as `waybill save` writes it — what crosses an air gap, loadable by `waybill load` and skopeo's
//! `oci-archive:`. Where it is written depends on the browser (the save picker, else a streamed
//! download); either way the tab holds one chunk at a time, and a failure leaves a file marked
//! failed, never a short archive.

use leptos::prelude::*;
use waybill_core::reference::Reference;
use waybill_core::size::human;
use waybill_core::transfer::sync::{TagOutcome, TagResult};

use crate::ui::api::Cancel;
use crate::ui::api::has_picker;
use crate::ui::api::mirror::{DownloadFailed, Downloaded, download};
use crate::ui::components::breakable::Breakable;
use crate::ui::components::progress::{format_rate, meaningful_rate};

#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
    Writing,
    Done(Downloaded),
    Failed(DownloadFailed),
}

/// The download button for `chosen` tags of `source`, foreign blobs included when `allow`; its
/// progress and its outcome.
#[component]
pub fn DownloadArchive(
    source: Signal<Option<Reference>>,
    chosen: Signal<Vec<String>>,
    allow: RwSignal<bool>,
) -> impl IntoView {
    let state = RwSignal::new(State::Idle);
    let written = RwSignal::new(0_u64);
    let started = RwSignal::new(0.0_f64);
    let cancel = StoredValue::new_local(None::<Cancel>);
    let start = move |_| {
        let Some(source) = source.get_untracked() else { return };
        let Ok(stop) = Cancel::new() else { return };
        cancel.set_value(Some(stop.clone()));
        written.set(0);
        started.set(js_sys::Date::now());
        state.set(State::Writing);
        let (tags, allow) = (chosen.get_untracked(), allow.get_untracked());
        // The save picker opens first, within the click's user activation.
        leptos::task::spawn_local(async move {
            let progress = move |bytes| {
                written.try_set(bytes);
            };
            let result = download(&source, tags, allow, &stop, progress).await;
            state.try_set(match result {
                Ok(Some(done)) => State::Done(done),
                // The save dialog closed without a file: nothing happened.
                Ok(None) => State::Idle,
                Err(failed) => State::Failed(failed),
            });
        });
    };
    let stop = move |_| cancel.with_value(|c| c.iter().for_each(Cancel::cancel));
    on_cleanup(move || {
        cancel.try_with_value(|c| c.iter().for_each(Cancel::cancel));
    });
    let writing = move || state.with(|s| *s == State::Writing);
    let ready = move || source.with(Option::is_some) && chosen.with(|c| !c.is_empty());
    let how = if has_picker() {
        "Your browser asks where to save it, and Waybill writes the file there as the blobs arrive."
    } else {
        "Your browser downloads it as Waybill makes it (a service worker streams it)."
    };
    view! {
        <section class="panel" aria-labelledby="download-heading" data-testid="download-panel">
            <h2 id="download-heading">"Download as archive"</h2>
            <p class="hint">
                "The chosen tags in one OCI image-layout archive, as "<code>"waybill save"</code>" writes it: load it on the "
                "far side of an air gap with "<code>"waybill load"</code>", skopeo ("<code>"oci-archive:"</code>") or Upload. "
                {how}" Every blob is verified as it is written; a download that fails leaves a file saying so, never a short archive."
            </p>
            <div class="row">
                <button type="button" class="secondary" data-testid="download-archive" disabled=move || writing() || !ready()
                    on:click=start>
                    {move || match chosen.with(Vec::len) { 1 => "Download 1 tag as archive".to_owned(), n => format!("Download {n} tags as archive") }}
                </button>
                {move || writing().then(|| view! {
                    <button type="button" class="secondary" data-testid="download-cancel" on:click=stop>"Cancel"</button>
                })}
                <span class="hint">{move || if allow.get() {
                    "Foreign layers' blobs are included (“Allow foreign layers” is ticked)."
                } else {
                    "A tag with foreign layers is left out unless “Allow foreign layers” is ticked."
                }}</span>
            </div>
            {move || match state.get() {
                State::Idle => ().into_any(),
                State::Writing => {
                    let bytes = written.get();
                    let rate = meaningful_rate(bytes, js_sys::Date::now() - started.get_untracked());
                    view! {
                        <p class="hint" data-testid="download-progress" aria-live="polite">
                            {format!("Written: {}{}", human(bytes), rate.map(|r| format!(" · {}", format_rate(r))).unwrap_or_default())}
                        </p>
                    }.into_any()
                }
                State::Done(done) => view! {
                    <div class="notice ok" role="status" data-testid="download-done">
                        <p>{format!("Saved {} ({}).", done.name, human(done.bytes))}</p>
                        <TagLines tags=done.tags />
                    </div>
                }.into_any(),
                State::Failed(failed) => view! {
                    <div class="notice bad" role="alert" data-testid="download-failed">
                        <p><Breakable text=failed.message /></p>
                        <TagLines tags=failed.tags />
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// One line per tag that was not saved, saying why.
#[component]
fn TagLines(tags: Vec<TagResult>) -> impl IntoView {
    let saved = tags.iter().filter(|t| t.outcome == TagOutcome::Copied).count();
    let left_out: Vec<TagResult> = tags.into_iter().filter(|t| t.outcome != TagOutcome::Copied).collect();
    view! {
        <p data-testid="download-counts">{format!("{saved} saved, {} left out.", left_out.len())}</p>
        {(!left_out.is_empty()).then(|| view! {
            <ul>{left_out.into_iter().map(|t| view! {
                <li data-testid="download-left-out"><code>{t.tag}</code>" — "{t.outcome.words()}": "{t.reason.unwrap_or_default()}</li>
            }).collect_view()}</ul>
        })}
    }
}
