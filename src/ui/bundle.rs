//! A bundle's push as the Upload page shows it: one row per image and tag the archive holds
//! (ticked or not, the tag kept or renamed), the hashing of every file before anything is sent,
//! and the push worker's load messages folded into a [`Run`], row by row.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use waybill_core::reference::Reference;
use waybill_core::transfer::load_archive::LoadTarget;
use waybill_core::transfer::sync::SyncReport;

use crate::browser::pusher::client::Event;
use crate::browser::pusher::protocol::{Failure, FromPusher};
use crate::ui::mirror::{Run, RunPhase};

/// One image under one tag: a line of the bundle's table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The image's position in the archive.
    pub image: usize,
    /// Its repository under the destination (several source repositories), or `None`.
    pub repository: Option<String>,
    /// The tag it goes under: the one it was saved with, as the user left or renamed it.
    pub tag: RwSignal<String>,
    /// Whether it goes.
    pub ticked: RwSignal<bool>,
}

impl Row {
    /// The rows of an archive: each target the core chose, then each image saved with no tag,
    /// unticked, its tag to be given.
    pub fn all(targets: &[LoadTarget], untagged: &[usize]) -> Vec<Row> {
        let row = |image, repository, tag: &str| Row {
            image,
            repository,
            ticked: RwSignal::new(!tag.is_empty()),
            tag: RwSignal::new(tag.to_owned()),
        };
        targets
            .iter()
            .map(|t| row(t.image, t.repository.clone(), &t.tag))
            .chain(untagged.iter().map(|&i| row(i, None, "")))
            .collect()
    }

    /// What the tag field holds, if it is a tag.
    pub fn valid_tag(&self) -> Option<String> {
        let tag = self.tag.with(|t| t.trim().to_owned());
        Reference::is_tag(&tag).then_some(tag)
    }

    /// Where it lands under `destination` (`registry/repository`).
    pub fn lands_at(&self, destination: &str) -> String {
        match &self.repository {
            Some(path) => format!("{destination}/{path}"),
            None => destination.to_owned(),
        }
    }
}

/// The state of the bundle's push (cheap to copy into closures).
#[derive(Clone, Copy)]
pub struct Bundle {
    /// Per row (keyed by its position), the push's progress and outcome.
    pub run: Run,
    /// The rows each load target came from, in the targets' order.
    sent: StoredValue<Vec<usize>>,
    /// The files being hashed: bytes done and size, by offset.
    hashing: RwSignal<HashMap<u64, (u64, u64)>>,
    /// Hashing in the push worker (compressed archives): bytes done and in all.
    verifying: RwSignal<Option<(u64, u64)>>,
    /// What the summary names: the archive and the destination.
    names: StoredValue<(String, String)>,
}

impl Bundle {
    /// Nothing pushed yet.
    pub fn new() -> Bundle {
        Bundle {
            run: Run::new(),
            sent: StoredValue::new(Vec::new()),
            hashing: RwSignal::new(HashMap::new()),
            verifying: RwSignal::new(None),
            names: StoredValue::new((String::new(), String::new())),
        }
    }

    /// The key of row `row` in the run.
    pub fn key(row: usize) -> String {
        row.to_string()
    }

    /// Starts a push of `rows` (their positions) of `archive` into `destination`: the targets
    /// to send the push worker.
    pub fn begin(&self, rows: &[Row], chosen: &[usize], archive: &str, destination: &str) -> Vec<LoadTarget> {
        let targets = chosen
            .iter()
            .filter_map(|&i| {
                let row = rows.get(i)?;
                Some(LoadTarget {
                    image: row.image,
                    repository: row.repository.clone(),
                    tag: row.valid_tag()?,
                })
            })
            .collect();
        self.sent.set_value(chosen.to_vec());
        self.names.set_value((archive.to_owned(), destination.to_owned()));
        self.hashing.set(HashMap::new());
        self.verifying.set(None);
        self.run.begin();
        targets
    }

    /// Whether the page should hand `event` to this bundle rather than to the single push.
    pub fn running(&self) -> bool {
        self.run.phase.with_untracked(|p| *p == RunPhase::Running)
    }

    /// Bytes hashed and to hash, once hashing started and until the first image is planned.
    pub fn verification(&self) -> Option<(u64, u64)> {
        let started = self.run.tags.with(|t| !t.is_empty());
        if started {
            return None;
        }
        self.verifying.get().or_else(|| {
            self.hashing.with(|h| {
                (!h.is_empty()).then(|| h.values().fold((0, 0), |(d, s), (done, size)| (d + done, s + size)))
            })
        })
    }

    /// Takes in one event of the push worker. Tolerates a page that went away meanwhile.
    pub fn handle(&self, event: &Event) {
        let key =
            |index: usize| self.sent.try_with_value(|s| s.get(index).map(|&row| Bundle::key(row))).flatten();
        match event {
            Event::Message(FromPusher::HashProgress { offset, done }) => {
                self.hashing.try_update(|h| {
                    if let Some(e) = h.get_mut(offset) {
                        e.0 = *done;
                    }
                });
            }
            Event::Message(FromPusher::FileHashed { offset, .. }) => {
                self.hashing.try_update(|h| {
                    if let Some(e) = h.get_mut(offset) {
                        e.0 = e.1;
                    }
                });
            }
            Event::Crashed(message) => self.fail(message.clone()),
            Event::Message(FromPusher::Hashing { files }) => {
                self.hashing.try_set(files.iter().map(|f| (f.offset, (0, f.size))).collect());
            }
            Event::Message(FromPusher::Verifying { done, total }) => {
                self.verifying.try_set(Some((*done, *total)));
            }
            Event::Message(FromPusher::LoadStep { index, event }) => {
                if let (Some(key), Some(step)) = (key(*index), event.as_copy_event()) {
                    self.run.step(&key, &step);
                }
            }
            Event::Message(FromPusher::Loaded { index, result }) => {
                if let Some(key) = key(*index) {
                    self.run.finish(&key, result);
                }
            }
            Event::Message(FromPusher::LoadDone { results, cancelled }) => {
                let (source, destination) = self.names.try_get_value().unwrap_or_default();
                let report = SyncReport { source, destination, tags: results.clone() };
                self.run.phase.try_set(RunPhase::Done { report: Arc::new(report), cancelled: *cancelled });
            }
            Event::Message(FromPusher::Failed { failure }) => self.fail(match failure {
                Failure::Other { message } | Failure::SignIn { message, .. } => message.clone(),
                Failure::Cancelled => "cancelled".to_owned(),
                other => format!("{other:?}"),
            }),
            Event::Message(_) => {}
        }
    }

    fn fail(&self, message: String) {
        self.run.phase.try_set(RunPhase::Failed(message));
    }
}

impl Default for Bundle {
    fn default() -> Bundle {
        Bundle::new()
    }
}
