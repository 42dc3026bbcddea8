//! The timer the push worker gives the core's retry rule (`browser::time::sleep`): it waits as
//! long as asked, and no longer than the cancel of the work it belongs to.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::fetch::Cancel;
use waybill_app::browser::time::{now_ms, sleep};

wasm_bindgen_test_configure!(run_in_browser);

#[test]
async fn waits_as_long_as_asked() {
    let start = now_ms();
    sleep(Duration::from_millis(300), None).await;
    let waited = now_ms() - start;
    assert!(waited >= 299.0, "woke after {waited} ms");
}

#[test]
async fn a_cancel_ends_the_wait() {
    let cancel = Cancel::new().expect("a cancel handle");
    let start = now_ms();
    let canceller = cancel.clone();
    wasm_bindgen_futures::spawn_local(async move {
        sleep(Duration::from_millis(100), None).await;
        canceller.cancel();
    });
    sleep(Duration::from_secs(60), Some(cancel.signal())).await;
    let waited = now_ms() - start;
    assert!((99.0..10_000.0).contains(&waited), "woke after {waited} ms");
    // Already cancelled: no wait at all.
    let start = now_ms();
    sleep(Duration::from_secs(60), Some(cancel.signal())).await;
    assert!(now_ms() - start < 1_000.0);
}
