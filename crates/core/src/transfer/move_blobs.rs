//! Moving the blobs of a plan onto a registry, the part every push shares: each blob skipped
//! when the registry already has it (HEAD, size checked), else handed to the caller's upload; the
//! shell told when each starts and is done; the first failure stops the lot, naming its blob.
//! `transfer::copy` moves blobs from another registry, several at a time;
//! `transfer::push_archive` from an archive, one at a time in archive order.

use std::future::Future;

use futures_util::{StreamExt as _, TryStreamExt as _};

use super::copy_event::{BlobOutcome, CopyEvent};
use super::in_flight::BlobsInFlight;
use crate::digest::{Digest, Verified};
use crate::manifest::Descriptor;
use crate::registry::auth::Scope;
use crate::registry::client::Client;
use crate::registry::errors::Error;
use crate::transport::Transport;

/// A blob of a plan, as a move sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Planned<'b> {
    /// Its descriptor: for a made blob, the stand-in named by what it is made from.
    pub(crate) descriptor: &'b Descriptor,
    /// Made while it is uploaded (a layer compressed on the way): its digest is learned only
    /// then, so the registry cannot be asked for it first, and the upload says what it became.
    pub(crate) made: bool,
}

impl<'b> From<&'b Descriptor> for Planned<'b> {
    fn from(descriptor: &'b Descriptor) -> Planned<'b> {
        Planned { descriptor, made: false }
    }
}

/// What an upload did.
#[derive(Clone, Debug)]
pub(crate) struct Moved {
    /// How the blob got there.
    pub(crate) outcome: BlobOutcome,
    /// What a made blob became.
    pub(crate) made: Option<Verified>,
}

impl From<BlobOutcome> for Moved {
    fn from(outcome: BlobOutcome) -> Moved {
        Moved { outcome, made: None }
    }
}

/// The blob a move stopped at, and why.
#[derive(Debug)]
pub(crate) struct BlobFailure {
    /// The blob.
    pub(crate) digest: Digest,
    /// What went wrong.
    pub(crate) source: Error,
}

/// Gets every blob of `blobs` (its descriptor, and what `upload` needs to send it) verified and
/// present in `repository`: `concurrency` at a time, results in plan order (with 1, strictly one
/// after another), never at the same time as another transfer of `in_flight` moving the same
/// blob, and within `in_flight`'s upload slots. Returns each blob's digest, size and outcome (a
/// made blob's as its upload proved them).
pub(crate) async fn move_blobs<'b, T, I, Fut>(
    client: &Client<T>,
    repository: &str,
    blobs: impl IntoIterator<Item = (Planned<'b>, I)>,
    concurrency: usize,
    in_flight: &BlobsInFlight,
    events: &dyn Fn(CopyEvent<'_>),
    upload: impl Fn(I) -> Fut,
) -> Result<Vec<(Digest, u64, BlobOutcome)>, BlobFailure>
where
    T: Transport,
    Fut: Future<Output = Result<Moved, Error>>,
{
    let upload = &upload;
    futures_util::stream::iter(blobs)
        .map(|(planned, item)| async move {
            let d = planned.descriptor;
            events(CopyEvent::BlobStarted { digest: &d.digest, size: d.size });
            let moved = async {
                if planned.made {
                    let _slot = in_flight.upload_slot().await;
                    return upload(item).await;
                }
                // Another transfer of the set moving this blob finishes first; the HEAD then
                // finds it.
                let _held = in_flight.hold(&d.digest).await;
                if client.blob_present(repository, &d.digest, d.size, &Scope::push(repository)).await? {
                    return Ok(BlobOutcome::AlreadyPresent.into());
                }
                let _slot = in_flight.upload_slot().await;
                upload(item).await
            }
            .await
            .map_err(|source| BlobFailure { digest: d.digest.clone(), source })?;
            events(CopyEvent::BlobDone { digest: &d.digest, size: d.size, outcome: moved.outcome });
            Ok(match moved.made {
                Some(made) => (made.digest, made.size, moved.outcome),
                None => (d.digest.clone(), d.size, moved.outcome),
            })
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}
