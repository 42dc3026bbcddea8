//! The browser plumbing shared by Waybill's two wasm modules: the app (the Leptos UI, `main.rs`)
//! and the hashing Web Worker (`bin/hasher.rs`).
//!
//! Everything here moves bytes; what the bytes mean — the distribution protocol, digests, diff
//! IDs, the foreign-layer policy — comes from `waybill-core`, driven through [`browser::fetch`].

#![warn(missing_docs)]

pub mod browser;
