//! The summary of a command that moves many tags (`sync`, `load`): a table, one line per tag,
//! the reason for each that did not arrive, the counts, and the exit code.

use waybill_core::transfer::sync::{SyncReport, TagOutcome, TagResult};

use crate::failure::{EXIT_ERROR, EXIT_REJECTED, Failure, Outcome};

/// Exit 1 if any tag failed, else 3 if any was refused, else 0. `retry` says how the refused
/// tags are moved with foreign layers allowed ("mirror them", "load them").
pub fn exit_for(tags: &[TagResult], retry: &str) -> Outcome {
    let count = |outcome| tags.iter().filter(|t| t.outcome == outcome).count();
    let (failed, refused) = (count(TagOutcome::Failed), count(TagOutcome::Refused));
    if failed > 0 {
        return Err(Failure {
            code: EXIT_ERROR,
            message: format!("{failed} tag(s) failed; see the summary"),
        });
    }
    if refused > 0 {
        return Err(Failure {
            code: EXIT_REJECTED,
            message: format!(
                "{refused} tag(s) refused for their foreign layers (nothing of them was sent); {retry} with \
                 --allow-foreign-layers"
            ),
        });
    }
    Ok(())
}

/// The table: one line per tag, then why each refused or failed tag did not arrive, then counts.
pub fn table(report: &SyncReport) -> String {
    let mut out = format!("{} -> {}\n", report.source, report.destination);
    let width = report.tags.iter().map(|t| t.tag.len()).max().unwrap_or(3).max(3);
    out.push_str(&format!("{:width$}  {:19}  {:10}  PLATFORMS / WITH IT\n", "TAG", "DIGEST", "OUTCOME"));
    for t in &report.tags {
        let digest = t.digest.as_ref().map(ToString::to_string).unwrap_or_else(|| "-".into());
        let short: String = digest.chars().take(19).collect();
        let mut extra = t.platforms.join(", ");
        if !t.companions.is_empty() {
            let joiner = if extra.is_empty() { "" } else { "; " };
            extra = format!("{extra}{joiner}+ {}", t.companions.join(", "));
        }
        out.push_str(&format!("{:width$}  {short:19}  {:10}  {extra}\n", t.tag, t.outcome.words()));
    }
    for t in report.tags.iter().filter(|t| t.reason.is_some()) {
        let reason = t.reason.as_deref().unwrap_or_default();
        out.push_str(&format!("{} {}: {reason}\n", t.tag, t.outcome.words()));
    }
    let count = |o| report.tags.iter().filter(|t| t.outcome == o).count();
    out.push_str(&format!(
        "{} tags: {} copied, {} up to date, {} refused, {} failed\n",
        report.tags.len(),
        count(TagOutcome::Copied),
        count(TagOutcome::UpToDate),
        count(TagOutcome::Refused),
        count(TagOutcome::Failed)
    ));
    out
}
