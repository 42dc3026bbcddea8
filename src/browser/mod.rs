//! The browser's side of I/O: fetch as a core [`Transport`](waybill_core::transport::Transport),
//! `Blob` reading by slices, and the pool of Web Workers that verify blobs off the main thread.
//!
//! * [`fetch`] — the transport: `fetch()` with `redirect: "manual"`, streamed response bodies,
//!   `Blob` request bodies (never copied into wasm memory). Works in a window and in a worker.
//! * [`blob`] — reads a `Blob` (a dropped `File`) one slice at a time.
//! * [`protocol`] — the messages between the page and a hashing worker.
//! * [`hasher`] — what a hashing worker does with a job (runs inside the worker).
//! * [`pool`] — the page's side: starts workers on first use, queues jobs, relays progress,
//!   cancels.

pub mod blob;
pub mod fetch;
pub mod hasher;
pub mod pool;
pub mod protocol;
pub mod time;
