//! The pages' door to the push worker: starting one for a page, and the vocabulary of what it is
//! told and tells (the protocol's types, re-exported). Pages and components reach the browser's
//! plumbing only through `ui::api`.

pub use crate::browser::pusher::client::{Event, Pusher};
pub use crate::browser::pusher::protocol::{
    CopySettings, Failure, FromPusher, ImagePolicy, Platforms, PushSettings, Side,
};

use crate::browser::pool::WORKER_DIR;

/// Starts a push worker for the page (it hashes files with hashing workers of its own), its news told to
/// `on_event`; it ends when the last handle is dropped.
pub fn start_pusher(on_event: impl Fn(Event) + 'static) -> Result<Pusher, String> {
    Pusher::start(WORKER_DIR, on_event)
}
