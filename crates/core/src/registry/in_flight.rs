//! Blobs on their way into a registry from several transfers at once — the tags of a `sync` with
//! `jobs` above 1, which share their base layers. Without this, two tags whose HEADs both find a
//! layer missing would both upload it: twice the bytes and the memory, and Pulp has been seen to
//! fail one of two simultaneous uploads of one blob. With it, the second waits for the first and
//! then finds the blob present.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use futures_util::lock::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::digest::Digest;

/// One lock per blob digest, shared by every clone (a sync hands a clone to each tag's copy).
#[derive(Clone, Default)]
pub struct BlobsInFlight {
    locks: Arc<Mutex<HashMap<Digest, Arc<AsyncMutex<()>>>>>,
}

impl BlobsInFlight {
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
        f.debug_struct("BlobsInFlight").field("digests", &held).finish()
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
}
