//! Looking inside images from a page: listings, previews, downloads and diffs, each a job for the
//! explorer worker (which reads the layers with the core), turned into signals the Files view
//! and the Diff page draw.

use std::cell::RefCell;

use leptos::prelude::*;
use waybill_core::layers::diff::ImageDiff;
use web_sys::Blob;

use crate::browser::blob::read_range;
use crate::browser::explorer::client::Explorer;
pub use crate::browser::explorer::protocol::{FileAt, FileRow, ImageAt, Order, PREVIEW_BYTES, View};
use crate::browser::explorer::protocol::{FromExplorer, Job};
use crate::browser::pool::WORKER_DIR;

mod listing;
pub use listing::{Listing, SHOWN};

thread_local! {
    // One explorer worker per page module, started on first use and kept: the next listing
    // does not pay for loading its wasm again.
    static EXPLORER: RefCell<Option<Explorer>> = const { RefCell::new(None) };
}

fn explorer() -> Result<Explorer, String> {
    EXPLORER.with(|slot| {
        if let Some(explorer) = slot.borrow().as_ref() {
            return Ok(explorer.clone());
        }
        let explorer = Explorer::start(WORKER_DIR)?;
        *slot.borrow_mut() = Some(explorer.clone());
        Ok(explorer)
    })
}

/// Where a job stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Not started.
    Idle,
    /// Waiting for the worker, or its first layer.
    Starting,
    /// Reading layer `layer` of `layers`.
    Reading {
        /// 1-based.
        layer: usize,
        /// Of how many.
        layers: usize,
    },
    /// Finished.
    Done,
    /// Stopped on request.
    Cancelled,
    /// Failed: why.
    Failed(String),
}

impl Progress {
    /// One word for it, for tests and styles (`data-state`).
    pub fn word(&self) -> &'static str {
        match self {
            Progress::Idle => "idle",
            Progress::Starting | Progress::Reading { .. } => "running",
            Progress::Done => "done",
            Progress::Cancelled => "cancelled",
            Progress::Failed(_) => "failed",
        }
    }

    /// Whether the job is still running.
    pub fn running(&self) -> bool {
        matches!(self, Progress::Starting | Progress::Reading { .. })
    }
}

/// A job's id in the worker, so that it can be cancelled, or forgotten when its view goes.
#[derive(Clone, Copy)]
pub struct JobHandle(StoredValue<Option<u32>>);

impl JobHandle {
    fn new() -> JobHandle {
        JobHandle(StoredValue::new(None))
    }

    fn set(&self, id: Option<u32>) {
        if let Some(Some(old)) = self.0.try_get_value()
            && let Ok(explorer) = explorer()
        {
            explorer.forget(old);
        }
        self.0.try_set_value(id);
    }

    fn id(&self) -> Option<u32> {
        self.0.try_get_value().flatten()
    }

    /// Stops the job.
    pub fn cancel(&self) {
        if let (Some(Some(id)), Ok(explorer)) = (self.0.try_get_value(), explorer()) {
            explorer.cancel(id);
        }
    }
}

/// Starts `job`; `on` hears its messages (on the page's thread); a worker that cannot start
/// fails the job at once.
fn start(
    handle: JobHandle,
    progress: RwSignal<Progress>,
    job: Job,
    blob: Option<Blob>,
    on: impl Fn(FromExplorer, Option<Blob>) + 'static,
) {
    progress.set(Progress::Starting);
    match explorer() {
        Ok(explorer) => {
            let id = explorer.run(job, blob, move |message, blob| {
                match &message {
                    FromExplorer::Reading { layer, layers, .. } => {
                        progress.try_set(Progress::Reading { layer: *layer, layers: *layers });
                    }
                    FromExplorer::Cancelled { .. } => {
                        let _ = progress.try_set(Progress::Cancelled);
                    }
                    FromExplorer::Failed { message, .. } => {
                        let _ = progress.try_set(Progress::Failed(message.clone()));
                    }
                    _ => {}
                }
                on(message, blob);
            });
            handle.set(Some(id));
        }
        Err(message) => progress.set(Progress::Failed(message)),
    }
}

/// A file's first bytes, as the preview shows them.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// Which file.
    pub path: String,
    /// Its size.
    pub size: u64,
    /// Whether only the first [`PREVIEW_BYTES`] are here.
    pub truncated: bool,
    /// Its bytes as text, when they are text (UTF-8, no NUL).
    pub text: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Reads `row`'s first [`PREVIEW_BYTES`] into `preview`.
pub fn preview(
    image: ImageAt,
    row: &FileRow,
    preview: RwSignal<Option<Preview>>,
    progress: RwSignal<Progress>,
    handle: JobHandle,
) {
    let Some(file) = row.content else { return };
    let (path, size) = (row.entry.path.clone(), file.size);
    preview.set(None);
    let job = Job::Read { image, file, limit: Some(PREVIEW_BYTES) };
    start(handle, progress, job, None, move |message, blob| {
        let (FromExplorer::Read { truncated, .. }, Some(blob)) = (message, blob) else { return };
        let path = path.clone();
        leptos::task::spawn_local(async move {
            let end = blob.size() as u64;
            match read_range(&blob, 0, end).await {
                Ok(bytes) => {
                    let text = as_text(&bytes, truncated);
                    preview.try_set(Some(Preview { path, size, truncated, text, bytes }));
                    progress.try_set(Progress::Done);
                }
                Err(e) => {
                    let _ = progress.try_set(Progress::Failed(e.to_string()));
                }
            }
        });
    });
}

/// A new job handle, for a view that runs one job at a time (previews, downloads, a diff).
pub fn job_handle() -> JobHandle {
    let handle = JobHandle::new();
    on_cleanup(move || handle.set(None));
    handle
}

/// Reads all of `row`'s bytes (the layer to its end: digest and diff ID checked) and hands them
/// to the browser as a download named after the file.
pub fn download(image: ImageAt, row: &FileRow, progress: RwSignal<Progress>, handle: JobHandle) {
    let Some(file) = row.content else { return };
    let name = row.entry.path.rsplit('/').next().unwrap_or("file").to_owned();
    start(handle, progress, Job::Read { image, file, limit: None }, None, move |message, blob| {
        if let (FromExplorer::Read { .. }, Some(blob)) = (message, blob) {
            match save(&name, &blob) {
                Ok(()) => {
                    let _ = progress.try_set(Progress::Done);
                }
                Err(e) => {
                    let _ = progress.try_set(Progress::Failed(e));
                }
            }
        }
    });
}

/// Offers `blob` as a download: an object URL clicked through a link, revoked afterwards.
fn save(name: &str, blob: &Blob) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let describe = |e: wasm_bindgen::JsValue| crate::browser::fetch::describe(&e);
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(describe)?;
    let document = document();
    let link: web_sys::HtmlElement = document.create_element("a").map_err(describe)?.unchecked_into();
    link.set_attribute("href", &url).map_err(describe)?;
    link.set_attribute("download", name).map_err(describe)?;
    link.click();
    // The click has started the download by now; the URL is not needed after it.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The bytes as text: UTF-8 without NUL (a preview cut inside a character keeps what precedes it).
fn as_text(bytes: &[u8], truncated: bool) -> Option<String> {
    if bytes.contains(&0) {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text.to_owned()),
        Err(e) if truncated && e.error_len().is_none() => {
            Some(String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned())
        }
        Err(_) => None,
    }
}

/// Compares two images in the worker; the diff lands in `result`.
pub fn diff(
    a: ImageAt,
    b: ImageAt,
    result: RwSignal<Option<ImageDiff>>,
    progress: RwSignal<Progress>,
    handle: JobHandle,
) {
    result.set(None);
    start(handle, progress, Job::Diff { a, b }, None, move |message, _| {
        if let FromExplorer::Diffed { diff, .. } = message {
            result.try_set(Some(diff));
            progress.try_set(Progress::Done);
        }
    });
}

/// Compares the first image of an archive on this computer with `b`: the worker opens the
/// archive from the page's `Blob` (its bytes never leave the page), then diffs as [`diff`] does.
pub fn diff_archive(
    file: Blob,
    b: ImageAt,
    result: RwSignal<Option<ImageDiff>>,
    progress: RwSignal<Progress>,
    handle: JobHandle,
) {
    result.set(None);
    start(handle, progress, Job::Open, Some(file), move |message, _| {
        if let FromExplorer::Opened { .. } = message {
            let a = ImageAt::Archive { image: 0, platform: String::new() };
            diff(a, b.clone(), result, progress, handle);
        }
    });
}

/// Opens a dropped archive in the worker, for its images' files; `images` gets their labels.
pub fn open_archive(
    file: Blob,
    images: RwSignal<Vec<String>>,
    progress: RwSignal<Progress>,
    handle: JobHandle,
) {
    images.set(Vec::new());
    start(handle, progress, Job::Open, Some(file), move |message, _| {
        if let FromExplorer::Opened { images: labels, .. } = message {
            images.try_set(labels);
            progress.try_set(Progress::Done);
        }
    });
}
