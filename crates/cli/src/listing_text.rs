//! `waybill ls` as text: one line per path, as `ls -l` would show it (type and permissions,
//! owner, size, mtime in UTC), with the layer that wrote it; and the layers lined up with the
//! image's history.

use std::fmt::Write as _;

use waybill_core::layers::history::History;
use waybill_core::layers::{Entry, ExploredImage, Kind};
use waybill_core::size::human;

/// One listing line (without the newline). Names are printed escaped: a layer's names are data.
/// With `hash`, a column before the path holds a regular file's sha256 in hex (`-` for anything
/// else), as `sha256sum` prints it.
pub fn entry_line(entry: &Entry, layer: usize, hash: bool) -> String {
    let kind = match entry.kind {
        Kind::File => '-',
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
        Kind::Hardlink => 'h',
        Kind::Whiteout => 'w',
        Kind::Opaque => 'o',
        Kind::Other => '?',
    };
    let sha256 = match (hash, &entry.sha256) {
        (false, _) => String::new(),
        (true, Some(digest)) => format!("{:<64}  ", digest.hex()),
        (true, None) => format!("{:<64}  ", "-"),
    };
    let mut line = format!(
        "{kind}{}  {:>5}/{:<5} {:>12}  {}  {layer:>3}  {sha256}{}",
        permissions(entry.mode),
        entry.uid,
        entry.gid,
        entry.size,
        date(entry.mtime),
        escaped(&entry.path),
    );
    match (entry.kind, &entry.link) {
        (Kind::Symlink, Some(target)) => {
            let _ = write!(line, " -> {}", escaped(target));
        }
        (Kind::Hardlink, Some(target)) => {
            let _ = write!(line, " link to {}", escaped(target));
        }
        (Kind::Whiteout, _) => line.push_str(" (whiteout: deleted)"),
        (Kind::Opaque, _) => line.push_str(" (opaque: lower layers' contents hidden)"),
        _ => {}
    }
    line
}

/// The path as text, with control characters escaped (a name may hold an escape sequence).
fn escaped(path: &str) -> String {
    if path.chars().any(char::is_control) { path.escape_default().to_string() } else { path.to_owned() }
}

/// `rwxr-xr-x`, with setuid, setgid and sticky as `ls` shows them.
fn permissions(mode: u32) -> String {
    let bit = |mask: u32, c: char| if mode & mask != 0 { c } else { '-' };
    let special = |exec: char, set: bool, on: char, off: char| match (set, exec != '-') {
        (true, true) => on,
        (true, false) => off,
        (false, _) => exec,
    };
    let (ux, gx, ox) = (bit(0o100, 'x'), bit(0o010, 'x'), bit(0o001, 'x'));
    [
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        special(ux, mode & 0o4000 != 0, 's', 'S'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        special(gx, mode & 0o2000 != 0, 's', 'S'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        special(ox, mode & 0o1000 != 0, 't', 'T'),
    ]
    .iter()
    .collect()
}

/// `YYYY-MM-DD HH:MM` in UTC (days to civil date: Howard Hinnant's algorithm).
fn date(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let (hour, minute) = (seconds % 86_400 / 3600, seconds % 3600 / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

/// The layers with the history steps that made them; empty steps marked; a mismatch flagged.
pub fn history_text(image: &ExploredImage, history: &History) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", image.reference, image.digest);
    let _ = writeln!(out, "{:>5}  {:>10}  {:<19}  CREATED BY", "LAYER", "SIZE", "DIGEST");
    let mut shown = vec![false; image.layers.len()];
    for step in &history.steps {
        let by = step.created_by.as_deref().unwrap_or("(no created_by)");
        match step.layer {
            Some(n) => {
                shown[n - 1] = true;
                let layer = &image.layers[n - 1];
                let _ =
                    writeln!(out, "{n:>5}  {:>10}  {:<19}  {by}", human(layer.size), short(&layer.digest));
            }
            None if step.empty_layer => {
                let _ = writeln!(out, "{:>5}  {:>10}  {:<19}  {by}", "-", "(empty)", "");
            }
            None => {
                let _ = writeln!(out, "{:>5}  {:>10}  {:<19}  {by}", "?", "(no layer)", "");
            }
        }
    }
    for (i, layer) in image.layers.iter().enumerate().filter(|(i, _)| !shown[*i]) {
        let _ = writeln!(
            out,
            "{:>5}  {:>10}  {:<19}  (no history step)",
            i + 1,
            human(layer.size),
            short(&layer.digest)
        );
    }
    if let Some(mismatch) = &history.mismatch {
        let _ = writeln!(out, "warning: {mismatch}");
    }
    out
}

fn short(digest: &waybill_core::digest::Digest) -> String {
    let text = digest.to_string();
    text.chars().take(19).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_dates_read_as_ls_shows_them() {
        assert_eq!(permissions(0o755), "rwxr-xr-x");
        assert_eq!(permissions(0o4755), "rwsr-xr-x");
        assert_eq!(permissions(0o2644), "rw-r-Sr--");
        assert_eq!(permissions(0o1777), "rwxrwxrwt");
        assert_eq!(date(0), "1970-01-01 00:00");
        assert_eq!(date(1_493_683_200), "2017-05-02 00:00");
        assert_eq!(date(951_825_600 + 3 * 3600 + 7 * 60), "2000-02-29 15:07");
        assert_eq!(escaped("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }
}
