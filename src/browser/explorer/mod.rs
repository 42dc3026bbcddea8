//! The explorer worker: a wasm module of its own (`bin/explorer.rs`), loaded by a page the first
//! time it opens an image's files, that reads layers with the core's `layers` module — the same
//! tar reader, merged view and diff as `waybill ls`, `cat` and `diff` — off the page's main thread.
//!
//! * [`protocol`] — the messages between a page and the explorer worker.
//! * [`worker`] — what the worker does (runs inside it): opens the image (through the proxy, or a
//!   dropped archive by `Blob.slice`), streams a layer's entries as they come out of the tar, the
//!   merged view, one file's bytes, the diff of two images; cancels on request.
//! * [`listing`] — a listing's rows, held in the worker, and the few a page draws.
//! * [`client`] — the page's side: starts the worker, sends it jobs, routes its answers.
//! * [`hash_helper`] — a second explorer worker, started by the first, that hashes a layer's
//!   bytes for its diff ID while the first inflates and lists them.

pub mod client;
mod file_layer;
pub mod hash_helper;
mod listing;
pub mod protocol;
pub mod worker;
