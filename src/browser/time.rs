//! Clocks that work on a page and in a worker alike.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance`, on the global object of a window or a worker.
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: web_sys::Performance;
}

/// Milliseconds on the monotonic clock (`performance.now()`), for rates and timeouts.
pub fn now_ms() -> f64 {
    PERFORMANCE.with(web_sys::Performance::now)
}

/// Seconds since the Unix epoch, for token lifetimes.
pub fn unix_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}
