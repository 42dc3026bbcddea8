//! Rates and remaining times, as the progress bars show them.

/// MB/s (10^6 bytes per second, as `pv` and the benchmarks count) for `bytes` in `millis`, once
/// enough time passed for the figure to mean something.
pub fn rate(bytes: u64, millis: f64) -> Option<f64> {
    (millis >= 50.0 && bytes > 0).then(|| bytes as f64 / 1e6 / (millis / 1000.0))
}

/// Below this many bytes a transfer is over before its rate means anything: a config blob of a
/// few KB would show "0.0 MB/s" (issue 16).
const RATE_FLOOR: u64 = 1 << 20;

/// The rate for `bytes` in `millis`, when there are enough bytes for it to mean something.
pub fn meaningful_rate(bytes: u64, millis: f64) -> Option<f64> {
    if bytes < RATE_FLOOR { None } else { rate(bytes, millis) }
}

/// "312 MB/s".
pub fn format_rate(mb_per_s: f64) -> String {
    if mb_per_s >= 100.0 { format!("{mb_per_s:.0} MB/s") } else { format!("{mb_per_s:.1} MB/s") }
}

/// Time left for `remaining` bytes at `mb_per_s`: "4 s left", "2 min 5 s left".
pub fn eta(remaining: u64, mb_per_s: f64) -> String {
    let seconds = (remaining as f64 / 1e6 / mb_per_s).ceil() as u64;
    match seconds {
        0 => "almost done".to_owned(),
        s if s < 60 => format!("{s} s left"),
        s => format!("{} min {} s left", s / 60, s % 60),
    }
}

/// Percentage done, 0–100.
pub fn percent(done: u64, total: u64) -> u32 {
    if total == 0 { 100 } else { ((done.min(total) as f64 / total as f64) * 100.0).floor() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_times() {
        assert_eq!(rate(1_000_000, 10.0), None, "too early to tell");
        assert_eq!(rate(400_000_000, 1000.0), Some(400.0));
        assert_eq!(meaningful_rate(1_399, 200.0), None, "a config blob has no rate worth showing");
        assert_eq!(meaningful_rate(400_000_000, 1000.0), Some(400.0));
        assert_eq!(format_rate(399.6), "400 MB/s");
        assert_eq!(format_rate(12.34), "12.3 MB/s");
        assert_eq!(eta(1_000_000_000, 250.0), "4 s left");
        assert_eq!(eta(1_000_000_000, 8.0), "2 min 5 s left");
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(5, 0), 100);
    }
}
