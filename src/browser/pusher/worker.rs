//! What the push worker does: it holds the opened archive and runs one push or copy at a time,
//! entirely with the core — [`Archive::open`], [`push_with`] (policy, verification, manifest,
//! uploads, in the core's order), [`copy`] — through the fetch transport and Waybill's proxy, and
//! tells the page what happens ([`FromPusher`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use waybill_core::archive::build::check_policy;
use waybill_core::archive::marks::lost_marks;
use waybill_core::archive::report::ArchiveReport;
use waybill_core::archive::verify::judge;
use waybill_core::archive::{Archive, OpenOptions};
use waybill_core::registry::Scope;
use waybill_core::registry::client::Sleep;
use waybill_core::registry::upload::ChunkPolicy;
use waybill_core::registry::{Client, Credentials};
use waybill_core::remedy::Remedy;
use waybill_core::transfer::ImageAt;
use waybill_core::transfer::load_archive::{LoadEvent, LoadTarget, load, targets};
use waybill_core::transfer::push_archive::{PushError, PushEvent, PushOptions, absent_foreign, push_with};
use waybill_core::transfer::tag_filter::TagFilter;
use waybill_core::transport::{Method, Request};
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use super::access::BrowserAccess;
use super::compressors::{Compressors, compress_for_parent};
use super::protocol::{Endpoint, Failure, FromPusher, ImagePolicy, PushSettings, Side, ToPusher};
use crate::browser::fetch::{Cancel, FetchTransport};
use crate::browser::file_source::FileSource;
use crate::browser::pool::WorkerPool;
use crate::browser::protocol::{decode, encode};
use crate::browser::time;

mod copy_and_mirror;

use copy_and_mirror::{run_copy, run_mirror};

/// The largest upload chunk the browser sends, whatever is asked: under the 100 MB request
/// bodies Cloudflare accepts, so that pushes work through the Worker as well as `waybill serve`.
pub const MAX_CHUNK_SIZE: u64 = 64 * 1024 * 1024;

type Post = Rc<dyn Fn(&FromPusher)>;

#[derive(Default)]
struct State {
    archive: RefCell<Option<Rc<Archive<FileSource>>>>,
    file: RefCell<Option<Blob>>,
    /// The hashing workers of this push worker, made on the first push.
    pool: RefCell<Option<Result<WorkerPool, String>>>,
    cancel: RefCell<Option<Cancel>>,
    busy: Cell<bool>,
    /// The helpers that compress layers, shared by every push of this worker.
    compressors: Rc<Compressors>,
}

/// The worker's main loop: listens for [`ToPusher`] messages and answers with [`FromPusher`]
/// ones. Call once, from the push worker binary's `main`.
pub fn serve() -> Result<(), JsValue> {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    let post_scope = scope.clone();
    let post: Post = Rc::new(move |message: &FromPusher| {
        // Encoding a serde enum cannot fail; posting to the page only fails once it is gone.
        if let Ok(value) = encode(message, None) {
            let _ = post_scope.post_message(&value);
        }
    });
    let state = Rc::new(State::default());
    let handler_post = post.clone();
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let (message, blob) = match decode::<ToPusher>(&event.data()) {
            Ok(decoded) => decoded,
            Err(e) => {
                web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
                return;
            }
        };
        let (state, post) = (state.clone(), handler_post.clone());
        match message {
            ToPusher::Cancel => {
                if let Some(cancel) = state.cancel.borrow().as_ref() {
                    cancel.cancel();
                }
                if let Some(Ok(pool)) = state.pool.borrow().as_ref() {
                    pool.cancel_all();
                }
            }
            ToPusher::CompressBlock { id, codec } => {
                compress_for_parent(&handler_scope, id, codec, &event.data())
            }
            ToPusher::Open => {
                wasm_bindgen_futures::spawn_local(exclusive(state.clone(), post.clone(), async move {
                    open(&state, blob, &post).await;
                }))
            }
            ToPusher::Push { image, target, settings } => {
                spawn_push(state, post, target, settings, FromArchive::Image(image))
            }
            ToPusher::Load { targets, target, settings } => {
                spawn_push(state, post, target, settings, FromArchive::Bundle(targets))
            }
            ToPusher::Mirror { source, target, include, exclude, allow_foreign_layers } => {
                wasm_bindgen_futures::spawn_local(exclusive(state.clone(), post.clone(), async move {
                    let filter = TagFilter { include, exclude };
                    let message =
                        run_mirror(&state, &source, &target, filter, allow_foreign_layers, &post).await;
                    post(&message);
                }));
            }
            ToPusher::Copy { source, target, settings } => {
                wasm_bindgen_futures::spawn_local(exclusive(state.clone(), post.clone(), async move {
                    let message = run_copy(&state, &source, &target, &settings, &post).await;
                    post(&message);
                }));
            }
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker does.
    on_message.forget();
    post(&FromPusher::Ready);
    Ok(())
}

/// Runs `work` unless other work is running (then says so).
async fn exclusive(state: Rc<State>, post: Post, work: impl Future<Output = ()>) {
    if state.busy.replace(true) {
        post(&failed("the push worker is busy with another push, copy or file: wait for it or cancel it"));
        return;
    }
    work.await;
    state.busy.set(false);
}

fn failed(message: impl Into<String>) -> FromPusher {
    FromPusher::Failed { failure: Failure::Other { message: message.into() } }
}

async fn open(state: &State, blob: Option<Blob>, post: &Post) {
    let Some(file) = blob else { return post(&failed("no file was sent to open (a Waybill bug)")) };
    match Archive::open(FileSource::new(file.clone()), OpenOptions::default()).await {
        Ok(archive) => {
            let report = ArchiveReport::new(&archive);
            let (targets, untagged) = targets(archive.images());
            let policy = archive
                .images()
                .iter()
                .map(|image| ImagePolicy {
                    rejections: check_policy(image, false).err().unwrap_or_default(),
                    absent_foreign: absent_foreign(image),
                    lost_marks: lost_marks(image),
                })
                .collect();
            *state.archive.borrow_mut() = Some(Rc::new(archive));
            *state.file.borrow_mut() = Some(file);
            post(&FromPusher::Opened { report, policy, targets, untagged });
        }
        Err(e) => post(&failed(e.to_string())),
    }
}

/// A registry client for `endpoint` through `transport`, retrying as the core's rule says on the
/// worker's timer; a cancel also ends its waits.
fn client(
    endpoint: &Endpoint,
    transport: FetchTransport,
    cancel: &Cancel,
) -> Result<Client<FetchTransport>, String> {
    let base = transport.registry_base(&endpoint.api_host);
    let credentials = endpoint.login.as_ref().map(|l| Credentials::new(&l.username, &l.password));
    let signal = cancel.signal();
    let sleep: Sleep = Rc::new(move |duration| time::sleep(duration, Some(signal.clone())));
    Client::new(transport, &base)
        .map(|c| c.with_credentials(credentials).with_clock(Rc::new(time::unix_seconds)).with_sleep(sleep))
        .map_err(|e| format!("Waybill cannot address {}: {e}", endpoint.api_host))
}

fn chunk_policy(api_host: &str, chunk_size: u64) -> ChunkPolicy {
    ChunkPolicy::for_host(api_host, chunk_size).capped(MAX_CHUNK_SIZE)
}

/// A fresh cancel handle for the work about to start.
fn arm(state: &State, proxy_origin: &str) -> Result<(Cancel, FetchTransport), String> {
    let cancel = Cancel::new().map_err(|e| e.to_string())?;
    *state.cancel.borrow_mut() = Some(cancel.clone());
    Ok((cancel.clone(), FetchTransport::new(proxy_origin).with_cancel(cancel)))
}

/// Armed for a run to `target`: a fresh cancel handle, and a client for it that the cancel stops.
fn armed(state: &State, target: &Endpoint) -> Result<(Cancel, Client<FetchTransport>), String> {
    let (cancel, transport) = arm(state, &target.proxy_origin)?;
    let client = client(target, transport, &cancel)?;
    Ok((cancel, client))
}

/// Armed for a run from `source` to `target`: a fresh cancel handle, and a client for each.
fn armed_pair(
    state: &State,
    source: &Endpoint,
    target: &Endpoint,
) -> Result<(Cancel, Client<FetchTransport>, Client<FetchTransport>), String> {
    let (cancel, transport) = arm(state, &target.proxy_origin)?;
    let src = client(source, transport.clone(), &cancel)?;
    let dst = client(target, transport, &cancel)?;
    Ok((cancel, src, dst))
}

/// What the page asked to push from the opened archive.
enum FromArchive {
    /// One image, by its index.
    Image(usize),
    /// Several images, each under its repository and tag.
    Bundle(Vec<LoadTarget>),
}

/// Pushes from the opened archive to `target`, as `job` asks, and tells the page how it ended.
fn spawn_push(state: Rc<State>, post: Post, target: Endpoint, settings: PushSettings, job: FromArchive) {
    wasm_bindgen_futures::spawn_local(exclusive(state.clone(), post.clone(), async move {
        let message = match pushing(&state, &target, settings, &post) {
            Ok(run) => match job {
                FromArchive::Image(index) => push(run, index).await,
                FromArchive::Bundle(targets) => load_bundle(run, &targets).await,
            },
            Err(message) => failed(message),
        };
        post(&message);
    }));
}

/// A push from the opened archive, armed for its target: what [`push`] and [`load_bundle`] run.
struct Pushing<'a> {
    archive: Rc<Archive<FileSource>>,
    cancel: Cancel,
    client: Client<FetchTransport>,
    access: BrowserAccess,
    options: PushOptions,
    target: &'a Endpoint,
    post: &'a Post,
}

/// The opened archive, armed for a push to `target`; an error when no archive is open.
fn pushing<'a>(
    state: &State,
    target: &'a Endpoint,
    settings: PushSettings,
    post: &'a Post,
) -> Result<Pushing<'a>, String> {
    let (archive, file) = match (state.archive.borrow().clone(), state.file.borrow().clone()) {
        (Some(archive), Some(file)) => (archive, file),
        _ => return Err("no archive is open: drop a file first".to_owned()),
    };
    let (cancel, client) = armed(state, target)?;
    let (access, options) = (access(state, file, post), push_options(target, settings));
    Ok(Pushing { archive, cancel, client, access, options, target, post })
}

async fn push(run: Pushing<'_>, index: usize) -> FromPusher {
    let Pushing { archive, cancel, client, access, options, target, post } = run;
    let Some(image) = archive.images().get(index) else {
        return failed(format!("the archive has no image {index}"));
    };
    let events = |event: PushEvent<'_>| match event {
        PushEvent::Verifying { done, total } => post(&FromPusher::Verifying { done, total }),
        PushEvent::Copy(event) => post(&FromPusher::from_copy_event(event)),
    };
    let dst = ImageAt { client: &client, repository: &target.repository, reference: &target.reference };
    let result = push_with(&archive, image, &access, dst, &options, None, &events).await;
    match result {
        Ok(report) => FromPusher::Done { report, pulp: looks_like_pulp(&client).await },
        Err(_) if cancel.is_cancelled() => FromPusher::Failed { failure: Failure::Cancelled },
        Err(error) => {
            let failure = match error {
                PushError::Rejected(rejections) => Failure::Rejected { rejections },
                PushError::MarksLost(lost) => Failure::MarksLost { lost },
                PushError::ForeignAbsent(absent) => Failure::ForeignAbsent { absent },
                PushError::Verification(lines) => {
                    let facts = access.facts.borrow().clone().unwrap_or_default();
                    Failure::Verification { lines, checks: judge(&[image], &facts) }
                }
                other => said(other.to_string(), other.remedy(), Side::Target),
            };
            FromPusher::Failed { failure }
        }
    }
}

/// The access of a push to the opened `file`.
fn access(state: &State, file: Blob, post: &Post) -> BrowserAccess {
    BrowserAccess {
        file,
        post: post.clone(),
        pool: state.pool.borrow_mut().get_or_insert_with(WorkerPool::beside_this_worker).clone(),
        facts: RefCell::new(None),
        compressors: state.compressors.clone(),
    }
}

fn push_options(target: &Endpoint, settings: PushSettings) -> PushOptions {
    PushOptions {
        allow_foreign_layers: settings.allow_foreign_layers,
        fetch_foreign: settings.fetch_foreign,
        accept_lost_marks: settings.accept_lost_marks,
        compress: settings.compress,
        chunk: chunk_policy(&target.api_host, settings.chunk_size),
        ..PushOptions::default()
    }
}

/// Pushes `targets` of the opened archive with the core's [`load`]: every image verified first,
/// then each pushed, refused or failed on its own, each step told to the page with its target's
/// index.
async fn load_bundle(run: Pushing<'_>, targets: &[LoadTarget]) -> FromPusher {
    let Pushing { archive, cancel, client, access, options, target, post } = run;
    let index = |t: &LoadTarget| targets.iter().position(|x| std::ptr::eq(x, t)).unwrap_or(usize::MAX);
    let events = |event: LoadEvent<'_>| match event {
        LoadEvent::Verifying { done, total } => post(&FromPusher::Verifying { done, total }),
        LoadEvent::Push(t, PushEvent::Copy(event)) => post(&FromPusher::LoadStep {
            index: index(t),
            event: Box::new(FromPusher::from_copy_event(event)),
        }),
        // Every file was hashed before the first push: a push verifies nothing more.
        LoadEvent::Push(_, PushEvent::Verifying { .. }) => {}
        LoadEvent::Done(t, result) => post(&FromPusher::Loaded { index: index(t), result: result.clone() }),
    };
    let results = load(&archive, targets, &access, &client, &target.repository, &options, &events).await;
    FromPusher::LoadDone { results, cancelled: cancel.is_cancelled() }
}

/// A failure in the core's words; one a login may cure is a sign-in for that registry, which
/// the page answers by opening its form with `message`.
fn said(message: String, remedy: Option<Remedy>, side: Side) -> Failure {
    match remedy {
        Some(Remedy::SignIn) => Failure::SignIn { side, message },
        _ => Failure::Other { message },
    }
}

/// Whether the registry behind `client` is Pulp: pulpcore's API server sends a `Correlation-ID`
/// header on every answer (its request id), which distribution and the big registries do not.
/// Asked with `HEAD /v2/` (authenticated like any registry request) after a push, so that the page
/// reads Pulp's REST API only where there is one.
async fn looks_like_pulp(client: &Client<FetchTransport>) -> bool {
    let url = client.url("/v2/");
    let request = Request::new(Method::Head, url.as_str());
    match client.send(request, &Scope::none()).await {
        Ok(response) => response.header("Correlation-ID").is_some(),
        Err(_) => false,
    }
}
