//! `waybill copy`: copy an image between registries, with the foreign-layer policy decided
//! before anything is uploaded.

use std::cell::Cell;

use waybill_core::registry::upload::ChunkPolicy;
use waybill_core::size::human;
use waybill_core::transfer::{CopyEvent, CopyOptions, CopyReport, ImageAt, copy};

use super::Context;
use crate::args::{ForeignMirrorArgs, PlatformArgs, RegistryArgs, SourceLoginArgs, parse_size};
use crate::failure::Outcome;
use crate::open::open_pair;
use crate::progress::Progress;

/// Arguments of `waybill copy`.
#[derive(clap::Args, Debug)]
pub struct CopyArgs {
    /// Source image: [registry/]repository[:tag][@digest]
    source: String,
    /// Destination image: [registry/]repository[:tag][@digest]
    destination: String,
    /// Upload foreign (non-distributable) layers instead of refusing the image. Pulp needs the
    /// blobs and keeps their urls; the source registry is asked for them first, their urls only
    /// if it lacks them (https, public hosts, no credentials)
    #[arg(long)]
    allow_foreign_layers: bool,
    #[command(flatten)]
    mirrors: ForeignMirrorArgs,
    #[command(flatten)]
    platforms: PlatformArgs,
    /// Upload chunk size (e.g. 8MiB, 4M, 5MB); kept within the registry's announced limits,
    /// and at most 4 MiB for ghcr.io
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8MiB")]
    chunk_size: u64,
    /// Blobs copied at the same time (each holds at most two chunks in memory)
    #[arg(long, default_value_t = 4, value_name = "N")]
    concurrency: usize,
    #[command(flatten)]
    registry: RegistryArgs,
    #[command(flatten)]
    src_login: SourceLoginArgs,
}

/// Runs `waybill copy`; exit 3 if the foreign-layer policy refuses the image.
pub async fn run(args: CopyArgs) -> Outcome {
    let foreign_mirrors = args.mirrors.mirrors()?;
    let context = &Context::with_mirrors(&args.registry.network, &foreign_mirrors)?;
    let (src, dst) =
        open_pair(&args.source, &args.destination, &args.src_login, &args.registry.login, context)?;
    let chunk = ChunkPolicy::for_host(dst.reference.api_host(), args.chunk_size);
    let options = CopyOptions {
        allow_foreign_layers: args.allow_foreign_layers,
        platforms: args.platforms.choice()?,
        chunk,
        concurrency: args.concurrency,
        foreign_mirrors,
        ..CopyOptions::default()
    };
    let progress = Progress::on_terminal();
    let patches = Cell::new(0u64);
    let events = |event: CopyEvent<'_>| match event {
        CopyEvent::Planned { bytes, .. } => progress.start("copy", bytes),
        CopyEvent::BlobProgress { digest, done, .. } => {
            patches.set(patches.get() + 1);
            progress.blob(digest, done);
        }
        CopyEvent::BlobDone { digest, size, .. } => progress.blob(digest, size),
        CopyEvent::BlobStarted { .. } | CopyEvent::ManifestPushed { .. } => {}
    };
    let (src_reference, dst_reference) = (src.reference.reference(), dst.reference.reference());
    let result = copy(
        ImageAt { client: &src.client, repository: src.reference.repository(), reference: &src_reference },
        ImageAt { client: &dst.client, repository: dst.reference.repository(), reference: &dst_reference },
        &options,
        &events,
    )
    .await;
    progress.finish();
    let report = result?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    print!("{}", summary(&args.source, &args.destination, &report));
    Ok(())
}

fn summary(source: &str, destination: &str, report: &CopyReport) -> String {
    let mut text = format!("copied {source} to {destination}\n{}", report_lines(report, true));
    if report.manifests.is_empty() {
        text.push_str("  the destination already had this manifest: nothing was sent\n");
    }
    text
}

/// The manifest and blob lines of a copy's or a push's summary, one wording for both; a push
/// from an archive mounts nothing, so its line leaves `mounted` out.
pub(crate) fn report_lines(report: &CopyReport, with_mounted: bool) -> String {
    let tally = report.tally();
    let mounted = if with_mounted { format!("{} mounted, ", tally.mounted) } else { String::new() };
    format!(
        "  manifest {} ({})\n  {} blobs: {} uploaded ({}), {} already present, {mounted}{} from urls\n",
        report.digest,
        report.media_type,
        report.blobs.len(),
        tally.uploaded,
        human(tally.uploaded_bytes),
        tally.already_present,
        tally.from_urls,
    )
}
