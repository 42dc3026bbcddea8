//! Waybill in the browser: a Leptos client-side app built by Trunk — the shell and Inspect (the
//! initial download); Upload and Copy are a second module it loads on first use
//! (`bin/transfer.rs`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(waybill_app::ui::app::App);
}
