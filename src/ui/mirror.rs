//! One repository copy (or one bundle's push, row by row) as the page shows it: the core's sync events folded into per-tag and
//! overall progress (bytes, MB/s, time left) and, at the end, the core's report.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use waybill_core::digest::Digest;
use waybill_core::transfer::sync::{SyncEvent, SyncReport, TagResult};
use waybill_core::transfer::{BlobOutcome, CopyEvent};

/// Where the run is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RunPhase {
    /// Not started.
    #[default]
    Idle,
    /// Running.
    Running,
    /// Finished (every tag has its outcome; cancelled ones are failed and say so).
    Done { report: Arc<SyncReport>, cancelled: bool },
    /// It could not start (the source could not be listed, no tag matched, …).
    Failed(String),
}

/// One tag's bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagBytes {
    /// The bytes its copy planned (its distinct blobs), once the policy passed.
    pub planned: u64,
    /// Bytes of finished blobs.
    pub finished: u64,
    /// Bytes acknowledged of the blobs in flight.
    pub partial: HashMap<Digest, u64>,
    /// Its outcome, once done.
    pub result: Option<TagResult>,
}

impl TagBytes {
    /// Bytes done, finished and in flight.
    pub fn done(&self) -> u64 {
        self.finished + self.partial.values().sum::<u64>()
    }
}

/// The run's state, as signals (cheap to copy into closures).
#[derive(Clone, Copy)]
pub struct Run {
    /// Where it is.
    pub phase: RwSignal<RunPhase>,
    /// Per tag (companions included, under their own tags).
    pub tags: RwSignal<HashMap<String, TagBytes>>,
    /// Bytes actually sent (uploads only: blobs already there move nothing), for the rate.
    pub sent: RwSignal<u64>,
    /// When it started (`Date.now()`, ms).
    pub started: RwSignal<f64>,
}

impl Run {
    /// A run not started.
    pub fn new() -> Run {
        Run {
            phase: RwSignal::new(RunPhase::Idle),
            tags: RwSignal::new(HashMap::new()),
            sent: RwSignal::new(0),
            started: RwSignal::new(0.0),
        }
    }

    /// Clears the last run's figures and marks this one running.
    pub fn begin(&self) {
        self.tags.set(HashMap::new());
        self.sent.set(0);
        self.started.set(js_sys::Date::now());
        self.phase.set(RunPhase::Running);
    }

    /// Whether it runs now.
    pub fn running(&self) -> bool {
        self.phase.with(|p| *p == RunPhase::Running)
    }

    /// Folds one event of the core's sync in. (`try_` throughout: a page left mid-run has disposed
    /// of its signals, and the run's last events must then fall on nothing rather than panic.)
    pub fn handle(&self, event: &SyncEvent<'_>) {
        match *event {
            SyncEvent::Chosen { .. } => {}
            SyncEvent::Copy { tag, event } => self.step(tag, &event),
            SyncEvent::TagDone(result) => self.finish(&result.tag, result),
        }
    }

    /// Marks the row `key` finished with `result`.
    pub fn finish(&self, key: &str, result: &TagResult) {
        self.tags.try_update(|tags| {
            let entry = tags.entry(key.to_owned()).or_default();
            entry.partial.clear();
            entry.result = Some(result.clone());
        });
    }

    /// Folds one copy step of the row `key` in.
    pub fn step(&self, key: &str, event: &CopyEvent<'_>) {
        let mut sent = 0;
        self.tags.try_update(|tags| {
            let entry = tags.entry(key.to_owned()).or_default();
            match *event {
                CopyEvent::Planned { bytes, .. } => entry.planned = bytes,
                CopyEvent::BlobProgress { digest, done, .. } => {
                    let before = entry.partial.insert(digest.clone(), done).unwrap_or(0);
                    sent = done.saturating_sub(before);
                }
                CopyEvent::BlobDone { digest, size, outcome } => {
                    let before = entry.partial.remove(digest).unwrap_or(0);
                    entry.finished += size;
                    if matches!(outcome, BlobOutcome::Uploaded | BlobOutcome::UploadedFromUrls) {
                        sent = size.saturating_sub(before);
                    }
                }
                CopyEvent::BlobStarted { .. } | CopyEvent::ManifestPushed { .. } => {}
            }
        });
        if sent > 0 {
            self.sent.try_update(|s| *s += sent);
        }
    }

    /// Bytes done and planned, over every tag.
    pub fn totals(&self) -> (u64, u64) {
        self.tags.with(|tags| tags.values().fold((0, 0), |(d, p), t| (d + t.done(), p + t.planned)))
    }

    /// Milliseconds since it started.
    pub fn elapsed_ms(&self) -> f64 {
        js_sys::Date::now() - self.started.get_untracked()
    }
}

impl Default for Run {
    fn default() -> Run {
        Run::new()
    }
}
