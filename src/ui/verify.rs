//! Verifying an image's blobs in the hashing workers: one job per blob, a state signal per
//! blob for the page, and the report the user can copy.
//!
//! The page decides what to verify and how (the blob list, whether foreign layers may come from
//! their urls, whether to check diff_ids); the workers download and hash; the core judges what
//! they found ([`judge_blob`], the one `waybill verify` uses), so the report is the core's
//! `VerifyReport`, the JSON of `waybill verify --json`.

use std::sync::Arc;

use crate::browser::protocol::{Outcome, Verdict};
use crate::browser::time::now_ms;
use leptos::prelude::*;
use serde::Serialize;
use waybill_core::digest::Digest;
use waybill_core::manifest::{Descriptor, ManifestDocument};
use waybill_core::media::{classify, is_image_config};
use waybill_core::policy::BlobRole;
use waybill_core::reference::Reference;
use waybill_core::registry::inspect::InspectedImage;
use waybill_core::transfer::{
    BlobCheck, ConfigRead, Fetched, ImageCheck, VerifyPlan, VerifyReport, judge_blob,
};

use crate::ui::api::verify_job;
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
    Done(Box<Checked>),
}

/// A finished blob: the worker's outcome and the core's check of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// What the worker found.
    pub outcome: Outcome,
    /// What the core made of it.
    pub check: BlobCheck,
}

impl Checked {
    /// Digest, size and (when checked) diff_id all good.
    pub fn ok(&self) -> bool {
        self.check.ok()
    }
}

/// The blobs of one image and their verification.
#[derive(Clone)]
pub struct Verification {
    /// The top manifest (the index, for an image of one): its digest and media type.
    top: (Digest, String),
    manifest: Digest,
    reference: Reference,
    platform: Option<String>,
    /// Problems with the image as a whole (config unreadable, diff_ids count off).
    problems: Arc<Vec<String>>,
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
    /// The blobs of `image` (under the top manifest `top`), nothing verified yet.
    pub fn new(
        reference: &Reference,
        top: &ManifestDocument,
        image: &InspectedImage,
        allow_foreign: RwSignal<bool>,
    ) -> Verification {
        let top = (top.digest().clone(), top.media_type().to_owned());
        let waybill_core::manifest::Manifest::Image(manifest) = image.document.manifest() else {
            return Verification::empty(reference, top, image, allow_foreign);
        };
        // The core's plan, the one `waybill verify` runs (an artifact's config is not an image
        // config, and no problem).
        let plan = VerifyPlan::new(
            manifest,
            match &image.config {
                Ok(config) => ConfigRead::Image(&config.parsed),
                Err(_) if !is_image_config(&manifest.config.media_type) => ConfigRead::Artifact,
                Err(why) => ConfigRead::Unreadable(format!("config unreadable: {why}")),
            },
        );
        let mut targets = vec![Target {
            role: Role::Config,
            descriptor: plan.config,
            foreign: false,
            expected_diff_id: None,
        }];
        targets.extend(plan.layers.into_iter().enumerate().map(|(i, layer)| Target {
            role: Role::Layer(i + 1),
            foreign: classify(&layer.descriptor).non_distributable,
            descriptor: layer.descriptor,
            expected_diff_id: layer.expected_diff_id,
        }));
        let problems = plan.problems;
        let states = targets.iter().map(|_| RwSignal::new(BlobState::Idle)).collect();
        Verification {
            top,
            reference: reference.clone(),
            manifest: image.document.digest().clone(),
            platform: image.platform.as_ref().map(ToString::to_string),
            problems: Arc::new(problems),
            jobs: StoredValue::new(vec![None; targets.len()]),
            targets: Arc::new(targets),
            states: Arc::new(states),
            started: RwSignal::new(None),
            diff_ids: RwSignal::new(false),
            allow_foreign,
        }
    }

    fn empty(
        reference: &Reference,
        top: (Digest, String),
        image: &InspectedImage,
        allow_foreign: RwSignal<bool>,
    ) -> Verification {
        Verification {
            top,
            reference: reference.clone(),
            manifest: image.document.digest().clone(),
            platform: None,
            problems: Arc::new(Vec::new()),
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
        let target = target.clone();
        let jobs = self.jobs;
        leptos::task::spawn_local(async move {
            let outcome = submitted.outcome().await;
            jobs.try_update_value(|jobs| {
                if let Some(slot) = jobs.get_mut(i) {
                    *slot = None;
                }
            });
            let check = judge(&target, &outcome);
            state.try_set(BlobState::Done(Box::new(Checked { outcome, check })));
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

    /// The report as pretty JSON, the one `waybill verify --json` prints (untracked: read when
    /// the user copies it). Blobs not verified yet are `not_run`.
    pub fn summary_json(&self) -> String {
        let blobs = self
            .targets
            .iter()
            .zip(self.states.iter())
            .map(|(target, state)| match state.get_untracked() {
                BlobState::Done(checked) => checked.check,
                BlobState::Idle => not_run(target, "not verified: press Verify"),
                BlobState::Queued | BlobState::Running { .. } => not_run(target, "still being verified"),
            })
            .collect();
        let image = ImageCheck {
            digest: self.manifest.clone(),
            platform: self.platform.clone(),
            blobs,
            problems: self.problems.to_vec(),
        };
        let report = VerifyReport::new(self.top.0.clone(), self.top.1.clone(), vec![image]);
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// What the core makes of a worker's `outcome` for `target`.
fn judge(target: &Target, outcome: &Outcome) -> BlobCheck {
    let fetched = match &outcome.verdict {
        Verdict::Verified { diff_id } => Fetched::Verified {
            diff_id: diff_id
                .as_ref()
                .map(|found| found.as_ref().map(|f| (f.digest.clone(), f.compression)).map_err(Clone::clone)),
        },
        Verdict::Mismatch { actual, .. } => Fetched::Mismatch { actual: actual.clone() },
        Verdict::Failed { message } => Fetched::Failed(message.clone()),
        Verdict::NotFetched { message } => Fetched::NotFetched(message.clone()),
        Verdict::Cancelled => Fetched::NotRun("cancelled".into()),
    };
    let mut check =
        judge_blob(&target.descriptor, target.role.blob_role(), target.expected_diff_id.clone(), fetched);
    check.source = Some(outcome.source.clone()).filter(|s| !s.is_empty());
    check
}

fn not_run(target: &Target, why: &str) -> BlobCheck {
    judge_blob(
        &target.descriptor,
        target.role.blob_role(),
        target.expected_diff_id.clone(),
        Fetched::NotRun(why.into()),
    )
}

impl Role {
    /// Config or layer, as the core's report says.
    fn blob_role(self) -> BlobRole {
        match self {
            Role::Config => BlobRole::Config,
            Role::Layer(_) => BlobRole::Layer,
        }
    }
}
