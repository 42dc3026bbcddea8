//! Human-readable byte sizes, identical in the CLI, the Worker and the app.

const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// `bytes` in binary units with one decimal: `"512 B"`, `"1.0 KiB"`, `"241.0 MiB"`.
///
/// Computed in integers (rounding half up to the tenth), so every shell prints the same text,
/// and a value that rounds up to 1024.0 of a unit is shown as 1.0 of the next one.
pub fn human(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let bytes = u128::from(bytes);
    let mut unit = 1024u128;
    let mut index = 0;
    loop {
        let tenths = (bytes * 10 + unit / 2) / unit;
        if tenths < 10 * 1024 || index == UNITS.len() - 1 {
            return format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[index]);
        }
        unit *= 1024;
        index += 1;
    }
}
