//! The Leptos UI, shared by the two page modules built from it:
//!
//! * the app (`main.rs`): the shell, navigation and Inspect — the initial download, kept small;
//! * the transfer module (`bin/transfer.rs`): Upload, Copy, Diff and Audit, loaded by the app the first time
//!   one of them is opened ([`lazy`]), and mounted into the app's page ([`transfer_app`]).
//!
//! Each module links only what it reaches from its entry point.

pub mod api;
pub mod app;
pub mod bundle;
pub mod components;
pub mod explore;
pub mod lazy;
pub mod mirror;
pub mod pages;
pub mod problems;
pub mod route;
pub mod session;
pub mod transfer;
pub mod transfer_app;
pub mod verify;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// One I/O door: pages and components reach the browser's plumbing (`src/browser`) only
    /// through `ui::api`, so what a page does to the outside is read in one module.
    #[test]
    fn pages_and_components_reach_the_browser_only_through_the_api() {
        let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
        let mut through_the_wall = Vec::new();
        for dir in ["pages", "components"] {
            for entry in std::fs::read_dir(ui.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("crate::browser") {
                    through_the_wall.push(path.display().to_string());
                }
            }
        }
        assert!(through_the_wall.is_empty(), "import crate::browser directly: {through_the_wall:?}");
    }
}
