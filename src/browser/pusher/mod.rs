//! The push worker: a wasm module of its own (`bin/pusher.rs`), loaded by the Upload and Copy
//! pages on first use, that runs the core's archive push and registry copy off the page's main
//! thread — and out of the app's initial download, which stays small.
//!
//! * [`protocol`] — the messages between the page and the push worker.
//! * [`worker`] — what the push worker does (runs inside it): opens a dropped archive with the
//!   core's reader, pushes an image of it with the core's `push_with`, copies with the core's
//!   `copy`, all through the fetch transport and Waybill's proxy.
//! * [`access`] — how a push reaches the dropped file: hashed, then uploaded as `Blob` slices of
//!   the same file.
//! * [`hashing`] — the hashing workers the push worker starts itself, which hash a plain
//!   archive's files over `Blob` slices of it, all at once.
//! * [`compressors`] — sibling push workers that compress a push's layers on every core.
//! * [`client`] — the page's side: starts the worker, sends it work, relays what it says.

pub mod access;
pub mod client;
pub mod compressors;
mod hashing;
pub mod protocol;
pub mod worker;
