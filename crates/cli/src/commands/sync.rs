//! `waybill sync`: mirror a repository's tags into another, foreign layers refused per tag unless
//! allowed, with a summary at the end.

use std::io::IsTerminal as _;

use waybill_core::registry::PlatformChoice;
use waybill_core::registry::upload::ChunkPolicy;
use waybill_core::transfer::CopyOptions;
use waybill_core::transfer::in_flight::BlobsInFlight;
use waybill_core::transfer::sync::{RepoAt, SyncEvent, SyncOptions, sync};

use super::Context;
use crate::args::{MirrorArgs, PlatformArgs, RegistryArgs, SourceLoginArgs, parse_size};
use crate::failure::{Failure, Outcome};
use crate::open::open_pair;
use crate::pulp_summary::{in_pulp, json, landed, render};
use crate::tag_summary::{exit_for, table};

/// Arguments of `waybill sync`.
#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Source repository: [registry/]repository
    source: String,
    /// Destination repository: [registry/]repository (each tag keeps its name)
    destination: String,
    #[command(flatten)]
    mirror: MirrorArgs,
    /// Leave signatures, attestations and referrers (sha256-<digest>[.sig|.att|.sbom] tags) behind
    #[arg(long)]
    no_referrers: bool,
    #[command(flatten)]
    platforms: PlatformArgs,
    /// Tags mirrored at the same time (their blob uploads share --concurrency): while one tag
    /// uploads a large shared layer, the others send their own
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Blobs uploaded at the same time, all tags together; each holds up to three chunks in
    /// memory (2, with 8 MiB chunks, keeps a mirror under 64 MiB)
    #[arg(long, default_value_t = 2, value_name = "N")]
    concurrency: usize,
    /// Upload chunk size (e.g. 8MiB)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8MiB")]
    chunk_size: u64,
    /// Print the summary as JSON: {"source", "destination", "tags": [{"tag", "digest", "outcome",
    /// "reason", "platforms", "companions"}]}
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryArgs,
    #[command(flatten)]
    src_login: SourceLoginArgs,
}

/// Runs `waybill sync`: exit 1 if any tag failed, else 3 if any was refused, else 0.
pub async fn run(args: SyncArgs) -> Outcome {
    let foreign_mirrors = args.mirror.foreign_mirrors.mirrors()?;
    let context = &Context::with_mirrors(&args.registry.network, &foreign_mirrors)?;
    let (src, dst) =
        open_pair(&args.source, &args.destination, &args.src_login, &args.registry.login, context)?;
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
        filter: args.mirror.tags.filter(),
        copy: CopyOptions {
            allow_foreign_layers: args.mirror.allow_foreign_layers,
            platforms,
            chunk: ChunkPolicy::for_host(dst.reference.api_host(), args.chunk_size),
            concurrency: args.concurrency,
            foreign_mirrors,
            in_flight: BlobsInFlight::with_upload_slots(args.concurrency),
        },
        jobs: usize::from(args.jobs),
        companions: !args.no_referrers,
    };
    let terminal = std::io::stderr().is_terminal();
    let events = |event: SyncEvent<'_>| match event {
        SyncEvent::Chosen { chosen, listed } if terminal => {
            eprintln!("mirroring {chosen} of {listed} tags");
        }
        SyncEvent::TagDone(result) if terminal => {
            eprintln!("{}: {}", result.tag, result.outcome.words())
        }
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
    let pulp = in_pulp(&dst.client, &landed(&report.tags, Some(dst.reference.repository()))).await;
    if args.json {
        println!("{}", json(&report, &pulp).map_err(|e| Failure::error(e.to_string()))?);
    } else {
        print!("{}{}", table(&report), render(&pulp));
    }
    exit_for(&report.tags, "mirror them")
}
