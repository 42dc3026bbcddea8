//! A download streamed by Waybill's service worker (`www/waybill-download-sw.js`): the page
//! registers it, gives it one end of a `MessageChannel` for this download, and opens
//! `waybill-download/<id>` in a hidden frame; the browser saves the answer as a file while the
//! worker asks the page for each next chunk. A chunk is sent only when asked for, so the tab
//! holds one at a time.

use futures_channel::mpsc;
use futures_util::StreamExt as _;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};

use super::call;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, MessageChannel, MessageEvent, MessagePort};

use crate::browser::fetch::describe;

/// The service worker's script, beside the page.
const WORKER: &str = "waybill-download-sw.js";

/// One download in progress.
pub struct StreamedDownload {
    port: MessagePort,
    asks: mpsc::UnboundedReceiver<String>,
    _listener: Closure<dyn FnMut(MessageEvent)>,
    frame: Option<HtmlElement>,
    /// Ended or failed.
    over: bool,
}

impl StreamedDownload {
    /// Registers the service worker (once), hands it this download and starts it in the browser.
    pub async fn start(name: &str) -> Result<StreamedDownload, String> {
        let window = web_sys::window().ok_or("no window")?;
        let container = Reflect::get(&window.navigator(), &"serviceWorker".into())
            .ok()
            .filter(|c| !c.is_undefined())
            .ok_or(
                "this browser can neither save to a chosen file nor stream a download (no service workers)",
            )?;
        let options = Object::new();
        let _ = Reflect::set(&options, &"scope".into(), &"./".into());
        call(&container, "register", &[WORKER.into(), options.into()])
            .await
            .map_err(|e| format!("the download's service worker did not start: {e}"))?;
        let ready = Reflect::get(&container, &"ready".into()).map_err(|e| describe(&e))?;
        let registration = JsFuture::from(Promise::from(ready)).await.map_err(|e| describe(&e))?;
        let active = Reflect::get(&registration, &"active".into())
            .ok()
            .filter(|a| !a.is_null() && !a.is_undefined())
            .ok_or("the download's service worker is not active")?;

        let channel = MessageChannel::new().map_err(|e| describe(&e))?;
        let port = channel.port1();
        let (sender, asks) = mpsc::unbounded();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let kind = Reflect::get(&event.data(), &"type".into()).ok().and_then(|t| t.as_string());
            let _ = sender.unbounded_send(kind.unwrap_or_default());
        });
        port.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        // From here on, dropping it stops listening to the port (the browser has not begun a
        // download yet: nothing to fail).
        let mut download = StreamedDownload { port, asks, _listener: listener, frame: None, over: true };
        let id = download_id()?;
        let message = Object::new();
        let _ = Reflect::set(&message, &"type".into(), &"download".into());
        let _ = Reflect::set(&message, &"id".into(), &id.as_str().into());
        let _ = Reflect::set(&message, &"name".into(), &name.into());
        let post: Function = Reflect::get(&active, &"postMessage".into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or("the download's service worker takes no messages")?;
        post.call2(&active, &message, &Array::of1(&channel.port2()))
            .map_err(|e| format!("the download's service worker refused it: {}", describe(&e)))?;
        if download.asks.next().await.as_deref() != Some("registered") {
            return Err("the download's service worker did not take the download".into());
        }
        download.frame = Some(open_frame(&format!("waybill-download/{id}"))?);
        download.over = false;
        Ok(download)
    }

    /// Sends `chunk` once the browser asks for the next one.
    pub async fn write(&mut self, chunk: Vec<u8>) -> Result<(), String> {
        match self.asks.next().await.as_deref() {
            Some("pull") => {}
            Some("cancelled") => return Err("the download was cancelled in the browser".into()),
            _ => return Err("the download's service worker stopped answering".into()),
        }
        let bytes = Uint8Array::from(chunk.as_slice()).buffer();
        let message = Object::new();
        let _ = Reflect::set(&message, &"type".into(), &"chunk".into());
        let _ = Reflect::set(&message, &"bytes".into(), &bytes);
        self.port
            .post_message_with_transferable(&message, &Array::of1(&bytes))
            .map_err(|e| format!("the download's service worker refused a chunk: {}", describe(&e)))
    }

    /// The archive is complete: the browser finishes the file.
    pub fn end(mut self) {
        self.send("end", None);
    }

    /// The browser marks the download failed, saying `why`.
    pub fn fail(mut self, why: &str) {
        self.send("error", Some(why));
    }

    fn send(&mut self, kind: &str, why: Option<&str>) {
        let message = Object::new();
        let _ = Reflect::set(&message, &"type".into(), &kind.into());
        if let Some(why) = why {
            let _ = Reflect::set(&message, &"message".into(), &why.into());
        }
        let _ = self.port.post_message(&message);
        self.over = true;
    }
}

impl Drop for StreamedDownload {
    /// A download left without an end fails in the browser rather than hanging. The worker may
    /// still ask for a chunk: nothing listens any more.
    fn drop(&mut self) {
        if !self.over {
            self.send("error", Some("Waybill stopped writing this archive"));
        }
        self.port.set_onmessage(None);
        self.port.close();
        // The frame's navigation is the download; the browser keeps it after the frame goes.
        if let Some(frame) = self.frame.take() {
            frame.remove();
        }
    }
}

/// A fresh id for the download's URL.
fn download_id() -> Result<String, String> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|e| describe(&e))?;
    let uuid: Function = Reflect::get(&crypto, &"randomUUID".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this browser has no crypto.randomUUID (a secure context is needed)")?;
    uuid.call0(&crypto).ok().and_then(|v| v.as_string()).ok_or_else(|| "no random id".to_owned())
}

/// A hidden frame opening `url`: the navigation the service worker answers with the file.
fn open_frame(url: &str) -> Result<HtmlElement, String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let frame: HtmlElement = document.create_element("iframe").map_err(|e| describe(&e))?.unchecked_into();
    let _ = frame.set_attribute("src", url);
    let _ = frame.set_attribute("hidden", "");
    let _ = frame.set_attribute("title", "download");
    document.body().ok_or("no body")?.append_child(&frame).map_err(|e| describe(&e))?;
    Ok(frame)
}
