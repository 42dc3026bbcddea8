//! A push or copy as the page shows it: what the push worker and the hashing workers report,
//! turned into signals — the files being hashed, the blobs being uploaded, the result.

use std::sync::Arc;

use crate::browser::pusher::client::Event;
use crate::browser::pusher::protocol::{ArchiveFile, Failure, FromPusher};
use crate::browser::time::now_ms;
use leptos::prelude::*;
use waybill_core::digest::Digest;
use waybill_core::transfer::{BlobOutcome, CopyReport};

/// Where the run stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Nothing started.
    Idle,
    /// Started: checking the policy, resolving, or verifying.
    Verifying,
    /// Blobs are moving.
    Uploading,
    /// Finished; whether the registry looks like Pulp.
    Done(Arc<CopyReport>, bool),
    /// Stopped.
    Failed(Failure),
}

/// A file of the archive being hashed.
#[derive(Clone, Debug)]
pub struct FileRow {
    /// What the push worker asked for.
    pub request: ArchiveFile,
    /// Bytes hashed.
    pub done: RwSignal<u64>,
    /// `None` while hashing; then whether it could be read.
    pub result: RwSignal<Option<Result<(), String>>>,
}

/// A blob being checked or uploaded.
#[derive(Clone, Debug)]
pub struct BlobRow {
    /// Its digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// When it started (`performance.now()`).
    pub started: f64,
    /// Bytes the registry acknowledged, and when the last acknowledgement came.
    pub progress: RwSignal<(u64, f64)>,
    /// How it ended.
    pub outcome: RwSignal<Option<BlobOutcome>>,
}

/// One run's state.
#[derive(Clone, Copy, Debug)]
pub struct Transfer {
    /// Where it stands.
    pub phase: RwSignal<Phase>,
    /// Files hashed by the page's workers (plain archives).
    pub files: RwSignal<Vec<FileRow>>,
    /// Verifying in the push worker itself (compressed archives): done, total.
    pub verifying: RwSignal<Option<(u64, u64)>>,
    /// When verification started.
    pub verify_started: RwSignal<Option<f64>>,
    /// Blobs and bytes to move, once verified.
    pub planned: RwSignal<Option<(usize, u64)>>,
    /// When the uploads started.
    pub upload_started: RwSignal<Option<f64>>,
    /// The blobs, in the order they started.
    pub blobs: RwSignal<Vec<BlobRow>>,
    /// Manifests pushed: reference and digest.
    pub manifests: RwSignal<Vec<(String, Digest)>>,
}

/// Overall upload figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct UploadTotals {
    /// Bytes of all planned blobs.
    pub bytes: u64,
    /// Bytes done (blobs the registry had count whole).
    pub done: u64,
    /// Bytes actually sent.
    pub sent: u64,
    /// Blobs finished.
    pub finished: usize,
    /// Blobs the registry already had.
    pub present: usize,
    /// Blobs planned.
    pub count: usize,
}

impl Transfer {
    /// Nothing started.
    pub fn new() -> Transfer {
        Transfer {
            phase: RwSignal::new(Phase::Idle),
            files: RwSignal::new(Vec::new()),
            verifying: RwSignal::new(None),
            verify_started: RwSignal::new(None),
            planned: RwSignal::new(None),
            upload_started: RwSignal::new(None),
            blobs: RwSignal::new(Vec::new()),
            manifests: RwSignal::new(Vec::new()),
        }
    }

    /// Starts a new run: everything from the last one is forgotten.
    pub fn begin(&self) {
        self.phase.set(Phase::Verifying);
        self.files.set(Vec::new());
        self.verifying.set(None);
        self.verify_started.set(Some(now_ms()));
        self.planned.set(None);
        self.upload_started.set(None);
        self.blobs.set(Vec::new());
        self.manifests.set(Vec::new());
    }

    /// Whether a run is going on.
    pub fn running(&self) -> bool {
        matches!(self.phase.get(), Phase::Verifying | Phase::Uploading)
    }

    /// Takes in one event. Tolerates a page that went away meanwhile.
    pub fn handle(&self, event: &Event) {
        match event {
            Event::Crashed(message) => {
                self.phase.try_set(Phase::Failed(Failure::Other { message: message.clone() }));
            }
            Event::Message(message) => self.message(message),
        }
    }

    fn message(&self, message: &FromPusher) {
        let now = now_ms();
        match message {
            FromPusher::HashProgress { offset, done } => {
                if let Some(row) = self.file(*offset) {
                    row.done.try_set(*done);
                }
            }
            FromPusher::FileHashed { offset, result } => {
                if let Some(row) = self.file(*offset) {
                    row.done.try_set(row.request.size);
                    row.result.try_set(Some(result.clone()));
                }
            }
            FromPusher::Hashing { files } => {
                let rows = files
                    .iter()
                    .map(|request| FileRow {
                        request: request.clone(),
                        done: RwSignal::new(0),
                        result: RwSignal::new(None),
                    })
                    .collect();
                self.files.try_set(rows);
            }
            FromPusher::Verifying { done, total } => {
                self.verifying.try_set(Some((*done, *total)));
            }
            FromPusher::Planned { blobs, bytes } => {
                self.planned.try_set(Some((*blobs, *bytes)));
                self.upload_started.try_set(Some(now));
                self.phase.try_set(Phase::Uploading);
            }
            FromPusher::BlobStarted { digest, size } => {
                let row = BlobRow {
                    digest: digest.clone(),
                    size: *size,
                    started: now,
                    progress: RwSignal::new((0, now)),
                    outcome: RwSignal::new(None),
                };
                self.blobs.try_update(|rows| rows.push(row));
            }
            FromPusher::BlobProgress { digest, done, .. } => {
                if let Some(row) = self.blob(digest) {
                    row.progress.try_set((*done, now));
                }
            }
            FromPusher::BlobDone { digest, size, outcome } => {
                if let Some(row) = self.blob(digest) {
                    row.progress.try_set((*size, now));
                    row.outcome.try_set(Some(*outcome));
                }
            }
            FromPusher::ManifestPushed { reference, digest } => {
                self.manifests.try_update(|m| m.push((reference.clone(), digest.clone())));
            }
            FromPusher::Done { report, pulp } => {
                self.phase.try_set(Phase::Done(Arc::new(report.clone()), *pulp));
            }
            FromPusher::Failed { failure } => {
                self.phase.try_set(Phase::Failed(failure.clone()));
            }
            FromPusher::Ready
            | FromPusher::Opened { .. }
            | FromPusher::BlockCompressed { .. }
            | FromPusher::LoadStep { .. }
            | FromPusher::Loaded { .. }
            | FromPusher::LoadDone { .. }
            | FromPusher::MirrorStep { .. }
            | FromPusher::TagMirrored { .. }
            | FromPusher::MirrorDone { .. } => {}
        }
    }

    fn file(&self, offset: u64) -> Option<FileRow> {
        self.files
            .try_with_untracked(|rows| rows.iter().find(|r| r.request.offset == offset).cloned())
            .flatten()
    }

    fn blob(&self, digest: &Digest) -> Option<BlobRow> {
        self.blobs.try_with_untracked(|rows| rows.iter().find(|r| &r.digest == digest).cloned()).flatten()
    }

    /// Hashing figures: bytes done, bytes in all, files finished, files failed (reactive).
    pub fn hashing_totals(&self) -> (u64, u64, usize, usize) {
        self.files.with(|rows| {
            rows.iter().fold((0, 0, 0, 0), |(done, total, finished, failed), r| {
                let result = r.result.get();
                (
                    done + r.done.get(),
                    total + r.request.size,
                    finished + usize::from(result.is_some()),
                    failed + usize::from(matches!(result, Some(Err(_)))),
                )
            })
        })
    }

    /// Upload figures (reactive).
    pub fn upload_totals(&self) -> UploadTotals {
        let (count, bytes) = self.planned.get().unwrap_or_default();
        let mut t = UploadTotals { bytes, count, ..UploadTotals::default() };
        self.blobs.with(|rows| {
            for r in rows {
                let (done, _) = r.progress.get();
                let outcome = r.outcome.get();
                t.done += done;
                if outcome == Some(BlobOutcome::AlreadyPresent) {
                    t.present += 1;
                } else {
                    t.sent += done;
                }
                t.finished += usize::from(outcome.is_some());
            }
        });
        t
    }
}

impl Default for Transfer {
    fn default() -> Transfer {
        Transfer::new()
    }
}
