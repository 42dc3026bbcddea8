//! waybill-core: everything Waybill knows about images, with no I/O and no async runtime.
//!
//! The same code runs in the browser (wasm32), in the Cloudflare Worker (wasm32) and in the
//! native CLI/server; the shells only move bytes. See docs/architecture.md.

pub mod challenge;
pub mod digest;
pub mod proxy;
pub mod transport;
