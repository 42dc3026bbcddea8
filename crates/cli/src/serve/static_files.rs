//! The built app (`dist/`): files as they are, `index.html` for `/`. The app routes on the client
//! with hash links (`/#/inspect?…`), so any other path that is not a file is a plain 404 — a
//! missing asset shows up as missing instead of as a copy of index.html.

use std::path::Path;

use tower_http::services::ServeDir;

/// A service serving `dist`.
pub fn service(dist: &Path) -> ServeDir {
    ServeDir::new(dist)
}
