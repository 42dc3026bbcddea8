//! Verifying an image's blobs in the hashing workers: one job per blob, a state signal per
//! blob for the page, and the summary the user can copy.
//!
//! The page decides what to verify and how (the blob list, whether foreign layers may come from
//! their urls, whether to check diff_ids); the workers download and hash; the comparison of a
//! layer's diff ID with the config's `rootfs.diff_ids` is made here, where the config is.

use std::sync::Arc;

use crate::browser::protocol::{Outcome, Verdict};
use crate::browser::time::now_ms;
use leptos::prelude::*;
use serde::Serialize;
use waybill_core::digest::Digest;
use waybill_core::manifest::Descriptor;
use waybill_core::media::classify;
use waybill_core::reference::Reference;

use crate::ui::api::{ImageView, verify_job};
use crate::ui::session;

/// Which blob of the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "index")]
pub enum Role {
    /// The config.
    Config,
    /// Layer `n`, counted from 1 (base layer first).
    Layer(usize),
}

/// One blob to verify.
#[derive(Clone, Debug)]
pub struct Target {
    /// Config or layer.
    pub role: Role,
    /// Its descriptor.
    pub descriptor: Descriptor,
    /// Foreign by media type.
    pub foreign: bool,
    /// For layers: the config's diff_id at this position.
    pub expected_diff_id: Option<Digest>,
}

/// Where one blob's verification stands.
#[derive(Clone, Debug, PartialEq)]
pub enum BlobState {
    /// Not asked for.
    Idle,
    /// Waiting for a worker.
    Queued,
    /// Being downloaded and hashed.
    Running {
        /// Bytes done.
        done: u64,
        /// When the worker started it (`performance.now()`).
        started: f64,
        /// When the last progress came.
        now: f64,
    },
    /// Ended.
    Done(Checked),
}

/// A finished blob: the worker's outcome and the diff_id comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// What the worker found.
    pub outcome: Outcome,
    /// The diff_id comparison.
    pub diff: DiffCheck,
}

/// The layer's diff ID against the config's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffCheck {
    /// Not asked for (or not a layer, or the blob failed).
    NotChecked,
    /// Computed and equal to the config's.
    Matches(Digest),
    /// Computed and different.
    Differs {
        /// The config's.
        expected: Digest,
        /// The content's.
        actual: Digest,
    },
    /// Computed, but the config lists none at this position.
    Unlisted(Digest),
    /// The content could not be decompressed.
    Failed(String),
}

impl Checked {
    /// Digest, size and (when checked) diff_id all good.
    pub fn ok(&self) -> bool {
        matches!(self.outcome.verdict, Verdict::Verified { .. })
            && !matches!(self.diff, DiffCheck::Differs { .. } | DiffCheck::Failed(_))
    }
}

/// The blobs of one image and their verification.
#[derive(Clone)]
pub struct Verification {
    reference: Reference,
    manifest: Digest,
    platform: Option<String>,
    /// The blobs: config first, then the layers.
    pub targets: Arc<Vec<Target>>,
    /// One state per target.
    pub states: Arc<Vec<RwSignal<BlobState>>>,
    jobs: StoredValue<Vec<Option<u32>>>,
    /// When "Verify all" started (for the overall rate).
    pub started: RwSignal<Option<f64>>,
    /// Also check diff_ids.
    pub diff_ids: RwSignal<bool>,
    /// Foreign layers may come from their urls (the page's "Allow foreign layers").
    pub allow_foreign: RwSignal<bool>,
}

/// Overall figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    /// Bytes of all blobs.
    pub bytes: u64,
    /// Bytes hashed so far (finished blobs count whole).
    pub done: u64,
    /// Blobs that verified.
    pub passed: usize,
    /// Blobs that failed (any way but cancelled or not fetched).
    pub failed: usize,
    /// Blobs not fetched or cancelled.
    pub skipped: usize,
    /// Blobs queued or running.
    pub active: usize,
    /// All blobs.
    pub count: usize,
}

impl Verification {
    /// The blobs of `image`, nothing verified yet.
    pub fn new(reference: &Reference, image: &ImageView, allow_foreign: RwSignal<bool>) -> Verification {
        let waybill_core::manifest::Manifest::Image(manifest) = image.document.manifest() else {
            return Verification::empty(reference, image, allow_foreign);
        };
        let diff_ids = image.config.as_ref().ok().map(|(c, _)| c.rootfs.diff_ids.clone());
        let mut targets = vec![Target {
            role: Role::Config,
            descriptor: manifest.config.clone(),
            foreign: false,
            expected_diff_id: None,
        }];
        targets.extend(manifest.layers.iter().enumerate().map(|(i, layer)| Target {
            role: Role::Layer(i + 1),
            descriptor: layer.clone(),
            foreign: classify(layer).non_distributable,
            expected_diff_id: diff_ids.as_ref().and_then(|ids| ids.get(i).cloned()),
        }));
        let states = targets.iter().map(|_| RwSignal::new(BlobState::Idle)).collect();
        Verification {
            reference: reference.clone(),
            manifest: image.document.digest().clone(),
            platform: image.platform.as_ref().map(ToString::to_string),
            jobs: StoredValue::new(vec![None; targets.len()]),
            targets: Arc::new(targets),
            states: Arc::new(states),
            started: RwSignal::new(None),
            diff_ids: RwSignal::new(false),
            allow_foreign,
        }
    }

    fn empty(reference: &Reference, image: &ImageView, allow_foreign: RwSignal<bool>) -> Verification {
        Verification {
            reference: reference.clone(),
            manifest: image.document.digest().clone(),
            platform: None,
            targets: Arc::new(Vec::new()),
            states: Arc::new(Vec::new()),
            jobs: StoredValue::new(Vec::new()),
            started: RwSignal::new(None),
            diff_ids: RwSignal::new(false),
            allow_foreign,
        }
    }

    /// The state of the layer with manifest index `layer` (0-based).
    pub fn layer_state(&self, layer: usize) -> Option<RwSignal<BlobState>> {
        self.states.get(layer + 1).copied()
    }

    /// Verifies target `i` (again, if it ran before; not while it runs).
    pub fn verify(&self, i: usize) {
        let (Some(target), Some(state)) = (self.targets.get(i), self.states.get(i).copied()) else { return };
        if matches!(state.get_untracked(), BlobState::Queued | BlobState::Running { .. }) {
            return;
        }
        let diff_id = self.diff_ids.get_untracked() && matches!(target.role, Role::Layer(_));
        let job =
            verify_job(&self.reference, &target.descriptor, diff_id, self.allow_foreign.get_untracked());
        state.set(BlobState::Queued);
        let submitted = session::pool().submit(job, None, move |done| {
            let now = now_ms();
            state.try_update(|s| match s {
                BlobState::Queued => *s = BlobState::Running { done, started: now, now },
                BlobState::Running { done: d, now: n, .. } => {
                    *d = done;
                    *n = now;
                }
                _ => {}
            });
        });
        let id = submitted.id;
        self.jobs.update_value(|jobs| {
            if let Some(slot) = jobs.get_mut(i) {
                *slot = Some(id);
            }
        });
        let expected = target.expected_diff_id.clone();
        let jobs = self.jobs;
        leptos::task::spawn_local(async move {
            let outcome = submitted.outcome().await;
            jobs.try_update_value(|jobs| {
                if let Some(slot) = jobs.get_mut(i) {
                    *slot = None;
                }
            });
            let diff = compare_diff_id(&outcome.verdict, expected);
            state.try_set(BlobState::Done(Checked { outcome, diff }));
        });
    }

    /// Verifies every blob not running already.
    pub fn verify_all(&self) {
        self.started.set(Some(now_ms()));
        for i in 0..self.targets.len() {
            self.verify(i);
        }
    }

    /// Cancels every queued and running blob.
    pub fn cancel(&self) {
        let pool = session::pool();
        let ids: Vec<u32> = self.jobs.with_value(|jobs| jobs.iter().flatten().copied().collect());
        for id in ids {
            pool.cancel(id);
        }
    }

    /// The overall figures (reactive).
    pub fn totals(&self) -> Totals {
        let mut t = Totals { count: self.targets.len(), ..Totals::default() };
        for (target, state) in self.targets.iter().zip(self.states.iter()) {
            t.bytes += target.descriptor.size;
            match state.get() {
                BlobState::Idle => {}
                BlobState::Queued => t.active += 1,
                BlobState::Running { done, .. } => {
                    t.active += 1;
                    t.done += done;
                }
                BlobState::Done(checked) => {
                    t.done += target.descriptor.size;
                    match checked.outcome.verdict {
                        Verdict::Cancelled | Verdict::NotFetched { .. } => t.skipped += 1,
                        _ if checked.ok() => t.passed += 1,
                        _ => t.failed += 1,
                    }
                }
            }
        }
        t
    }

    /// The summary as pretty JSON (untracked: read when the user copies it).
    pub fn summary_json(&self) -> String {
        let blobs: Vec<BlobSummary> = self
            .targets
            .iter()
            .zip(self.states.iter())
            .map(|(target, state)| BlobSummary::new(target, &state.get_untracked()))
            .collect();
        let summary = Summary {
            reference: self.reference.familiar(),
            manifest: self.manifest.clone(),
            platform: self.platform.clone(),
            diff_ids_checked: self.diff_ids.get_untracked(),
            foreign_urls_allowed: self.allow_foreign.get_untracked(),
            ok: blobs.iter().all(|b| b.status == "verified"),
            blobs,
        };
        serde_json::to_string_pretty(&summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn compare_diff_id(verdict: &Verdict, expected: Option<Digest>) -> DiffCheck {
    let Verdict::Verified { diff_id: Some(found) } = verdict else { return DiffCheck::NotChecked };
    match (found, expected) {
        (Err(why), _) => DiffCheck::Failed(why.clone()),
        (Ok(found), Some(expected)) if found.digest == expected => DiffCheck::Matches(expected),
        (Ok(found), Some(expected)) => DiffCheck::Differs { expected, actual: found.digest.clone() },
        (Ok(found), None) => DiffCheck::Unlisted(found.digest.clone()),
    }
}

/// The copyable summary. Field names are part of what users script against: add, never rename.
#[derive(Serialize)]
struct Summary {
    reference: String,
    manifest: Digest,
    platform: Option<String>,
    diff_ids_checked: bool,
    foreign_urls_allowed: bool,
    ok: bool,
    blobs: Vec<BlobSummary>,
}

#[derive(Serialize)]
struct BlobSummary {
    #[serde(flatten)]
    role: Role,
    digest: Digest,
    size: u64,
    media_type: String,
    foreign: bool,
    /// verified, mismatch, failed, not_fetched, cancelled, not_run, running
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_diff_id: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_id: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<f64>,
}

impl BlobSummary {
    fn new(target: &Target, state: &BlobState) -> BlobSummary {
        let mut s = BlobSummary {
            role: target.role,
            digest: target.descriptor.digest.clone(),
            size: target.descriptor.size,
            media_type: target.descriptor.media_type.clone(),
            foreign: target.foreign,
            status: "not_run",
            actual_digest: None,
            expected_diff_id: target.expected_diff_id.clone(),
            diff_id: None,
            message: None,
            source: None,
            seconds: None,
        };
        let BlobState::Done(checked) = state else {
            if !matches!(state, BlobState::Idle) {
                s.status = "running";
            }
            return s;
        };
        s.source = Some(checked.outcome.source.clone()).filter(|x| !x.is_empty());
        s.seconds = Some((checked.outcome.millis / 10.0).round() / 100.0);
        s.status = match &checked.outcome.verdict {
            Verdict::Verified { .. } => "verified",
            Verdict::Mismatch { actual, .. } => {
                s.actual_digest = Some(actual.clone());
                "mismatch"
            }
            Verdict::Failed { message } => {
                s.message = Some(message.clone());
                "failed"
            }
            Verdict::NotFetched { message } => {
                s.message = Some(message.clone());
                "not_fetched"
            }
            Verdict::Cancelled => "cancelled",
        };
        match &checked.diff {
            DiffCheck::NotChecked => {}
            DiffCheck::Matches(d) | DiffCheck::Unlisted(d) => s.diff_id = Some(d.clone()),
            DiffCheck::Differs { actual, .. } => {
                s.diff_id = Some(actual.clone());
                s.status = "diff_id_mismatch";
            }
            DiffCheck::Failed(why) => {
                s.message = Some(why.clone());
                s.status = "diff_id_failed";
            }
        }
        s
    }
}
