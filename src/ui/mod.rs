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
pub mod push_choices;
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
            walls_crossed(&ui.join(dir), &mut through_the_wall);
        }
        assert!(through_the_wall.is_empty(), "import crate::browser directly: {through_the_wall:?}");
    }

    /// The files under `dir`, its folders' too (a page's parts sit in the page's folder), that
    /// name `crate::browser`.
    fn walls_crossed(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walls_crossed(&path, found);
            } else if std::fs::read_to_string(&path).unwrap().contains("crate::browser") {
                found.push(path.display().to_string());
            }
        }
    }
}
