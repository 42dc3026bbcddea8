//! The save picker (`window.showSaveFilePicker`, the File System Access API) and the writable
//! stream of the file chosen. Called through `Reflect`: web-sys has these only as unstable APIs.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;

use super::{call, call_raw};
use crate::browser::fetch::describe;

/// Whether this browser has the save picker.
pub fn available() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &JsValue::from_str("showSaveFilePicker")).ok())
        .is_some_and(|f| f.is_function())
}

/// The file the user chose, open for writing.
pub struct PickedFile {
    writable: JsValue,
    /// The one JS buffer every chunk goes through: a fresh `Uint8Array` per write left the
    /// written ones waiting for the collector (181 MiB of ArrayBuffers for a 600 MiB archive,
    /// measured). Reused once the browser has taken the previous write.
    staging: Uint8Array,
}

impl PickedFile {
    /// Asks where to save `name` (a tar archive), and opens the file chosen; `None` when the user
    /// closed the dialog (the browser's `AbortError`), which is no failure.
    pub async fn choose(name: &str) -> Result<Option<PickedFile>, String> {
        let window = web_sys::window().ok_or("no window")?;
        let options = Object::new();
        let accept = Object::new();
        let _ = Reflect::set(&accept, &"application/x-tar".into(), &Array::of1(&".tar".into()));
        let kind = Object::new();
        let _ = Reflect::set(&kind, &"description".into(), &"OCI image-layout archive".into());
        let _ = Reflect::set(&kind, &"accept".into(), &accept);
        let _ = Reflect::set(&options, &"suggestedName".into(), &name.into());
        let _ = Reflect::set(&options, &"types".into(), &Array::of1(&kind));
        let handle = match call_raw(&window, "showSaveFilePicker", &[options.into()]).await {
            Ok(handle) => handle,
            Err(e)
                if Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).as_deref()
                    == Some("AbortError") =>
            {
                return Ok(None);
            }
            Err(e) => return Err(format!("the save dialog failed: {}", describe(&e))),
        };
        let writable = call(&handle, "createWritable", &[])
            .await
            .map_err(|e| format!("the browser cannot write that file: {e}"))?;
        Ok(Some(PickedFile { writable, staging: Uint8Array::new_with_length(0) }))
    }

    /// Appends `bytes`, once the browser has taken the previous ones.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let len = bytes.len() as u32;
        if self.staging.length() < len {
            self.staging = Uint8Array::new_with_length(len);
        }
        let view = self.staging.subarray(0, len);
        view.copy_from(bytes);
        call(&self.writable, "write", &[view.into()])
            .await
            .map(drop)
            .map_err(|e| format!("writing the file: {e}"))
    }

    /// Closes the file: its bytes are in place under the chosen name.
    pub async fn close(self) -> Result<(), String> {
        call(&self.writable, "close", &[]).await.map(drop).map_err(|e| format!("closing the file: {e}"))
    }

    /// Replaces what was written with a note saying the download failed and why: a reader of
    /// the file (tar, skopeo, `waybill load`) refuses it at once, and a person sees why.
    pub async fn fail(self, why: &str) {
        let note = format!(
            "Waybill: this download FAILED and is not an image archive.\n{why}\nStart it again from Waybill.\n"
        );
        let _ = call(&self.writable, "truncate", &[JsValue::from(0)]).await;
        let _ = call(&self.writable, "write", &[JsValue::from_str(&note)]).await;
        let _ = call(&self.writable, "close", &[]).await;
    }
}
