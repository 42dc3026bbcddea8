//! The native `waybill` binary: inspect, verify, copy and push container images (from registries
//! or archive files), with explicit control over foreign (non-distributable) layers.
//!
//! Exit codes: 0 success, 1 error, 3 refused by the foreign-layer policy (nothing uploaded).

mod archive_arg;
mod archive_push_args;
mod args;
mod commands;
mod compressor;
mod credentials;
mod explore;
mod failure;
mod file_source;
mod listing_text;
mod open;
mod progress;
mod pulp_summary;
mod remedy;
mod render;
mod serve;
mod tag_summary;
mod transport;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use failure::{EXIT_ERROR, Failure};

/// Inspect, verify and copy container images between registries (Pulp, distribution, any OCI
/// registry), with foreign layers refused unless allowed.
#[derive(Parser, Debug)]
#[command(name = "waybill", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show a manifest's layers, classified (foreign, urls, compression), with totals: of an image
    /// in a registry, a manifest file, or every image of an archive file
    Inspect(commands::inspect::InspectArgs),
    /// Download every blob (or read it from an archive file) and check digests, sizes and diff_ids
    Verify(commands::verify::VerifyArgs),
    /// Copy an image between registries
    Copy(commands::copy::CopyArgs),
    /// Push an image from an archive file (docker save, docker-archive:, oci-archive:)
    Push(commands::push::PushArgs),
    /// Push every image and tag of an archive (waybill save, docker save of several, an OCI
    /// layout with several refs) into a registry
    Load(commands::load::LoadArgs),
    /// Save tags from registries into one OCI image-layout archive (foreign blobs included when
    /// allowed), for `waybill load` on the other side of an air gap
    Save(commands::save::SaveArgs),
    /// Mirror a repository's tags (filtered) into another, foreign layers refused per tag unless
    /// allowed; companions (signatures, referrers) travel along
    Sync(commands::sync::SyncArgs),
    /// List every tag of a repository, following the registry's pages
    Tags(commands::tags::TagsArgs),
    /// List the files of an image (merged, the default) or of one layer, or its layers with their
    /// history: in a registry or an archive file
    Ls(commands::ls::LsArgs),
    /// Write one file of an image (its merged view) to stdout
    Cat(commands::cat::CatArgs),
    /// What differs between two images (registry references or archive files): layers, config,
    /// files
    Diff(commands::diff::DiffArgs),
    /// Audit a Pulp for foreign layers whose blobs it lacks (what its own sync leaves out), and
    /// the tags whose pull would fail
    Audit(commands::audit::AuditArgs),
    /// Serve the app and its registry proxy on one origin (default http://127.0.0.1:8080)
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("waybill: {failure}");
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::error(format!("cannot start the async runtime: {e}")))?;
    // The core's futures are not Send; block_on runs them on this thread while hyper's
    // connection tasks (and the server's) run on the runtime's workers.
    runtime.block_on(async {
        match cli.command {
            Command::Inspect(args) => commands::inspect::run(args).await,
            Command::Verify(args) => commands::verify::run(args).await,
            Command::Copy(args) => commands::copy::run(args).await,
            Command::Push(args) => commands::push::run(args).await,
            Command::Load(args) => commands::load::run(args).await,
            Command::Save(args) => commands::save::run(args).await,
            Command::Sync(args) => commands::sync::run(args).await,
            Command::Tags(args) => commands::tags::run(args).await,
            Command::Audit(args) => commands::audit::run(args).await,
            Command::Ls(args) => commands::ls::run(args).await,
            Command::Cat(args) => commands::cat::run(args).await,
            Command::Diff(args) => commands::diff::run(args).await,
            Command::Serve(args) => serve::run(args).await.map_err(|e| Failure::error(e.to_string())),
        }
    })
}
