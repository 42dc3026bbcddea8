//! Clocks and a timer that work on a page and in a worker alike.

use std::pin::Pin;
use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

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

/// Completes after `duration` (the global object's `setTimeout`, a window's or a worker's), or as
/// soon as `signal` is aborted: the core's retry waits go through it, and a push the user cancels
/// does not first sit out a registry's `Retry-After`.
pub fn sleep(duration: Duration, signal: Option<AbortSignal>) -> Pin<Box<dyn Future<Output = ()>>> {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if signal.as_ref().is_some_and(AbortSignal::aborted) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
            return;
        }
        let global = js_sys::global();
        // Reflect, not Window or WorkerGlobalScope: the same code runs on the page and in workers.
        let set_timeout = js_sys::Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let millis = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        match set_timeout {
            Some(set_timeout) => {
                let _ = set_timeout.call2(&global, &resolve, &JsValue::from(millis));
            }
            // No timer at all: do not wait rather than never wake.
            None => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
        if let Some(signal) = &signal {
            // Resolving twice is harmless: the first call settles the promise.
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
        }
    });
    Box::pin(async move {
        let _ = JsFuture::from(promise).await;
    })
}
