//! The browser's side of I/O: fetch as a core [`Transport`](waybill_core::transport::Transport),
//! `Blob` reading by slices, and the pool of Web Workers that verify blobs off the main thread.
//!
//! * [`fetch`] — the transport: `fetch()` with `redirect: "manual"`, streamed response bodies,
//!   `Blob` request bodies (never copied into wasm memory). Works in a window and in a worker.
//! * [`blob`] — reads a `Blob` (a dropped `File`) one slice at a time.
//! * [`byob`] — reads a byte stream (a fetch body, a `Blob`'s stream) into one reused buffer.
//! * [`chunk`] — `Blob`s as the core's upload chunks.
//! * [`download`] — "Download as archive": an archive written to disk as it is made.
//! * [`file_source`] — a dropped file as the core archive reader's random-access source.
//! * [`slice_source`] — a verified range of a dropped file as an upload source of `Blob` slices.
//! * [`protocol`] — the messages between the page and a hashing worker.
//! * [`hasher`] — what a hashing worker does with a job (runs inside the worker).
//! * [`pool`] — the page's side: starts workers on first use, queues jobs, relays progress,
//!   cancels.
//! * [`spawn`] — starts a worker module from the page.
//! * [`outbox`] — what the page sends a worker, held until the worker is ready.
//! * [`explorer`] — the explorer worker (layers' files, merged views, diffs, with the core's
//!   `layers`) and the page's client for it.
//! * [`pusher`] — the push worker (archive pushes and registry copies off the main thread) and
//!   the page's client for it.

pub mod blob;
pub mod byob;
pub mod chunk;
pub mod download;
pub mod explorer;
pub mod fetch;
pub mod file_source;
pub mod hasher;
pub mod outbox;
pub mod pool;
pub mod protocol;
pub mod pusher;
pub mod slice_source;
pub mod spawn;
pub mod time;
