//! The built app (`dist/`): files as they are, `index.html` for `/` and for any path that is not
//! a file (the app routes on the client side).

use std::path::Path;

use tower_http::services::{ServeDir, ServeFile};

/// A service serving `dist`.
pub fn service(dist: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")))
}
