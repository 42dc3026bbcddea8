//! One byte-count progress bar on stderr, drawn only when stderr is a terminal (so pipes, logs
//! and tests see clean output).

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressStyle};
use waybill_core::digest::Digest;

/// Tracks bytes per blob and shows their sum.
pub struct Progress {
    bar: Option<ProgressBar>,
    done: RefCell<HashMap<Digest, u64>>,
}

impl Progress {
    /// A bar if stderr is a terminal, otherwise a silent tracker.
    pub fn on_terminal() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{msg:8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress { bar, done: RefCell::default() }
    }

    /// Starts the bar for `total` bytes.
    pub fn start(&self, label: &str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(label.to_owned());
            bar.set_length(total);
        }
    }

    /// Records that `done` bytes of `digest` are through.
    pub fn blob(&self, digest: &Digest, done: u64) {
        let mut map = self.done.borrow_mut();
        let previous = map.insert(digest.clone(), done).unwrap_or(0);
        if let Some(bar) = &self.bar {
            bar.inc(done.saturating_sub(previous));
        }
    }

    /// Sets the bar to `done` bytes (for phases counted as a whole, like verifying an archive).
    pub fn set_position(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
