//! The explorer worker: a wasm module of its own, loaded by a page the first time it opens an
//! image's files (see `waybill_app::browser::explorer`), so that layers are inflated and their
//! tars read off the page's main thread and out of the app's initial download.

fn main() {
    console_error_panic_hook::set_once();
    if let Err(e) = waybill_app::browser::explorer::worker::serve() {
        web_sys::console::error_1(&e);
    }
}
