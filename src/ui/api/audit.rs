//! The Audit page's I/O: the core's Pulp foreign-layer audit (`transfer::pulp_audit`, the one
//! `waybill audit` runs) driven through the browser's fetch transport and the proxy's read-only
//! Pulp routes. The page gets the report or a [`Problem`]; the audit's logic lives in the core only.

use waybill_core::transfer::pulp_audit::{self, AuditProgress, AuditReport};
use waybill_core::transfer::tag_filter::matches;

use super::client_with;
use crate::browser::fetch::{Cancel, FetchTransport};
use crate::ui::problems::{Problem, pulp_problem};
use crate::ui::session;

/// Audits the Pulp whose REST API and registry answer at `host` (`host[:port]`), signed in with
/// this tab's login for it: the repositories whose name matches one of `patterns` (shell patterns
/// separated by commas or blanks; none: every repository).
/// `progress` is told before each repository is read; `cancel` stops it.
pub async fn audit(
    host: &str,
    patterns: &str,
    cancel: &Cancel,
    progress: &dyn Fn(AuditProgress<'_>),
) -> Result<AuditReport, Problem> {
    let transport = FetchTransport::new(&session::proxy_origin()).with_cancel(cancel.clone());
    let client = client_with(transport, host, host)?;
    let patterns = name_patterns(patterns);
    let wanted = |name: &str| patterns.is_empty() || patterns.iter().any(|p| matches(p, name));
    pulp_audit::audit(&client, &wanted, progress).await.map_err(|e| pulp_problem(&e, host))
}

/// The patterns typed, one per word.
pub fn name_patterns(typed: &str) -> Vec<&str> {
    typed.split([',', ' ', '\t', '\n']).filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::name_patterns;

    #[test]
    fn patterns_are_words() {
        assert_eq!(name_patterns(" team/*, audit-e2e-1\tx "), ["team/*", "audit-e2e-1", "x"]);
        assert!(name_patterns(" , ").is_empty());
    }
}
