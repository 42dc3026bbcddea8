//! The push worker: a wasm module of its own, loaded by the Upload and Copy pages on first use
//! (see `waybill_app::browser::pusher`), so that archive pushes and registry copies run off the
//! page's main thread and out of the app's initial download.

fn main() {
    console_error_panic_hook::set_once();
    if let Err(e) = waybill_app::browser::pusher::worker::serve() {
        web_sys::console::error_1(&e);
    }
}
