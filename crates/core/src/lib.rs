//! waybill-core: everything Waybill knows about images, with no I/O and no async runtime.
//!
//! The same code runs in the browser (wasm32), in the Cloudflare Worker (wasm32) and in the
//! native CLI/server; the shells only move bytes. See docs/architecture.md.

#![warn(missing_docs)]

pub mod archive;
pub mod challenge;
pub mod config;
pub mod descriptor;
pub mod diffid;
pub mod digest;
pub mod inflate;
mod json;
pub mod layers;
pub mod manifest;
pub mod manifest_report;
pub mod media;
pub mod platform;
pub mod policy;
pub mod proxy;
pub mod reference;
pub mod registry;
pub mod remedy;
pub mod size;
pub mod transfer;
pub mod transport;

pub use json::JsonError;
