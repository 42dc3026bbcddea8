//! The Leptos UI, shared by the two page modules built from it:
//!
//! * the app (`main.rs`): the shell, navigation and Inspect — the initial download, kept small;
//! * the transfer module (`bin/transfer.rs`): Upload, Copy, Diff and Audit, loaded by the app the first time
//!   one of them is opened ([`lazy`]), and mounted into the app's page ([`transfer_app`]).
//!
//! Each module links only what it reaches from its entry point.

pub mod api;
pub mod app;
pub mod bundle;
pub mod components;
pub mod explore;
pub mod lazy;
pub mod mirror;
pub mod pages;
pub mod problems;
pub mod route;
pub mod session;
pub mod transfer;
pub mod transfer_app;
pub mod verify;
