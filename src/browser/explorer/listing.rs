//! A listing's rows in the explorer worker: gathered as the tar reader emits entries, their count
//! told to the page as they grow, and the few a page draws picked on request (those that match a
//! search, the first in an order). The worker holds the listing so that the page never receives
//! (nor decodes, nor filters) the thousands of paths a layer may list.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use waybill_core::layers::filter::PathFilter;
use waybill_core::layers::listing::ListedEntry;
use waybill_core::layers::merged::MergedEntry;
use waybill_core::layers::{Entry, Kind};
use web_sys::Blob;

use super::protocol::{FileAt, FileRow, FromExplorer, Order};
use crate::browser::time::now_ms;

/// How often a streaming listing's count is posted: each one has the page ask for the rows it
/// draws again, and redrawing them is the page's thread's work while a layer streams. Every
/// 250 ms, that work took ~2 CPU seconds of a 256 MiB layer's listing on a core the worker and
/// its hashing helper need (scripts/bench layers, 2026-12-03); once a second the count still
/// moves as it is read.
const COUNT_MS: f64 = 1000.0;

/// A listing's rows, shared by the job that fills them and the `Rows` jobs that read them.
pub type Rows = Rc<RefCell<Vec<FileRow>>>;

/// A listing's rows as they come, its count told to the page every [`COUNT_MS`].
pub struct Tally<'a> {
    id: u32,
    post: &'a dyn Fn(&FromExplorer, Option<&Blob>),
    rows: &'a Rows,
    last: f64,
}

impl<'a> Tally<'a> {
    /// Gathers job `id`'s rows into `rows`, telling the page through `post`.
    pub fn new(id: u32, post: &'a dyn Fn(&FromExplorer, Option<&Blob>), rows: &'a Rows) -> Tally<'a> {
        Tally { id, post, rows, last: now_ms() }
    }

    /// Adds a row.
    pub fn push(&mut self, row: FileRow) {
        let listed = {
            let mut rows = self.rows.borrow_mut();
            rows.push(row);
            rows.len() as u64
        };
        // The first row is told at once: a page waiting for any shows it without delay.
        if listed == 1 || now_ms() - self.last >= COUNT_MS {
            self.last = now_ms();
            (self.post)(&FromExplorer::Counted { id: self.id, listed }, None);
        }
    }
}

/// One layer's entry as a row.
pub fn layer_row(entry: &Entry, layer: usize) -> FileRow {
    FileRow {
        entry: ListedEntry::new(entry, layer),
        content: (entry.kind == Kind::File).then_some(FileAt {
            layer,
            offset: entry.offset,
            size: entry.size,
        }),
    }
}

/// A path of the merged view as a row (a hard link's content is its target's).
pub fn merged_row(merged: &MergedEntry) -> FileRow {
    let content = merged.content.as_ref().map(|c| FileAt { layer: c.layer, offset: c.offset, size: c.size });
    FileRow { content, ..layer_row(&merged.entry, merged.layer) }
}

/// How many of `rows` match `search`, and the first `limit` of them in `order`: the ones that
/// make the cut are found in linear time, and only they are sorted.
pub fn window(rows: &[FileRow], search: &str, order: Order, limit: usize) -> (u64, Vec<FileRow>) {
    let filter = PathFilter::new(search);
    let mut picked: Vec<&FileRow> = rows.iter().filter(|r| filter.matches(&r.entry.path)).collect();
    let matching = picked.len() as u64;
    let cmp = |a: &&FileRow, b: &&FileRow| -> Ordering {
        match order {
            Order::Path => a.entry.path.cmp(&b.entry.path),
            Order::Size => b.entry.size.cmp(&a.entry.size).then_with(|| a.entry.path.cmp(&b.entry.path)),
        }
    };
    if picked.len() > limit {
        picked.select_nth_unstable_by(limit, cmp);
        picked.truncate(limit);
    }
    picked.sort_by(cmp);
    (matching, picked.into_iter().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, size: u64) -> FileRow {
        let entry = ListedEntry {
            path: path.into(),
            kind: Kind::File,
            size,
            mode: 0o644,
            link: None,
            layer: 1,
            sha256: None,
        };
        FileRow { entry, content: None }
    }

    fn paths(rows: &[FileRow]) -> Vec<&str> {
        rows.iter().map(|r| r.entry.path.as_str()).collect()
    }

    #[test]
    fn first_by_path_or_size_of_those_that_match() {
        let rows = [row("etc/b.conf", 5), row("usr/big", 900), row("etc/a.conf", 50), row("etc/c.txt", 7)];
        let (matching, shown) = window(&rows, "*.conf", Order::Path, 10);
        assert_eq!((matching, paths(&shown)), (2, vec!["etc/a.conf", "etc/b.conf"]));
        let (matching, shown) = window(&rows, "", Order::Size, 2);
        assert_eq!((matching, paths(&shown)), (4, vec!["usr/big", "etc/a.conf"]));
        let (matching, shown) = window(&rows, "etc", Order::Path, 2);
        assert_eq!((matching, paths(&shown)), (3, vec!["etc/a.conf", "etc/b.conf"]));
    }
}
