//! Blobs on their way into a registry from several transfers at once — the tags of a `sync` with
//! `jobs` above 1, which share their base layers. Without this, two tags whose HEADs both find a
//! layer missing would both upload it: twice the bytes and the memory, and Pulp has been seen to
//! fail one of two simultaneous uploads of one blob. With it, the second waits for the first and
//! then finds the blob present.
//!
//! The set can also cap the uploads under way across all its transfers ([`BlobsInFlight::
//! with_upload_slots`]): each holds up to three chunks in memory (the one on the wire, the one
//! read ahead, the one being filled), so a sync of several tags at once stays within one memory bound however many tags
//! run, while the tags' other requests (manifests, HEADs) overlap.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use futures_util::lock::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::digest::Digest;

/// One lock per blob digest, shared by every clone (a sync hands a clone to each tag's copy).
#[derive(Clone, Default)]
pub struct BlobsInFlight {
    locks: Arc<Mutex<HashMap<Digest, Arc<AsyncMutex<()>>>>>,
    /// One lock per upload allowed at once (none: no cap beyond each transfer's own).
    slots: Arc<Vec<Arc<AsyncMutex<()>>>>,
}

/// A place among the uploads under way, held until dropped.
pub struct UploadSlot {
    /// The slot's lock (none: the set has no cap); dropping it frees the slot.
    _held: Option<OwnedMutexGuard<()>>,
}

impl BlobsInFlight {
    /// A set whose transfers upload at most `n` blobs at once, all together (at least one).
    pub fn with_upload_slots(n: usize) -> BlobsInFlight {
        let slots = (0..n.max(1)).map(|_| Arc::new(AsyncMutex::new(()))).collect();
        BlobsInFlight { locks: Arc::default(), slots: Arc::new(slots) }
    }

    /// Waits for a free upload slot (at once when the set has no cap).
    pub async fn upload_slot(&self) -> UploadSlot {
        if self.slots.is_empty() {
            return UploadSlot { _held: None };
        }
        // The first slot to come free; the other waits are dropped, and a lock whose waiter
        // went away wakes the next one.
        let waits = self.slots.iter().map(|slot| Arc::clone(slot).lock_owned());
        let (guard, _, _) = futures_util::future::select_all(waits).await;
        UploadSlot { _held: Some(guard) }
    }

    /// Waits until no other transfer sharing this set is moving `digest`, then holds it until the
    /// guard is dropped: the holder checks the destination and uploads, the next one finds it there.
    pub async fn hold(&self, digest: &Digest) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(locks.entry(digest.clone()).or_default())
        };
        lock.lock_owned().await
    }
}

impl fmt::Debug for BlobsInFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.locks.lock().map_or(0, |locks| locks.len());
        f.debug_struct("BlobsInFlight")
            .field("digests", &held)
            .field("upload_slots", &self.slots.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;

    #[test]
    fn the_second_transfer_of_a_blob_waits_for_the_first() {
        let digest: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        let other: Digest = format!("sha256:{}", "b".repeat(64)).parse().unwrap();
        let shared = BlobsInFlight::default();
        let copy = shared.clone();
        let first = shared.hold(&digest).now_or_never().expect("free at first");
        assert!(copy.hold(&digest).now_or_never().is_none(), "held by the first transfer");
        assert!(copy.hold(&other).now_or_never().is_some(), "another blob is not held");
        drop(first);
        assert!(copy.hold(&digest).now_or_never().is_some(), "free once the first is done");
        assert!(BlobsInFlight::default().hold(&digest).now_or_never().is_some(), "another set is apart");
    }

    #[test]
    fn upload_slots_cap_the_uploads_of_every_transfer_together() {
        let capped = BlobsInFlight::with_upload_slots(2);
        let other_tag = capped.clone();
        let first = capped.upload_slot().now_or_never().expect("a slot at first");
        let second = other_tag.upload_slot().now_or_never().expect("a second slot");
        let mut third = Box::pin(capped.upload_slot());
        assert!((&mut third).now_or_never().is_none(), "two uploads under way: the third waits");
        drop(first);
        assert!(third.now_or_never().is_some(), "a slot came free");
        drop(second);
        let uncapped = BlobsInFlight::default();
        let held: Vec<_> = (0..10).map(|_| uncapped.upload_slot().now_or_never().expect("no cap")).collect();
        assert_eq!(held.len(), 10);
    }
}
