//! The app's files, from the assets binding, with the core's page policy (`app_headers`: a strict
//! CSP allowing this build's inline loader by its hash, `nosniff`, no framing), as `waybill serve`
//! sends them. The policy is computed once per isolate from the deployed `index.html`.

use std::cell::RefCell;

use waybill_core::proxy::app_headers;
use worker::{Env, Headers, Request, Response};

/// The assets binding (`[assets] binding` in wrangler.toml): the built app, `dist/`.
const ASSETS_BINDING: &str = "ASSETS";

thread_local! {
    static HEADERS: RefCell<Option<Vec<(&'static str, String)>>> = const { RefCell::new(None) };
}

/// Serves one of the app's files.
pub async fn serve(env: &Env, request: Request) -> worker::Result<Response> {
    let assets = env.assets(ASSETS_BINDING)?;
    let headers = match HEADERS.with(|h| h.borrow().clone()) {
        Some(headers) => headers,
        None => {
            let index = request.url()?.join("/index.html")?;
            let index = assets.fetch(index.to_string(), None).await?.text().await.unwrap_or_default();
            let headers = app_headers(&index);
            HEADERS.with(|h| *h.borrow_mut() = Some(headers.clone()));
            headers
        }
    };
    let response = assets.fetch_request(request).await?;
    // The binding's headers are immutable: the answer is rebuilt around the same streamed body.
    let out = Headers::new();
    for (name, value) in response.headers().entries() {
        out.set(&name, &value)?;
    }
    for (name, value) in headers {
        out.set(name, &value)?;
    }
    Ok(Response::builder()
        .with_status(response.status_code())
        .with_headers(out)
        .body(response.body().clone()))
}
