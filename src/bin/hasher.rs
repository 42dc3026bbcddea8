//! The hashing Web Worker: a wasm module of its own, loaded by the page on the first Verify (see
//! `waybill_app::browser::pool`), so the app's initial download stays small and no hashing ever
//! runs on the page's main thread.

fn main() {
    console_error_panic_hook::set_once();
    if let Err(e) = waybill_app::browser::hasher::serve() {
        web_sys::console::error_1(&e);
    }
}
