//! The Cloudflare Worker shell.
