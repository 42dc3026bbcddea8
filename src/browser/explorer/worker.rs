//! What the explorer worker does: each job opens its image — through the proxy with the core's
//! registry client (every chunk verified), or an image of the archive the page dropped, read by
//! `Blob.slice` — and runs the core's `layers` views over it: one layer's entries posted as the
//! tar reader emits them, the merged view, one file's bytes, the diff of two images.
//!
//! Nothing here parses a tar or merges layers: that is the core's, the same code as the CLI's.
//! Memory is the core's bound (one chunk, one inflation step, one header) plus the rows of the
//! listings a page shows (held here until it forgets them; it asks for the few it draws); a
//! file's bytes go into a `Blob` (JavaScript memory), never into one wasm vector.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use waybill_core::archive::{Archive, OpenOptions};
use waybill_core::layers::merged::Content;
use waybill_core::layers::source::{
    ArchiveLayers, Feed, LayerSource, Layers, RegistryLayers, read_layer, read_layer_hashed_by,
};
use waybill_core::layers::{Event, ExploreError, ExploredImage, LayerInfo, ReadOptions, views};
use waybill_core::media::Compression;
use waybill_core::platform::PlatformSpec;
use waybill_core::registry::{Client, Credentials};
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use super::file_layer::stream_range;
use super::hash_helper::{HashHelper, Hashing, Pacer};
use super::listing::{Rows, Tally, layer_row, merged_row, window};
use super::protocol::{FileAt, FromExplorer, ImageAt, Job, ToExplorer, View};
use crate::browser::fetch::{Cancel, FetchTransport, describe};
use crate::browser::file_source::FileSource;
use crate::browser::protocol::{decode, encode};
use crate::browser::time::unix_seconds;

type Post = Rc<dyn Fn(&FromExplorer, Option<&Blob>)>;

#[derive(Default)]
struct State {
    archive: RefCell<Option<Rc<Archive<FileSource>>>>,
    /// The archive's file, when it is a plain tar: its layers are ranges of it.
    plain: RefCell<Option<Blob>>,
    jobs: RefCell<HashMap<u32, Cancel>>,
    /// Each listing's rows, by its job id, until the page forgets it.
    listings: RefCell<HashMap<u32, Rows>>,
    /// The hashing helper this worker started (`Err`: it could not, and layers are hashed here).
    helper: RefCell<Option<Result<HashHelper, String>>>,
    /// As the hashing helper: the layers being hashed for another explorer worker.
    hashing: Hashing,
}

/// The worker's main loop: listens for [`ToExplorer`] messages, runs jobs (several may overlap:
/// a preview while a listing streams), posts [`FromExplorer`] answers. Call once, from the
/// explorer worker binary's `main`.
pub fn serve() -> Result<(), JsValue> {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    let post_scope = scope.clone();
    let handler_scope = scope.clone();
    let post: Post = Rc::new(move |message: &FromExplorer, blob: Option<&Blob>| {
        // Encoding a serde enum cannot fail; posting to the page only fails once it is gone.
        if let Ok(value) = encode(message, blob) {
            let _ = post_scope.post_message(&value);
        }
    });
    let state = Rc::new(State::default());
    let handler_post = post.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let (message, blob) = match decode::<ToExplorer>(&event.data()) {
            Ok(decoded) => decoded,
            Err(e) => return web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
        };
        match message {
            ToExplorer::Cancel { id } => state.cancel(id),
            ToExplorer::Forget { id } => {
                state.cancel(id);
                state.listings.borrow_mut().remove(&id);
            }
            ToExplorer::HashBytes { id } => state.hashing.take_bytes(&handler_scope, id, &event.data()),
            ToExplorer::HashEnd { id } => handler_post(&state.hashing.end(id), None),
            ToExplorer::Run { id, job } => {
                let cancel = match Cancel::new() {
                    Ok(cancel) => cancel,
                    Err(e) => {
                        return handler_post(&FromExplorer::Failed { id, message: e.to_string() }, None);
                    }
                };
                state.jobs.borrow_mut().insert(id, cancel.clone());
                let (state, post) = (state.clone(), handler_post.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let running = Running { id, cancel: &cancel, post: &post };
                    let result = running.run(&state, *job, blob).await;
                    state.jobs.borrow_mut().remove(&id);
                    let answer = match result {
                        _ if cancel.is_cancelled() => FromExplorer::Cancelled { id },
                        Ok(Some(answer)) => answer,
                        Ok(None) => return, // posted already, with its blob
                        Err(message) => FromExplorer::Failed { id, message },
                    };
                    post(&answer, None);
                });
            }
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker does.
    on_message.forget();
    post(&FromExplorer::Ready, None);
    Ok(())
}

impl State {
    fn cancel(&self, id: u32) {
        if let Some(cancel) = self.jobs.borrow().get(&id) {
            cancel.cancel();
        }
    }
}

/// One job as it runs.
struct Running<'a> {
    id: u32,
    cancel: &'a Cancel,
    post: &'a Post,
}

impl Running<'_> {
    /// The job's final answer (`None`: posted already), or why it failed.
    async fn run(&self, state: &State, job: Job, blob: Option<Blob>) -> Result<Option<FromExplorer>, String> {
        let id = self.id;
        match job {
            Job::Open => {
                let file = blob.ok_or("no file was sent to open (a Waybill bug)")?;
                let archive = Archive::open(FileSource::new(file.clone()), OpenOptions::default())
                    .await
                    .map_err(|e| e.to_string())?;
                let images = archive.images().iter().map(|i| i.label()).collect();
                *state.plain.borrow_mut() = (archive.compression() == Compression::None).then_some(file);
                *state.archive.borrow_mut() = Some(Rc::new(archive));
                Ok(Some(FromExplorer::Opened { id, images }))
            }
            Job::List { image, view } => {
                let rows = Rows::default();
                // Held from the start: what a cancelled listing read is still shown.
                state.listings.borrow_mut().insert(id, rows.clone());
                let opened = self.open(state, &image).await?;
                let entries = self.list(state, &opened, view, &rows).await.map_err(|e| e.to_string())?;
                Ok(Some(FromExplorer::Listed { id, entries }))
            }
            Job::Rows { listing, search, order, limit } => {
                let rows = state.listings.borrow().get(&listing).cloned();
                let rows = rows.ok_or("that listing is gone: show the files again")?;
                let rows = rows.borrow();
                let (matching, rows_shown) = window(&rows, &search, order, limit);
                Ok(Some(FromExplorer::Rows { id, listed: rows.len() as u64, matching, rows: rows_shown }))
            }
            Job::Read { image, file, limit } => {
                let opened = self.open(state, &image).await?;
                let (blob, size) = self.read(&opened, file, limit).await.map_err(|e| e.to_string())?;
                let answer = FromExplorer::Read { id, size, truncated: size < file.size };
                (self.post)(&answer, Some(&blob));
                Ok(None)
            }
            Job::Diff { a, b } => {
                let (a, b) = (self.open(state, &a).await?, self.open(state, &b).await?);
                let diff = views::diff((&self.watch(&a), &a.image), (&self.watch(&b), &b.image))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Some(FromExplorer::Diffed { id, diff }))
            }
        }
    }

    async fn open(&self, state: &State, at: &ImageAt) -> Result<Opened, String> {
        match at {
            ImageAt::Registry { endpoint, platform } => {
                let platform = platform_spec(platform)?;
                let transport = FetchTransport::new(&endpoint.proxy_origin).with_cancel(self.cancel.clone());
                let base = transport.registry_base(&endpoint.api_host);
                let credentials = endpoint.login.as_ref().map(|l| Credentials::new(&l.username, &l.password));
                let client = Client::new(transport, &base)
                    .map_err(|e| format!("Waybill cannot address {}: {e}", endpoint.api_host))?
                    .with_credentials(credentials)
                    .with_clock(Rc::new(unix_seconds));
                let separator = if endpoint.reference.contains(':') { '@' } else { ':' };
                let shown =
                    format!("{}/{}{separator}{}", endpoint.api_host, endpoint.repository, endpoint.reference);
                let repository = endpoint.repository.clone();
                let image = ExploredImage::from_registry(
                    &client,
                    &repository,
                    &endpoint.reference,
                    &shown,
                    platform.as_ref(),
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(Opened { image, held: Held::Registry { client: Box::new(client), repository } })
            }
            ImageAt::Archive { image, platform } => {
                let platform = platform_spec(platform)?;
                let archive =
                    state.archive.borrow().clone().ok_or("no archive is open: drop a file first")?;
                let chosen = archive
                    .images()
                    .get(*image)
                    .ok_or_else(|| format!("the archive has no image {image}"))?;
                let image = ExploredImage::from_archive(&chosen.label(), chosen, platform.as_ref())
                    .map_err(|e| e.to_string())?;
                Ok(Opened { image, held: Held::Archive(archive, state.plain.borrow().clone()) })
            }
        }
    }

    fn watch<'a>(&'a self, opened: &'a Opened) -> Watched<'a> {
        let plain = match &opened.held {
            Held::Archive(_, plain) => plain.as_ref(),
            Held::Registry { .. } => None,
        };
        Watched { layers: opened.layers(), plain, count: opened.image.layers.len(), job: self, pacer: None }
    }

    /// Lists a view into `rows`, posting the count as it grows; the count listed.
    async fn list(
        &self,
        state: &State,
        opened: &Opened,
        view: View,
        rows: &Rows,
    ) -> Result<u64, ExploreError> {
        let source = self.watch(opened);
        let mut tally = Tally::new(self.id, self.post.as_ref(), rows);
        match view {
            View::Layer(n) => {
                let mut visit = |event: Event<'_>| {
                    if let Event::Entry(entry) = event {
                        tally.push(layer_row(entry, n));
                    }
                    ControlFlow::Continue(())
                };
                let options = ReadOptions::default();
                // A layer read straight from the dropped file is read in this worker's own loop,
                // which can wait for the helper: its hashing runs on the other core.
                let from_file = source.plain.is_some()
                    && opened.image.layers.get(n.wrapping_sub(1)).is_some_and(|l| l.stored.is_some());
                match from_file.then(|| helper(state)).flatten() {
                    Some(helper) => {
                        let (hasher, pacer) = helper.hasher();
                        let source = Watched { pacer: Some(&pacer), ..source };
                        read_layer_hashed_by(&source, &opened.image, n, options, &mut visit, hasher).await?;
                    }
                    None => {
                        read_layer(&source, &opened.image, n, options, &mut visit).await?;
                    }
                }
            }
            View::Merged => {
                // Held whole (a later layer may delete anything), then posted sorted.
                let fs = views::merged_view(&source, &opened.image, false).await?;
                for entry in fs.entries() {
                    tally.push(merged_row(entry));
                }
            }
        }
        Ok(rows.borrow().len() as u64)
    }

    /// One file's bytes (the first `limit` of them), gathered in a `Blob`; its size.
    async fn read(
        &self,
        opened: &Opened,
        file: FileAt,
        limit: Option<u64>,
    ) -> Result<(Blob, u64), ExploreError> {
        let parts = js_sys::Array::new();
        let max = limit.unwrap_or(u64::MAX);
        let mut taken = 0_u64;
        let mut out = |piece: &[u8]| {
            let room = usize::try_from(max - taken).unwrap_or(usize::MAX);
            let piece = &piece[..piece.len().min(room)];
            if !piece.is_empty() {
                parts.push(&js_sys::Uint8Array::from(piece));
                taken += piece.len() as u64;
            }
            if taken >= max { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        };
        let content = Content { layer: file.layer, offset: file.offset, size: file.size, sha256: None };
        views::read_file(&self.watch(opened), &opened.image, &content, &mut out).await?;
        let blob = Blob::new_with_u8_array_sequence(&parts).map_err(|e| ExploreError::Path(describe(&e)))?;
        Ok((blob, taken))
    }
}

/// An image opened for one job, and what holds its layers.
struct Opened {
    image: ExploredImage,
    held: Held,
}

enum Held {
    Registry {
        client: Box<Client<FetchTransport>>,
        repository: String,
    },
    /// The archive, and its file when it is a plain tar.
    Archive(Rc<Archive<FileSource>>, Option<Blob>),
}

impl Opened {
    fn layers(&self) -> Layers<'_, FetchTransport, FileSource> {
        match &self.held {
            Held::Registry { client, repository } => Layers::Registry(RegistryLayers { client, repository }),
            Held::Archive(archive, _) => Layers::Archive(ArchiveLayers(archive)),
        }
    }
}

/// A job's layers: each layer begun is told to the page, and a cancelled job stops between
/// chunks (its fetch is aborted too, by the transport's `Cancel`).
struct Watched<'a> {
    layers: Layers<'a, FetchTransport, FileSource>,
    plain: Option<&'a Blob>,
    count: usize,
    job: &'a Running<'a>,
    /// The hashing helper's pace, when it hashes this layer.
    pacer: Option<&'a Pacer>,
}

impl LayerSource for Watched<'_> {
    async fn stream(&self, n: usize, layer: &LayerInfo, feed: &mut Feed<'_>) -> Result<(), ExploreError> {
        (self.job.post)(&FromExplorer::Reading { id: self.job.id, layer: n, layers: self.count }, None);
        let cancel = self.job.cancel;
        let mut checked = |chunk: &[u8]| {
            if cancel.is_cancelled() {
                // Any error ends the job; the page is told "cancelled" because the flag is set.
                return Err(ExploreError::Path("cancelled".into()));
            }
            feed(chunk)
        };
        match (self.plain, &layer.stored) {
            (Some(file), Some(stored)) => stream_range(file, stored, self.pacer, &mut checked).await,
            _ => self.layers.stream(n, layer, &mut checked).await,
        }
    }
}

/// The hashing helper, started on first use; `None` where it cannot start (layers are then
/// hashed in this worker, as before).
fn helper(state: &State) -> Option<HashHelper> {
    let mut helper = state.helper.borrow_mut();
    let started = helper.get_or_insert_with(|| {
        HashHelper::start().inspect_err(|e| web_sys::console::warn_1(&JsValue::from_str(e)))
    });
    started.as_ref().ok().cloned()
}

fn platform_spec(platform: &str) -> Result<Option<PlatformSpec>, String> {
    let platform = platform.trim();
    (!platform.is_empty()).then(|| PlatformSpec::parse(platform).map_err(|e| e.to_string())).transpose()
}
