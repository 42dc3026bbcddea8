//! The built app (`dist/`): files as they are, `index.html` for `/`. The app routes on the client
//! with hash links (`/#/inspect?…`), so any other path that is not a file is a plain 404 — a
//! missing asset shows up as missing instead of as a copy of index.html.
//!
//! Only regular files whose canonical path is inside the app folder are served. A link to another
//! file of the app is served as that file (a build may alias an asset), but a link that leads out
//! — `dist/x → /etc/passwd`, a linked folder — is a 404, as is a folder: whoever can drop a link
//! into `dist/` must not publish the rest of the disk on the proxy's origin.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tower_http::services::ServeFile;

/// The app folder; cheap to clone into the fallback handler.
#[derive(Clone)]
pub struct AppFiles {
    dir: Arc<PathBuf>,
}

impl AppFiles {
    /// Serves files from `dir`.
    pub fn new(dir: &Path) -> AppFiles {
        AppFiles { dir: Arc::new(dir.to_path_buf()) }
    }

    /// Answers `request` with the file its path names, or 404. tower-http's `ServeFile` does the
    /// rest (ranges, conditional requests, the MIME type, `application/wasm` included), on the
    /// checked path, so what is served is exactly what was checked.
    pub async fn serve(self, request: Request) -> Response {
        let Some(file) = self.resolve(request.uri().path()).await else {
            return StatusCode::NOT_FOUND.into_response();
        };
        match ServeFile::new(file).try_call(request).await {
            Ok(response) => response.map(Body::new),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }

    /// The canonical path of the regular file `path` names inside the app folder.
    async fn resolve(&self, path: &str) -> Option<PathBuf> {
        let relative = relative_path(path)?;
        // Canonicalised on every request, not once at start: `trunk build` replaces dist/ while
        // the server runs.
        let root = tokio::fs::canonicalize(self.dir.as_path()).await.ok()?;
        let file = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
        let regular = tokio::fs::metadata(&file).await.ok()?.is_file();
        (regular && file.starts_with(&root)).then_some(file)
    }
}

/// The request path as a path relative to the app folder: percent-decoded, `index.html` for a
/// folder's path, and only plain names (no `..`, no root), as tower-http's `ServeDir` takes it.
fn relative_path(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode_str(path.trim_start_matches('/')).decode_utf8().ok()?;
    let mut relative = PathBuf::new();
    for component in Path::new(&*decoded).components() {
        match component {
            Component::Normal(name) => relative.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        relative.push("index.html");
    }
    Some(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_become_plain_relative_paths() {
        assert_eq!(relative_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(relative_path("/app.wasm"), Some(PathBuf::from("app.wasm")));
        assert_eq!(relative_path("/snippets/a%20b.js"), Some(PathBuf::from("snippets/a b.js")));
        assert_eq!(relative_path("/sub/"), Some(PathBuf::from("sub/index.html")));
        for escaping in ["/../etc/passwd", "/a/%2e%2e/%2e%2e/etc/passwd", "/%2fetc/passwd", "/%ff"] {
            assert_eq!(relative_path(escaping), None, "{escaping}");
        }
    }
}
