//! One listing of files as a page holds it: the few rows it draws, asked of the explorer worker
//! (which holds every path) as the listing grows and as the search or the order change.

use leptos::prelude::*;

use super::{FileRow, ImageAt, JobHandle, Order, Progress, View, explorer, start};
use crate::browser::explorer::protocol::{FromExplorer, Job};

/// Rows drawn at most: a layer may hold a million paths; a search narrows them.
pub const SHOWN: usize = 500;

/// One listing of files. Its paths stay in the explorer worker; the page holds the few rows it
/// draws, asked for again as the listing grows and as the search or the order change.
#[derive(Clone, Copy)]
pub struct Listing {
    /// The rows drawn: the first [`SHOWN`] that match `search`, in `order`.
    pub rows: RwSignal<Vec<FileRow>>,
    /// Paths listed so far.
    pub listed: RwSignal<u64>,
    /// Of them, how many match `search`.
    pub matching: RwSignal<u64>,
    /// A piece of the path or a pattern; empty: every path.
    pub search: RwSignal<String>,
    /// Which rows come first.
    pub order: RwSignal<Order>,
    /// The search the rows drawn answer (they come from the worker a moment after it is typed).
    pub answered: RwSignal<String>,
    /// Where it stands.
    pub progress: RwSignal<Progress>,
    /// The view listed (or being listed).
    pub view: RwSignal<Option<View>>,
    job: JobHandle,
    asking: StoredValue<Asking>,
}

/// The page's questions for rows: one at a time, however fast the listing grows or the search
/// is typed, and the last answer always for the latest search.
#[derive(Clone, Copy, Default)]
struct Asking {
    /// A question is on its way.
    busy: bool,
    /// Something changed since it was asked: ask again when it is answered.
    again: bool,
    /// The listing ended: it is done once the rows after its end are drawn.
    ending: bool,
}

impl Listing {
    /// A listing not started.
    pub fn new() -> Listing {
        let listing = Listing {
            rows: RwSignal::new(Vec::new()),
            listed: RwSignal::new(0),
            matching: RwSignal::new(0),
            search: RwSignal::new(String::new()),
            order: RwSignal::new(Order::Path),
            answered: RwSignal::new(String::new()),
            progress: RwSignal::new(Progress::Idle),
            view: RwSignal::new(None),
            job: JobHandle::new(),
            asking: StoredValue::new(Asking::default()),
        };
        // A listing whose view went away stops reading, and the worker lets go of its paths.
        let job = listing.job;
        on_cleanup(move || job.set(None));
        listing
    }

    /// Lists `view` of `image`, replacing what was listed.
    pub fn start(&self, image: ImageAt, view: View) {
        let this = *self;
        self.rows.set(Vec::new());
        self.listed.set(0);
        self.matching.set(0);
        self.view.set(Some(view));
        self.asking.update_value(|a| (a.again, a.ending) = (false, false));
        start(self.job, self.progress, Job::List { image, view }, None, move |message, _| match message {
            FromExplorer::Counted { listed, .. } => {
                this.listed.try_set(listed);
                this.refresh();
            }
            FromExplorer::Listed { entries, .. } => {
                this.listed.try_set(entries);
                this.asking.try_update_value(|a| a.ending = true);
                this.refresh();
            }
            // What was read before stays shown.
            FromExplorer::Cancelled { .. } => this.refresh(),
            _ => {}
        });
    }

    /// Asks the worker for the rows to draw (again): the listing grew, or the search or the
    /// order changed.
    pub fn refresh(&self) {
        let (Some(listing), Ok(explorer)) = (self.job.id(), explorer()) else { return };
        let Some(asking) = self.asking.try_get_value() else { return };
        if asking.busy {
            self.asking.update_value(|a| a.again = true);
            return;
        }
        self.asking.update_value(|a| (a.busy, a.again) = (true, false));
        let search = self.search.get_untracked();
        let job =
            Job::Rows { listing, search: search.clone(), order: self.order.get_untracked(), limit: SHOWN };
        let this = *self;
        explorer.run(job, None, move |message, _| {
            if let FromExplorer::Rows { listed, matching, rows, .. } = message
                && this.job.id() == Some(listing)
            {
                this.listed.try_set(listed);
                this.matching.try_set(matching);
                this.rows.try_set(rows);
                this.answered.try_set(search.clone());
            }
            let Some(asking) = this.asking.try_get_value() else { return };
            this.asking.update_value(|a| a.busy = false);
            if asking.again {
                this.refresh();
            } else if asking.ending && this.job.id() == Some(listing) {
                this.asking.update_value(|a| a.ending = false);
                this.progress.try_set(Progress::Done);
            }
        });
    }

    /// Stops the listing (what arrived stays).
    pub fn cancel(&self) {
        self.job.cancel();
    }
}

impl Default for Listing {
    fn default() -> Listing {
        Listing::new()
    }
}
