//! The hostile archive generator's runner (issue 11): every case is written to a file and run
//! through `waybill inspect`, `waybill verify` and `waybill push` (to the real distribution
//! registry, through a counting [`Relay`], at a repository of its own). Each run must end as
//! the case expects — exit 1 with a message naming what is wrong, or a correct result; never a
//! panic — with waybill's peak RSS under [`RSS_LIMIT`]; and the push must send nothing: no
//! request through the relay, and the registry does not know the repository.
//!
//! `WAYBILL_HOSTILE_CASE=<part of a name>` runs only the matching cases.

use super::relay::{Fault, Relay};
use super::tar::file;
use super::{Registries, Run, curl, unique, waybill_peak_rss};

/// What any archive may cost: docs/architecture.md's invariant 5, memory is bounded.
pub const RSS_LIMIT: u64 = 64 << 20;

/// How a case must end.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// inspect, verify and push refuse the archive: exit 1, this in the message.
    Refused(&'static str),
    /// inspect reads it; verify reports this failure (exit 1), and push refuses the archive
    /// ("nothing was uploaded") saying it too.
    Fails(&'static str),
    /// inspect and verify read it (exit 0); push refuses it: exit 1, this in the message.
    PushRefused(&'static str),
    /// inspect reads it; verify reports the first (exit 1); push refuses it saying the second.
    FailsAndRefused(&'static str, &'static str),
}

/// One hostile archive: a name (also its repository's), how to make it, how it must end.
pub struct Case {
    /// Lowercase, digits and dashes.
    pub name: &'static str,
    /// The archive's bytes.
    pub build: fn() -> Vec<u8>,
    /// The outcome.
    pub expect: Expect,
}

/// Checks one run against what the case expects.
fn judge(command: &str, expect: Expect, run: &Run, peak: u64) -> Result<(), String> {
    if run.code == 101 || run.stderr.contains("panicked") {
        return Err(format!("panicked (exit {}): {}", run.code, run.stderr));
    }
    if peak >= RSS_LIMIT {
        return Err(format!("peak RSS {} MiB, over {} MiB", peak >> 20, RSS_LIMIT >> 20));
    }
    let (code, wanted) = match (expect, command) {
        (Expect::Refused(m), _)
        | (Expect::PushRefused(m), "push")
        | (Expect::Fails(m), "verify" | "push")
        | (Expect::FailsAndRefused(m, _), "verify")
        | (Expect::FailsAndRefused(_, m), "push") => (1, Some(m)),
        _ => (0, None),
    };
    if run.code != code {
        return Err(format!(
            "exit {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            run.code, run.stdout, run.stderr
        ));
    }
    // An error is on stderr; what verify found is in its report (stdout).
    let said = if command == "verify" { format!("{}{}", run.stdout, run.stderr) } else { run.stderr.clone() };
    if let Some(wanted) = wanted.filter(|w| !said.contains(w)) {
        return Err(format!("wanted {wanted:?} in:\n{said}"));
    }
    let uploaded = matches!(expect, Expect::Fails(_)) && command == "push";
    if uploaded && !run.stderr.contains("the archive failed verification; nothing was uploaded") {
        return Err(format!("push did not say nothing was uploaded:\n{}", run.stderr));
    }
    Ok(())
}

/// Runs every case (or those `WAYBILL_HOSTILE_CASE` names); panics listing every failure, after
/// printing each run's exit code and peak RSS.
pub fn run_cases(cases: &[Case]) {
    let registries = Registries::from_env();
    let relay = Relay::start(&registries.strict(), Fault::None);
    let only = std::env::var("WAYBILL_HOSTILE_CASE").ok();
    let mut failures = Vec::new();
    let mut peaks = Vec::new();
    let chosen: Vec<&Case> =
        cases.iter().filter(|c| only.as_deref().is_none_or(|o| c.name.contains(o))).collect();
    if chosen.is_empty() {
        eprintln!("no case here matches WAYBILL_HOSTILE_CASE={only:?}");
        return;
    }
    for case in chosen {
        let bytes = (case.build)();
        let path = file(&format!("{}.archive", case.name), &bytes);
        let repository = unique(case.name);
        let destination = format!("{}/{repository}:hostile", relay.host());
        let before = relay.requests().len();
        let runs: [(&str, Vec<&str>); 3] = [
            ("inspect", vec!["inspect", &path]),
            ("verify", vec!["verify", &path]),
            ("push", vec!["push", "--allow-foreign-layers", &path, &destination]),
        ];
        for (command, args) in runs {
            let (run, peak) = waybill_peak_rss(&args);
            peaks.push(format!("{:<48} {command:<8} exit {}  {:>6} KiB", case.name, run.code, peak >> 10));
            if let Err(why) = judge(command, case.expect, &run, peak) {
                failures.push(format!("{} ({} bytes), waybill {command}: {why}", case.name, bytes.len()));
            }
        }
        let sent = relay.requests()[before..].to_vec();
        if !sent.is_empty() {
            failures.push(format!("{}: push sent {sent:?}", case.name));
        }
        let tags = curl(&[
            "-s",
            "-w",
            " %{http_code}",
            &format!("{}/v2/{repository}/tags/list", registries.strict_url),
        ]);
        if !(tags.ends_with(" 404") && tags.contains("NAME_UNKNOWN")) {
            failures.push(format!("{}: the registry knows {repository}: {tags}", case.name));
        }
        std::fs::remove_file(&path).expect("remove the archive");
    }
    eprintln!("{}", peaks.join("\n"));
    assert!(failures.is_empty(), "{} failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}
