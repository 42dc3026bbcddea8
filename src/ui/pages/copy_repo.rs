//! Copy, repository mode (`#/copy?mode=repository&from=…&to=…&include=…&exclude=…`): every chosen
//! tag of a repository copied into another repository, as `waybill sync` mirrors — the core's
//! listing and preview through the proxy (`api::mirror`), its sync in a push worker, nothing
//! decided here. A tag
//! refused for its foreign layers is shown as refused and the others still go; a second run
//! finds them up to date and sends nothing.

use std::collections::HashMap;

use leptos::prelude::*;
use waybill_core::reference::Reference;

use crate::ui::api::mirror::{filter, list_tags, patterns, preview, repository};
use crate::ui::api::workers::{Event, Failure, FromPusher, Pusher, start_pusher};
use crate::ui::components::copy_modes::CopyModes;
use crate::ui::components::download_archive::DownloadArchive;
use crate::ui::components::login_form::LoginForm;
use crate::ui::components::mirror_run::{RunPanel, RunSummary};
use crate::ui::components::mirror_tags::{MirrorTags, Preview};
use crate::ui::components::problem::ProblemPanel;
use crate::ui::components::target_form::target_reference;
use crate::ui::components::text_field::TextField;
use crate::ui::mirror::{Run, RunPhase};
use crate::ui::problems::{Problem, ProblemKind};
use crate::ui::route::copy_repository_hash;
use crate::ui::session::{self, TargetFields};

#[derive(Clone, PartialEq)]
enum Listing {
    Nothing,
    Reading,
    Failed(Problem),
    Done,
}

/// The destination typed: `registry/repository` as a reference (the core's clients want one; the
/// tag is never used, each tag keeps its name).
fn destination_of(registry: &str, repository: &str) -> Result<Reference, String> {
    let fields = TargetFields {
        registry: registry.to_owned(),
        repository: repository.to_owned(),
        tag: "latest".into(),
    };
    target_reference(&fields).map_err(|e| e.replace(", the repository and the tag", " and the repository"))
}

/// The page, prefilled from the route.
#[component]
pub fn CopyRepoPage(
    source: String,
    target: String,
    include: String,
    exclude: String,
    allow_foreign: bool,
) -> impl IntoView {
    let source_text = RwSignal::new(source.clone());
    let include = RwSignal::new(include);
    let exclude = RwSignal::new(exclude);
    let allow = RwSignal::new(allow_foreign);
    let remembered = session::remembered_target("mirror").unwrap_or_default();
    let linked = repository(&target).ok();
    let dest_registry =
        RwSignal::new(linked.as_ref().map_or(remembered.registry, |r| r.registry().to_owned()));
    let dest_repository =
        RwSignal::new(linked.as_ref().map_or(remembered.repository, |r| r.repository().to_owned()));
    Effect::new(move |_| {
        let fields = TargetFields {
            registry: dest_registry.get(),
            repository: dest_repository.get(),
            tag: String::new(),
        };
        session::remember_target("mirror", &fields);
    });
    let destination = Memo::new(move |_| destination_of(&dest_registry.get(), &dest_repository.get()));
    let dest_ok = Signal::derive(move || destination.with(|d| d.as_ref().ok().cloned()));
    let dest_name = Signal::derive(move || dest_ok.get().map(|d| d.name()));

    let listed_from = RwSignal::new(None::<Reference>);
    let listed = RwSignal::new(Vec::<String>::new());
    let listing = RwSignal::new(Listing::Nothing);
    let attempt = RwSignal::new(0_u32);
    let previews = RwSignal::new(HashMap::<String, Preview>::new());
    // Bumped to read every preview again (after a run: the destination changed).
    let reread = RwSignal::new(0_u32);
    let chosen = Memo::new(move |_| {
        let filter = filter(&include.get(), &exclude.get());
        listed.with(|tags| tags.iter().filter(|t| filter.chooses(t)).cloned().collect::<Vec<_>>())
    });
    let run = Run::new();
    // The mirror runs in a push worker of its own (hashing at full speed, the page left free);
    // dropping it (a new run, leaving the page) ends it.
    let pusher = StoredValue::new_local(None::<Pusher>);

    let list = move || {
        let Ok(source) = repository(&source_text.get_untracked()) else { return };
        let generation = attempt.get_untracked() + 1;
        attempt.set(generation);
        listed_from.set(Some(source.clone()));
        listed.set(Vec::new());
        previews.set(HashMap::new());
        listing.set(Listing::Reading);
        run.phase.set(RunPhase::Idle);
        leptos::task::spawn_local(async move {
            // Each page shows as it arrives: a repository of thousands of tags is long to list.
            let mut on_page = |page: &[String]| {
                if attempt.try_get_untracked() == Some(generation) {
                    listed.try_update(|l| l.extend_from_slice(page));
                }
            };
            let result = list_tags(&source, &mut on_page).await;
            if attempt.try_get_untracked() != Some(generation) {
                return;
            }
            listing.try_set(match result {
                Ok(_) => Listing::Done,
                Err(problem) => Listing::Failed(problem),
            });
        });
    };
    if !source.trim().is_empty() {
        list();
    }
    // Each chosen tag is read once per listing and destination (a filter typed later reads only
    // the tags it adds).
    Effect::new(move |last: Option<Option<Reference>>| {
        let dest = dest_ok.get();
        reread.track();
        if last.is_some_and(|last| last != dest) {
            previews.set(HashMap::new());
        }
        let Some(source) = listed_from.get() else { return dest };
        let fresh: Vec<String> = chosen.with(|tags| {
            previews.with_untracked(|p| tags.iter().filter(|t| !p.contains_key(*t)).cloned().collect())
        });
        if fresh.is_empty() {
            return dest;
        }
        previews.update(|p| p.extend(fresh.iter().map(|t| (t.clone(), Preview::Reading))));
        let generation = attempt.get_untracked();
        for tag in fresh {
            let (source, target) = (source.clone(), dest.clone());
            leptos::task::spawn_local(async move {
                let read = match preview(&source, target.as_ref(), &tag).await {
                    Ok(p) => Preview::Ready(p),
                    Err(why) => Preview::Failed(why),
                };
                if attempt.try_get_untracked() == Some(generation)
                    && dest_ok.try_get_untracked().flatten() == target
                {
                    previews.try_update(|p| p.insert(tag, read));
                }
            });
        }
        dest
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The view is a link: a reload or a shared URL lists the same tags. Same link, same
        // hash: no navigation, so list here.
        let hash = copy_repository_hash(
            source_text.get_untracked().trim(),
            &dest_name.get_untracked().unwrap_or_default(),
            &include.get_untracked(),
            &exclude.get_untracked(),
            allow.get_untracked(),
        );
        let location = web_sys::window().map(|w| w.location());
        match location {
            Some(l) if l.hash().ok().as_deref() != Some(hash.as_str()) => {
                let _ = l.set_hash(&hash);
            }
            _ => list(),
        }
    };
    let start = move || {
        let (Some(source), Some(dest)) = (listed_from.get_untracked(), dest_ok.get_untracked()) else {
            return;
        };
        run.begin();
        let on_event = move |event: Event| {
            let ended = match event {
                Event::Message(FromPusher::MirrorStep { tag, event }) => {
                    if let Some(step) = event.as_copy_event() {
                        run.step(&tag, &step);
                    }
                    None
                }
                Event::Message(FromPusher::TagMirrored { result }) => {
                    run.finish(&result.tag, &result);
                    None
                }
                Event::Message(FromPusher::MirrorDone { report, cancelled }) => {
                    Some(RunPhase::Done { report: report.into(), cancelled })
                }
                Event::Message(FromPusher::Failed { failure: Failure::Other { message } }) => {
                    Some(RunPhase::Failed(message))
                }
                Event::Message(FromPusher::Failed { failure }) => {
                    Some(RunPhase::Failed(format!("{failure:?}")))
                }
                Event::Crashed(message) => Some(RunPhase::Failed(message)),
                _ => None,
            };
            let Some(phase) = ended else { return };
            let done = matches!(phase, RunPhase::Done { cancelled: false, .. });
            run.phase.try_set(phase);
            // What the destination has now.
            if done && attempt.try_get_untracked().is_some() {
                previews.try_set(HashMap::new());
                reread.try_update(|n| *n += 1);
            }
        };
        match start_pusher(on_event) {
            Ok(worker) => {
                let patterns = (patterns(&include.get_untracked()), patterns(&exclude.get_untracked()));
                worker.mirror(
                    session::endpoint(&source),
                    session::endpoint(&dest),
                    patterns,
                    allow.get_untracked(),
                );
                pusher.set_value(Some(worker));
            }
            Err(message) => run.phase.set(RunPhase::Failed(message)),
        }
    };
    let stop = move |_: leptos::ev::MouseEvent| pusher.with_value(|p| p.iter().for_each(Pusher::cancel));
    // Leaving the page stops the run: nothing would show it any more.
    on_cleanup(move || {
        pusher.try_with_value(|p| p.iter().for_each(Pusher::cancel));
    });
    let retry = Callback::new(move |()| list());
    let reread_all = Callback::new(move |()| {
        previews.set(HashMap::new());
        reread.update(|n| *n += 1);
    });
    let source_ok = move || source_text.with(|t| repository(t).is_ok());

    view! {
        <h1>"Copy"</h1>
        <CopyModes whole=true />
        <p class="lead">
            "Copy every tag of a repository — or the ones the filters choose — into another repository, each tag "
            "keeping its name: the same copy as one image, tag after tag, with signatures and other companions along."
        </p>
        <form class="panel" on:submit=submit aria-label="Source repository" data-testid="mirror-form">
            <TextField id="mirror-source" label="Source repository" placeholder="e.g. registry:5000/team/app"
                value=source_text hint="A registry and repository, without a tag: its tags are listed below.">
                <button type="submit" data-testid="list-tags" disabled=move || !source_ok()>"List tags"</button>
            </TextField>
            <div class="row">
                <TextField id="mirror-include" label="Tags to include" placeholder="e.g. 1.* latest" value=include
                    hint="Patterns with * ? [a-z], separated by commas or spaces. Empty: every tag." />
                <TextField id="mirror-exclude" label="Tags to leave out" placeholder="e.g. *-rc*" value=exclude
                    hint="Tags matching these are left out, even when included." />
            </div>
        </form>
        <fieldset class="panel target" data-testid="mirror-target">
            <legend>"Copy to"</legend>
            <div class="row">
                <TextField id="mirror-target-registry" label="Registry" placeholder="e.g. pulp.example:24817"
                    value=dest_registry hint="Pulp's API origin or any registry: host:port" />
                <TextField id="mirror-target-repository" label="Repository" placeholder="e.g. team/app"
                    value=dest_repository hint="Each tag keeps its name there." />
            </div>
            {move || match destination.get() {
                Ok(d) => view! { <p class="hint">"Copies to "<code data-testid="mirror-target-name">{d.name()}</code>" through Waybill's proxy."</p> }.into_any(),
                Err(why) => view! { <p class="hint">{why}</p> }.into_any(),
            }}
            // A login typed after the previews were read (the destination refused them) reads them again.
            {move || dest_ok.get().map(|d| view! { <LoginForm host=d.registry().to_owned() open=false on_saved=reread_all action="Use this login" /> })}
        </fieldset>
        {move || match listing.get() {
            Listing::Nothing => ().into_any(),
            Listing::Failed(problem) => {
                let host = listed_from.get_untracked().filter(|_| problem.kind.login_may_help()).map(|r| r.registry().to_owned());
                let open = problem.kind == ProblemKind::Unauthorised;
                view! {
                    <ProblemPanel problem />
                    {host.map(|host| view! { <LoginForm host open on_saved=retry /> })}
                }.into_any()
            }
            Listing::Reading | Listing::Done => view! {
                <section class="panel" aria-labelledby="mirror-tags-heading">
                    <h2 id="mirror-tags-heading">{move || tags_heading(&listing.get(), listed.with(Vec::len), chosen.with(Vec::len))}</h2>
                    <MirrorTags tags=chosen.into() previews run destination=dest_name />
                </section>
                <RunPanel chosen=chosen.into() previews allow run dest_ok start stop />
                // The run's outcome right under the run, before the other way out (the archive).
                <RunSummary run destination=dest_ok />
                <DownloadArchive source=listed_from.into() chosen=chosen.into() allow />
            }.into_any(),
        }}
    }
}

fn tags_heading(listing: &Listing, listed: usize, chosen: usize) -> String {
    let noun = |n: usize| if n == 1 { "tag" } else { "tags" };
    match listing {
        Listing::Reading => format!("Listing tags… {listed} so far, {chosen} chosen"),
        _ => format!("{chosen} of {listed} {} chosen", noun(listed)),
    }
}
