//! `waybill sync`: mirror a repository's tags into another, foreign layers refused per tag unless
//! allowed, with a summary at the end.

use std::io::IsTerminal as _;

use waybill_core::registry::sync::{RepoAt, SyncEvent, SyncOptions, SyncReport, TagOutcome, TagResult, sync};
use waybill_core::registry::tag_filter::TagFilter;
use waybill_core::registry::upload::ChunkPolicy;
use waybill_core::registry::{CopyOptions, PlatformChoice};

use super::Context;
use crate::args::{LoginArgs, NetworkArgs, PlatformArgs, SourceLoginArgs, parse_size};
use crate::failure::{EXIT_ERROR, EXIT_REJECTED, Failure, Outcome};
use crate::open::open_pair;

/// Arguments of `waybill sync`.
#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Source repository: [registry/]repository
    source: String,
    /// Destination repository: [registry/]repository (each tag keeps its name)
    destination: String,
    /// Mirror only tags matching this shell pattern (*, ?, [a-z], [!x]), as Pulp's include_tags.
    /// Repeatable; default: every tag
    #[arg(long, value_name = "PATTERN")]
    include_tags: Vec<String>,
    /// Leave out tags matching this pattern, as Pulp's exclude_tags. Repeatable
    #[arg(long, value_name = "PATTERN")]
    exclude_tags: Vec<String>,
    /// Upload foreign (non-distributable) layers. Without it, a tag whose image has any is
    /// refused and reported (exit 3), and the other tags are still mirrored
    #[arg(long)]
    allow_foreign_layers: bool,
    /// Leave signatures, attestations and referrers (sha256-<digest>[.sig|.att|.sbom] tags) behind
    #[arg(long)]
    no_referrers: bool,
    #[command(flatten)]
    platforms: PlatformArgs,
    /// Tags mirrored at the same time
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Blobs of one tag copied at the same time
    #[arg(long, default_value_t = 4, value_name = "N")]
    concurrency: usize,
    /// Upload chunk size (e.g. 8MiB)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8MiB")]
    chunk_size: u64,
    /// Print the summary as JSON: {"source", "destination", "tags": [{"tag", "digest", "outcome",
    /// "reason", "platforms", "companions"}]}
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    login: LoginArgs,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    src_login: SourceLoginArgs,
}

/// Runs `waybill sync`: exit 1 if any tag failed, else 3 if any was refused, else 0.
pub async fn run(args: SyncArgs) -> Outcome {
    let context = &Context::new(&args.network)?;
    let (src, dst) = open_pair(&args.source, &args.destination, &args.src_login, &args.login, context)?;
    for (text, opened) in [(&args.source, &src), (&args.destination, &dst)] {
        if opened.reference.tag().is_some() || opened.reference.digest().is_some() {
            return Err(Failure::error(format!(
                "{text} names an image; waybill sync takes repositories, without :tag or @digest (choose tags \
                 with --include-tags)"
            )));
        }
    }
    let platforms = match args.platforms.choice()? {
        PlatformChoice::Unspecified => PlatformChoice::All,
        chosen => chosen,
    };
    let options = SyncOptions {
        filter: TagFilter { include: args.include_tags.clone(), exclude: args.exclude_tags.clone() },
        copy: CopyOptions {
            allow_foreign_layers: args.allow_foreign_layers,
            platforms,
            chunk: ChunkPolicy::for_host(dst.reference.api_host(), args.chunk_size),
            concurrency: args.concurrency,
        },
        jobs: usize::from(args.jobs),
        companions: !args.no_referrers,
    };
    let terminal = std::io::stderr().is_terminal();
    let events = |event: SyncEvent<'_>| match event {
        SyncEvent::Chosen { chosen, listed } if terminal => {
            eprintln!("mirroring {chosen} of {listed} tags");
        }
        SyncEvent::TagDone(result) if terminal => eprintln!("{}: {}", result.tag, outcome_word(result)),
        _ => {}
    };
    let (src_name, dst_name) = (src.reference.name(), dst.reference.name());
    let report = sync(
        RepoAt { client: &src.client, repository: src.reference.repository() },
        RepoAt { client: &dst.client, repository: dst.reference.repository() },
        (&src_name, &dst_name),
        &options,
        &events,
    )
    .await
    .map_err(|e| Failure::error(e.to_string()))?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", table(&report));
    }
    exit_for(&report)
}

fn exit_for(report: &SyncReport) -> Outcome {
    let count = |outcome| report.tags.iter().filter(|t| t.outcome == outcome).count();
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
                "{refused} tag(s) refused for their foreign layers (nothing of them was sent); mirror them \
                 with --allow-foreign-layers"
            ),
        });
    }
    Ok(())
}

fn outcome_word(result: &TagResult) -> &'static str {
    match result.outcome {
        TagOutcome::Copied => "copied",
        TagOutcome::UpToDate => "up to date",
        TagOutcome::Refused => "refused",
        TagOutcome::Failed => "failed",
    }
}

/// The summary table: one line per tag, then why each refused or failed tag did not arrive.
fn table(report: &SyncReport) -> String {
    let mut out = format!("{} -> {}\n", report.source, report.destination);
    let width = report.tags.iter().map(|t| t.tag.len()).max().unwrap_or(3).max(3);
    out.push_str(&format!("{:width$}  {:19}  {:10}  PLATFORMS / WITH IT\n", "TAG", "DIGEST", "OUTCOME"));
    for t in &report.tags {
        let digest = t.digest.as_ref().map(|d| d.to_string()).unwrap_or_else(|| "-".into());
        let short: String = digest.chars().take(19).collect();
        let mut extra = t.platforms.join(", ");
        if !t.companions.is_empty() {
            extra =
                format!("{extra}{}+ {}", if extra.is_empty() { "" } else { "; " }, t.companions.join(", "));
        }
        out.push_str(&format!("{:width$}  {short:19}  {:10}  {extra}\n", t.tag, outcome_word(t)));
    }
    for t in report.tags.iter().filter(|t| t.reason.is_some()) {
        out.push_str(&format!(
            "{} {}: {}\n",
            t.tag,
            outcome_word(t),
            t.reason.as_deref().unwrap_or_default()
        ));
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
