//! `waybill load <ARCHIVE> <DEST>`: push every image and tag of an archive, each image refused or
//! pushed on its own, with the same summary and exit codes as `waybill sync`.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use waybill_core::archive::access::ThroughArchive;
use waybill_core::transfer::load_archive::{LoadEvent, load, targets, unnamed};
use waybill_core::transfer::sync::SyncReport;

use super::Context;
use crate::archive_arg::{Target, classify, open_archive};
use crate::archive_push_args::ArchivePushArgs;
use crate::args::RegistryArgs;
use crate::compressor::Cores;
use crate::failure::{Failure, Outcome};
use crate::open::open;
use crate::pulp_summary::{in_pulp, json, landed, render};
use crate::tag_summary::{exit_for, table};

/// Arguments of `waybill load`.
#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    /// The archive: `waybill save` output, `docker save` of several images, an OCI layout with
    /// several refs (plain, gzip or zstd)
    archive: PathBuf,
    /// Where the images go: registry/repository, each image at DEST:<its tag>; when the archive
    /// holds several source repositories, a prefix: DEST/<source repository>:<tag>
    destination: String,
    #[command(flatten)]
    push: ArchivePushArgs,
    /// Print the summary as JSON, as `waybill sync --json` does
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill load`: exit 1 if any image failed, else 3 if any was refused, else 0.
pub async fn run(args: LoadArgs) -> Outcome {
    let Target::Archive(path) = classify(&args.archive.display().to_string())? else {
        return Err(Failure::error(format!("no such file: {}", args.archive.display())));
    };
    let foreign_mirrors = args.push.mirrors()?;
    let context = &Context::with_mirrors(&args.registry.network, &foreign_mirrors)?;
    let credentials = args.registry.login.source().resolve()?;
    let dst = open(&args.destination, &context.transport, &context.plain_http, credentials)?;
    if dst.reference.tag().is_some() || dst.reference.digest().is_some() {
        return Err(Failure::error(format!(
            "{} names an image; waybill load takes a repository (or a prefix): each image keeps its own tag",
            args.destination
        )));
    }
    let archive = open_archive(&path, args.push.max_uncompressed_size).await?;
    let options = args.push.options(foreign_mirrors);
    let terminal = std::io::stderr().is_terminal();
    let started = std::cell::Cell::new(usize::MAX);
    let events = |event: LoadEvent<'_>| {
        if let LoadEvent::Push(target, _) = event
            && terminal
            && started.replace(target.image) != target.image
        {
            eprintln!("loading {}:{}", target.repository.as_deref().unwrap_or("."), target.tag);
        }
    };
    let repository = dst.reference.repository();
    let (chosen, untagged) = targets(archive.images());
    let access = ThroughArchive::new(Cores::available());
    let mut tags = load(&archive, &chosen, &access, &dst.client, repository, &options, &events).await;
    tags.extend(unnamed(archive.images(), &untagged));
    let report = SyncReport { source: path.display().to_string(), destination: dst.reference.name(), tags };
    let pulp = in_pulp(&dst.client, &landed(&report.tags, None)).await;
    if args.json {
        println!("{}", json(&report, &pulp).map_err(|e| Failure::error(e.to_string()))?);
    } else {
        print!("{}{}", table(&report), render(&pulp));
    }
    exit_for(&report.tags, "load them")
}
