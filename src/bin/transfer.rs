//! Upload, Copy, Diff, Audit and the Files view: a page module of their own, loaded by the app the first
//! time one of them is shown, so that the app's initial download stays small (see
//! `waybill_app::ui::lazy`).

fn main() {
    console_error_panic_hook::set_once();
    if let Err(e) = waybill_app::ui::transfer_app::start() {
        web_sys::console::error_1(&e);
    }
}
