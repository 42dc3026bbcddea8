//! "Download as archive": the bytes of an OCI-layout archive (the core's `save`, as `waybill
//! save` writes it) written to the user's disk as they are made, never held in the tab.
//!
//! * [`picker`] — the File System Access API's save picker (`showSaveFilePicker`): Chrome, Edge
//!   and Opera on the desktop. The file is written in place; a failure overwrites what was
//!   written with a note saying so, so no short archive is ever left under the chosen name.
//! * [`streamed`] — elsewhere (Firefox, Safari, Chrome on Android): a download the browser
//!   saves, its body streamed by Waybill's service worker (`www/waybill-download-sw.js`), one
//!   chunk at a time as the browser asks. A failure fails the download in the browser's list.
//!
//! Small writes (tar headers, padding) are gathered into chunks of [`CHUNK`] bytes.

pub mod picker;
pub mod streamed;

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waybill_core::transfer::save::LayoutSink;

use crate::browser::fetch::describe;

/// The bytes handed to the disk at a time.
pub const CHUNK: usize = 4 * 1024 * 1024;

/// Where an archive is being written.
pub enum Download {
    /// A file chosen in the save picker.
    Picked(picker::PickedFile),
    /// A download streamed by the service worker.
    Streamed(streamed::StreamedDownload),
}

/// Which of the two a browser offers.
pub fn has_picker() -> bool {
    picker::available()
}

/// An archive being written, its small writes gathered.
pub struct ArchiveOut {
    to: Download,
    pending: Vec<u8>,
    written: u64,
    progress: Box<dyn Fn(u64)>,
}

impl ArchiveOut {
    /// Starts writing an archive named `name`: the save picker where the browser has one (call
    /// from a click), else a streamed download. `progress` is told the bytes written so far.
    /// `None`: the user closed the save dialog without choosing a file.
    pub async fn start(name: &str, progress: impl Fn(u64) + 'static) -> Result<Option<ArchiveOut>, String> {
        let to = if picker::available() {
            match picker::PickedFile::choose(name).await? {
                Some(file) => Download::Picked(file),
                None => return Ok(None),
            }
        } else {
            Download::Streamed(streamed::StreamedDownload::start(name).await?)
        };
        Ok(Some(ArchiveOut {
            to,
            pending: Vec::with_capacity(CHUNK),
            written: 0,
            progress: Box::new(progress),
        }))
    }

    async fn flush(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        let len = chunk.len() as u64;
        match &mut self.to {
            Download::Picked(file) => file.write(&chunk).await?,
            Download::Streamed(download) => download.write(chunk).await?,
        }
        self.written += len;
        (self.progress)(self.written);
        Ok(())
    }

    /// Writes what is left and closes the file: the archive is complete.
    pub async fn finish(mut self) -> Result<u64, String> {
        if let Err(why) = self.flush().await {
            self.fail(&why).await;
            return Err(why);
        }
        match self.to {
            Download::Picked(file) => file.close().await?,
            Download::Streamed(download) => download.end(),
        }
        Ok(self.written)
    }

    /// Marks the archive failed, saying `why`, so that it is never taken for a whole one.
    pub async fn fail(self, why: &str) {
        match self.to {
            Download::Picked(file) => file.fail(why).await,
            Download::Streamed(download) => download.fail(why),
        }
    }
}

impl LayoutSink for ArchiveOut {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }
}

/// Calls `object.name(args…)` and awaits the promise it returns (the APIs web-sys has only as
/// unstable ones, reached through `Reflect`).
async fn call(object: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    call_raw(object, name, args).await.map_err(|e| describe(&e))
}

/// [`call`], its error the browser's own value (a `DOMException` to tell by its name).
async fn call_raw(object: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = Reflect::get(object, &name.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| JsValue::from_str(&format!("the browser has no {name}()")))?;
    let array: Array = args.iter().collect();
    let returned = function.apply(object, &array)?;
    JsFuture::from(Promise::resolve(&returned)).await
}
