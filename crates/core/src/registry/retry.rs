//! The one rule for sending a failed request again: whether, and after how long. Every shell
//! follows it; it is pure — the shell owns the clock and the timer, this returns durations only.
//!
//! | failure | repeatable step | PATCH (one chunk) |
//! |---|---|---|
//! | 429, 503 | again, after `Retry-After` or the backoff | the same: the registry refused it unread |
//! | no connection | again | again: nothing reached the registry |
//! | 502, 504, reset, timeout | again | no: the upload loop asks the registry's `Range` and resumes |
//! | 500 | once more | no (as above) |
//! | anything else | no | no |
//!
//! A 500 is retried only once: it is as often a registry bug (Pulp's HTML page for a chunk at the
//! wrong offset, distribution refusing foreign urls) as a hiccup, and repeating a bug only delays
//! its error. Waits double from [`RetryRule::first_backoff`] up to [`RetryRule::max_backoff`], at
//! most [`RetryRule::max_attempts`] sends in all. There is no jitter: the core has no randomness,
//! and one Waybill sends a handful of requests at a time, not a herd.

use std::time::Duration;

use crate::transport::{Method, TransportErrorKind};

/// How a request failed, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The registry answered with this status.
    Status(u16),
    /// No answer: the transport failed this way.
    Transport(TransportErrorKind),
}

/// What sending a request twice can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing bad: GET, HEAD, PUT and DELETE are idempotent, and a POST that opens an upload
    /// session twice leaves only an orphan session the registry expires.
    Repeatable,
    /// A chunk of an upload (PATCH): whether the registry took it is unknown after a broken
    /// connection, so it is resent only when it certainly did not; otherwise the upload resumes
    /// from the registry's `Range`.
    Chunk,
}

impl Step {
    /// The step a request of this method is.
    pub fn of(method: Method) -> Step {
        if method == Method::Patch { Step::Chunk } else { Step::Repeatable }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send it again after waiting this long.
    RetryAfter(Duration),
    /// Report the failure (or, for an answer that is no failure, use it).
    GiveUp,
}

/// The limits of retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryRule {
    /// Sends of one request in all, the first included.
    pub max_attempts: u32,
    /// Sends of a request the registry answered 500.
    pub server_error_attempts: u32,
    /// The wait after the first failure; it doubles with every further one.
    pub first_backoff: Duration,
    /// The longest wait the backoff reaches.
    pub max_backoff: Duration,
    /// The longest `Retry-After` waited out. A registry asking for more is not asked again: the
    /// command fails at once with the registry's answer, instead of sitting silent for minutes
    /// (or, for a rate limit reset at the top of the hour, for an hour) and then probably
    /// failing anyway.
    pub max_retry_after: Duration,
}

impl Default for RetryRule {
    fn default() -> RetryRule {
        RetryRule {
            max_attempts: 4,
            server_error_attempts: 2,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryRule {
    /// Decides after attempt number `attempt` (1 for the first send) failed with `failure`.
    /// `retry_after` is the answer's `Retry-After` header, if any; `now` the shell's clock in
    /// seconds since the Unix epoch (needed only for a `Retry-After` given as a date).
    pub fn decide(
        &self,
        attempt: u32,
        failure: Failure,
        step: Step,
        retry_after: Option<&str>,
        now: Option<u64>,
    ) -> Decision {
        let attempts = match (failure, step) {
            (Failure::Status(429 | 503), _) => self.max_attempts,
            (Failure::Transport(TransportErrorKind::Connect), _) => self.max_attempts,
            (Failure::Status(502 | 504), Step::Repeatable) => self.max_attempts,
            (
                Failure::Transport(TransportErrorKind::Interrupted | TransportErrorKind::Timeout),
                Step::Repeatable,
            ) => self.max_attempts,
            (Failure::Status(500), Step::Repeatable) => self.server_error_attempts.min(self.max_attempts),
            _ => return Decision::GiveUp,
        };
        if attempt >= attempts {
            return Decision::GiveUp;
        }
        match retry_after.and_then(|value| parse_retry_after(value, now)) {
            Some(wait) if wait > self.max_retry_after => Decision::GiveUp,
            Some(wait) => Decision::RetryAfter(wait),
            None => Decision::RetryAfter(self.backoff(attempt)),
        }
    }

    /// The wait after the `failures`-th consecutive failure (1 for the first):
    /// `first_backoff × 2^(failures-1)`, at most `max_backoff`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first_backoff.saturating_mul(1 << doublings).min(self.max_backoff)
    }
}

/// Reads a `Retry-After` value: delay-seconds, or an HTTP-date (which needs `now`, seconds since
/// the Unix epoch; a date already past means no wait). `None` when it cannot be read, and the
/// backoff applies instead.
pub fn parse_retry_after(value: &str, now: Option<u64>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits that overflow u64 are a very long wait all the same.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = http_date(value)?;
    Some(Duration::from_secs(at.saturating_sub(now?)))
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Seconds since the Unix epoch of an HTTP-date in any of the three forms RFC 9110 §5.6.7 says
/// a recipient must accept: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`.
fn http_date(text: &str) -> Option<u64> {
    let tokens: Vec<&str> = text.split([' ', ',', '-']).filter(|t| !t.is_empty()).collect();
    let (weekday, day, month, year, time) = match tokens.as_slice() {
        [weekday, day, month, year, time, "GMT"] => (weekday, day, month, year, time),
        [weekday, month, day, time, year] => (weekday, day, month, year, time),
        _ => return None,
    };
    if !weekday.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let number = |text: &str, digits: std::ops::RangeInclusive<usize>| -> Option<u64> {
        (digits.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())?
    };
    let day = number(day, 1..=2).filter(|d| (1..=31).contains(d))?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u64 + 1;
    let year = match year.len() {
        4 => number(year, 4..=4)?,
        // RFC 850's two-digit years: the pivot a reader without a calendar can use.
        2 => number(year, 2..=2).map(|y| if y < 70 { 2000 + y } else { 1900 + y })?,
        _ => return None,
    };
    let mut clock = time.split(':');
    let (h, m, s) = (clock.next()?, clock.next()?, clock.next()?);
    if clock.next().is_some() {
        return None;
    }
    let (h, m, s) = (number(h, 2..=2)?, number(m, 2..=2)?, number(s, 2..=2)?);
    if year < 1970 || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_since_epoch(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year ≥ 1970), by Howard
/// Hinnant's `days_from_civil`: years counted from March, so the leap day ends the year.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let (era, year_of_era) = (year / 400, year % 400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransportErrorKind::{Cancelled, Connect, Interrupted, Other, Timeout};

    const RULE: RetryRule = RetryRule {
        max_attempts: 4,
        server_error_attempts: 2,
        first_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(8),
        max_retry_after: Duration::from_secs(60),
    };

    fn decide(attempt: u32, failure: Failure, step: Step) -> Decision {
        RULE.decide(attempt, failure, step, None, None)
    }

    fn after_ms(ms: u64) -> Decision {
        Decision::RetryAfter(Duration::from_millis(ms))
    }

    #[test]
    fn the_default_is_the_documented_rule() {
        assert_eq!(RetryRule::default(), RULE);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let waits: Vec<u64> = (1..=7).map(|n| RULE.backoff(n).as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(RULE.backoff(u32::MAX), Duration::from_secs(8));
        assert_eq!(RULE.backoff(0), Duration::from_millis(500));
    }

    #[test]
    fn repeatable_steps_retry_transient_failures_up_to_the_attempt_limit() {
        for failure in [
            Failure::Status(429),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
            Failure::Transport(Connect),
            Failure::Transport(Interrupted),
            Failure::Transport(Timeout),
        ] {
            assert_eq!(decide(1, failure, Step::Repeatable), after_ms(500), "{failure:?}");
            assert_eq!(decide(3, failure, Step::Repeatable), after_ms(2000), "{failure:?}");
            assert_eq!(decide(4, failure, Step::Repeatable), Decision::GiveUp, "{failure:?}");
        }
    }

    #[test]
    fn a_500_is_retried_once() {
        assert_eq!(decide(1, Failure::Status(500), Step::Repeatable), after_ms(500));
        assert_eq!(decide(2, Failure::Status(500), Step::Repeatable), Decision::GiveUp);
    }

    #[test]
    fn a_chunk_is_resent_only_when_the_registry_surely_did_not_take_it() {
        for failure in [Failure::Status(429), Failure::Status(503), Failure::Transport(Connect)] {
            assert_eq!(decide(1, failure, Step::Chunk), after_ms(500), "{failure:?}");
        }
        for failure in [
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(504),
            Failure::Transport(Interrupted),
            Failure::Transport(Timeout),
        ] {
            assert_eq!(decide(1, failure, Step::Chunk), Decision::GiveUp, "{failure:?}");
        }
        assert_eq!(Step::of(Method::Patch), Step::Chunk);
        for method in [Method::Get, Method::Head, Method::Put, Method::Post, Method::Delete] {
            assert_eq!(Step::of(method), Step::Repeatable);
        }
    }

    #[test]
    fn answers_and_failures_that_retrying_cannot_fix_are_final() {
        for status in [200, 201, 202, 204, 307, 400, 401, 403, 404, 405, 413, 416, 501, 505] {
            assert_eq!(decide(1, Failure::Status(status), Step::Repeatable), Decision::GiveUp, "{status}");
        }
        for kind in [Cancelled, Other] {
            assert_eq!(decide(1, Failure::Transport(kind), Step::Repeatable), Decision::GiveUp);
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_its_cap() {
        let with = |value: &str| RULE.decide(1, Failure::Status(429), Step::Chunk, Some(value), Some(1_000));
        assert_eq!(with("1"), after_ms(1000));
        assert_eq!(with(" 0 "), after_ms(0));
        assert_eq!(with("60"), after_ms(60_000));
        // Longer than the cap: fail now with the registry's answer rather than sit silent.
        assert_eq!(with("61"), Decision::GiveUp);
        assert_eq!(with("3600"), Decision::GiveUp);
        assert_eq!(with("99999999999999999999999"), Decision::GiveUp);
        // Unreadable: the backoff.
        for value in ["", "-1", "1.5", "soon", "1 s"] {
            assert_eq!(with(value), after_ms(500), "{value:?}");
        }
        // It does not lift the attempt limit.
        assert_eq!(RULE.decide(4, Failure::Status(503), Step::Repeatable, Some("1"), None), Decision::GiveUp);
    }

    #[test]
    fn retry_after_as_an_http_date() {
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        let now = Some(784_111_777 - 5);
        for form in
            ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"]
        {
            assert_eq!(parse_retry_after(form, now), Some(Duration::from_secs(5)), "{form}");
        }
        // A date already past: no wait. Without a clock a date means nothing.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_800)),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", None), None);
        let rule = RULE.decide(
            1,
            Failure::Status(503),
            Step::Repeatable,
            Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            now,
        );
        assert_eq!(rule, after_ms(5000));
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        // Leap days, and the end of a year counted from March.
        assert_eq!(http_date("Tue, 29 Feb 2000 00:00:00 GMT"), Some(951_782_400));
        assert_eq!(http_date("Wed, 01 Mar 2000 00:00:00 GMT"), Some(951_868_800));
        assert_eq!(http_date("Fri, 31 Dec 2038 23:59:59 GMT"), Some(2_177_452_799));
        assert_eq!(http_date("Thursday, 01-Jan-70 00:00:01 GMT"), Some(1));
        assert_eq!(http_date("Wednesday, 01-Jan-25 00:00:00 GMT"), Some(1_735_689_600));
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37:01 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov 19945 08:49:37 GMT",
            "1, 06 Nov 1994 08:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(http_date(bad), None, "{bad:?}");
        }
    }
}
