//! Waybill in the browser: the plumbing shared by its wasm modules — the app (`main.rs`), the
//! transfer page module (`bin/transfer.rs`), the hashing and push workers (`bin/hasher.rs`,
//! `bin/pusher.rs`) — and, with the `ui` feature, the Leptos UI of the two page modules.
//!
//! Everything here moves bytes or draws them; what the bytes mean — the distribution protocol,
//! digests, diff IDs, the foreign-layer policy — comes from `waybill-core`, driven through
//! [`browser::fetch`].

#![warn(missing_docs)]

pub mod browser;
// The UI is the page modules' own code, public only so that both binaries can mount parts of
// it; its components' parameters (fields of the props structs `#[component]` generates) are
// documented on the components themselves.
#[cfg(feature = "ui")]
#[allow(missing_docs)]
pub mod ui;
