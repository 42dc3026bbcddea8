//! `waybill load <ARCHIVE> <DEST>`: push every image and tag of an archive, each image refused or
//! pushed on its own, with the same summary and exit codes as `waybill sync`.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use waybill_core::archive::build::LayerCompression;
use waybill_core::archive::load::{LoadTarget, load};
use waybill_core::archive::push::{PushEvent, PushOptions};
use waybill_core::registry::sync::SyncReport;
use waybill_core::registry::upload::ChunkPolicy;

use super::Context;
use super::push::Compress;
use crate::archive_arg::{Target, classify, open_archive};
use crate::args::{ForeignMirrorArgs, LoginArgs, NetworkArgs, parse_size};
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
    /// Upload foreign (non-distributable) layers; without it an image that has any is refused
    /// and reported (exit 3), and the others are still loaded
    #[arg(long)]
    allow_foreign_layers: bool,
    /// Download foreign layers the archive lacks from their urls (https, public hosts, verified)
    #[arg(long, requires = "allow_foreign_layers")]
    fetch_foreign: bool,
    #[command(flatten)]
    mirrors: ForeignMirrorArgs,
    /// Load Windows images of a docker-save archive without LayerSources (which lost the
    /// foreign-layer marks) as they are, their base layers as ordinary layers
    #[arg(long)]
    accept_lost_foreign_marks: bool,
    /// How to push uncompressed docker-save layers (gzip changes their digests)
    #[arg(long, value_enum, default_value_t = Compress::None)]
    compress: Compress,
    /// Upload chunk size (e.g. 8MiB)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8MiB")]
    chunk_size: u64,
    /// For compressed archives: the most bytes decompression may produce
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_uncompressed_size: Option<u64>,
    /// Print the summary as JSON, as `waybill sync --json` does
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    login: LoginArgs,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Runs `waybill load`: exit 1 if any image failed, else 3 if any was refused, else 0.
pub async fn run(args: LoadArgs) -> Outcome {
    let Target::Archive(path) = classify(&args.archive.display().to_string())? else {
        return Err(Failure::error(format!("no such file: {}", args.archive.display())));
    };
    let foreign_mirrors = args.mirrors.mirrors()?;
    let context = &Context::with_mirrors(&args.network, &foreign_mirrors)?;
    let credentials = args.login.source().resolve()?;
    let dst = open(&args.destination, &context.transport, &context.plain_http, credentials)?;
    if dst.reference.tag().is_some() || dst.reference.digest().is_some() {
        return Err(Failure::error(format!(
            "{} names an image; waybill load takes a repository (or a prefix): each image keeps its own tag",
            args.destination
        )));
    }
    let archive = open_archive(&path, args.max_uncompressed_size).await?;
    let options = PushOptions {
        allow_foreign_layers: args.allow_foreign_layers,
        fetch_foreign: args.fetch_foreign,
        foreign_mirrors,
        accept_lost_marks: args.accept_lost_foreign_marks,
        compress: match args.compress {
            Compress::None => LayerCompression::None,
            Compress::Gzip => LayerCompression::Gzip,
        },
        chunk: ChunkPolicy::new(args.chunk_size),
    };
    let terminal = std::io::stderr().is_terminal();
    let started = std::cell::Cell::new(usize::MAX);
    let events = |target: &LoadTarget, _: PushEvent<'_>| {
        if terminal && started.replace(target.image) != target.image {
            eprintln!("loading {}:{}", target.repository.as_deref().unwrap_or("."), target.tag);
        }
    };
    let tags = load(&archive, &dst.client, dst.reference.repository(), &options, &events).await;
    let report = SyncReport { source: path.display().to_string(), destination: dst.reference.name(), tags };
    let pulp = in_pulp(&dst.client, &landed(&report.tags, None)).await;
    if args.json {
        println!("{}", json(&report, &pulp).map_err(|e| Failure::error(e.to_string()))?);
    } else {
        print!("{}{}", table(&report), render(&pulp));
    }
    exit_for(&report.tags, "load them")
}
