//! `GET /api/reach`: which registries this proxy routes to, for the app's landing page (the core's
//! [`Reach`], as the Worker answers it too).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use waybill_core::proxy::Reach;

use super::state::AppState;

/// The answer: JSON, never cached (a restart with another configuration must show at once).
pub async fn handle(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let json = Reach::of(&state.policy).to_json();
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], json)
}
