//! The few rows of a listing a page draws: those that match a search, the first in an order.
//! Run in the explorer worker, which holds the listing, so that the page never receives (nor
//! decodes, nor filters) the thousands of paths a layer may list.

use std::cmp::Ordering;

use waybill_core::layers::filter::PathFilter;

use super::protocol::{FileRow, Order};

/// How many of `rows` match `search`, and the first `limit` of them in `order`: the ones that
/// make the cut are found in linear time, and only they are sorted.
pub fn window(rows: &[FileRow], search: &str, order: Order, limit: usize) -> (u64, Vec<FileRow>) {
    let filter = PathFilter::new(search);
    let mut picked: Vec<&FileRow> = rows.iter().filter(|r| filter.matches(&r.path)).collect();
    let matching = picked.len() as u64;
    let cmp = |a: &&FileRow, b: &&FileRow| -> Ordering {
        match order {
            Order::Path => a.path.cmp(&b.path),
            Order::Size => b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)),
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
    use waybill_core::layers::Kind;

    fn row(path: &str, size: u64) -> FileRow {
        FileRow { path: path.into(), kind: Kind::File, size, mode: 0o644, link: None, layer: 1, content: None }
    }

    fn paths(rows: &[FileRow]) -> Vec<&str> {
        rows.iter().map(|r| r.path.as_str()).collect()
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
