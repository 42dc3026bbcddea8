//! `waybill audit PULP-URL`: the manifests in Pulp whose foreign layers' blobs Pulp lacks (what
//! Pulp's own sync leaves out), and the tags whose pull would fail with "blob unknown".

use std::io::IsTerminal as _;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use waybill_core::registry::Client;
use waybill_core::size::human;
use waybill_core::transfer::pulp_audit::{AuditProgress, AuditReport, audit};
use waybill_core::transfer::tag_filter::matches;

use super::Context;
use crate::args::RegistryArgs;
use crate::failure::{EXIT_REJECTED, Failure, Outcome};

/// Arguments of `waybill audit`.
#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// Pulp's URL, the one its REST API and registry API answer at (http://pulp.example:24817)
    #[arg(value_name = "PULP-URL")]
    pulp: String,
    /// Print the report as JSON: {"repositories": [{"name", "version", "manifests": [{"digest",
    /// "tags", "missing": [{"digest", "media_type", "size", "urls"}]}]}], "missing_blobs",
    /// "missing_bytes"}
    #[arg(long)]
    json: bool,
    /// Only repositories whose name matches this shell pattern (repeatable); default: every one
    #[arg(long, value_name = "PATTERN")]
    repository: Vec<String>,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill audit`: exit 0 when clean, 3 when foreign blobs are missing.
pub async fn run(args: AuditArgs) -> Outcome {
    let context = &Context::new(&args.registry.network)?;
    let credentials = args.registry.login.source().resolve()?;
    let clock: Rc<dyn Fn() -> u64> =
        Rc::new(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    let client = Client::new(context.transport.clone(), args.pulp.trim_end_matches('/'))
        .map_err(|e| Failure::error(e.to_string()))?
        .with_credentials(credentials)
        .with_clock(clock);
    let wanted = |name: &str| args.repository.is_empty() || args.repository.iter().any(|p| matches(p, name));
    // A Pulp of hundreds of repositories takes a while: say where it is, on a terminal only.
    let terminal = std::io::stderr().is_terminal();
    let progress = |p: AuditProgress<'_>| {
        if terminal {
            eprint!("\rreading repository {} of {}: {}\x1b[K", p.done + 1, p.total, p.name);
        }
    };
    let report = audit(&client, &wanted, &progress).await;
    if terminal {
        eprint!("\r\x1b[K");
    }
    let report = report.map_err(|e| Failure::error(e.to_string()))?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", text(&report));
    }
    if report.is_clean() {
        return Ok(());
    }
    Err(Failure {
        code: EXIT_REJECTED,
        message: format!(
            "{} foreign blob(s) missing ({}): copy the affected tags in from a source that has the blobs \
             with `waybill copy --allow-foreign-layers`",
            report.missing_blobs,
            human(report.missing_bytes)
        ),
    })
}

fn text(report: &AuditReport) -> String {
    let mut out = String::new();
    for repository in &report.repositories {
        let version = repository.version.map_or_else(|| "no version".to_owned(), |v| format!("version {v}"));
        let broken: Vec<_> = repository.affected().collect();
        let state = match (&repository.unreadable, broken.is_empty()) {
            (Some(reason), _) => format!("not read: {reason}"),
            (None, true) => "clean".to_owned(),
            (None, false) => format!("{} manifest(s) lack foreign blobs", broken.len()),
        };
        out.push_str(&format!("{} ({version}): {state}\n", repository.name));
        for manifest in broken {
            out.push_str(&format!(
                "  {} — tags {} fail to pull\n",
                manifest.digest,
                manifest.tags.join(", ")
            ));
            for blob in &manifest.missing {
                out.push_str(&format!(
                    "    missing {} ({}, {}) urls: {}\n",
                    blob.digest,
                    blob.media_type,
                    human(blob.size),
                    blob.urls.join(", ")
                ));
            }
        }
    }
    out.push_str(&format!(
        "{} repositories: {} affected, {} tag(s) affected, {} blob(s) missing ({})\n",
        report.repositories.len(),
        report.affected_repositories(),
        report.affected_tags(),
        report.missing_blobs,
        human(report.missing_bytes)
    ));
    out
}
