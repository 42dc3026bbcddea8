//! Waybill in the browser: a Leptos client-side app built by Trunk.

mod api;
mod app;
mod components;
mod pages;
mod route;
mod session;
mod verify;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
