//! The native `waybill` binary: inspect, verify and copy container images, with explicit control
//! over foreign (non-distributable) layers, and serve the app with its registry proxy.
//!
//! Exit codes: 0 success, 1 error, 3 refused by the foreign-layer policy (nothing uploaded).

mod args;
mod commands;
mod credentials;
mod failure;
mod open;
mod progress;
mod render;
mod serve;
mod transport;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::Context;
use failure::{EXIT_ERROR, Failure};
use transport::NativeTransport;

/// Inspect, verify and copy container images between registries (Pulp, distribution, any OCI
/// registry), with foreign layers refused unless allowed.
#[derive(Parser, Debug)]
#[command(name = "waybill", version, about, long_about = None)]
struct Cli {
    /// Allow plain HTTP to this registry host (host or host:port); loopback is always allowed.
    /// Repeatable
    #[arg(long, global = true, value_name = "HOST")]
    plain_http: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show a manifest's layers, classified (foreign, urls, compression), with totals
    Inspect(commands::inspect::InspectArgs),
    /// Download every blob and check digests, sizes and diff_ids
    Verify(commands::verify::VerifyArgs),
    /// Copy an image between registries
    Copy(commands::copy::CopyArgs),
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
    // connection tasks run on the runtime's workers.
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await.map_err(|e| Failure::error(e.to_string())),
            Command::Inspect(args) => commands::inspect::run(args, &context(cli.plain_http)?).await,
            Command::Verify(args) => commands::verify::run(args, &context(cli.plain_http)?).await,
            Command::Copy(args) => commands::copy::run(args, &context(cli.plain_http)?).await,
        }
    })
}

/// What the network commands share: one HTTP client (`serve` builds its own, policy-checked).
fn context(plain_http: Vec<String>) -> Result<Context, Failure> {
    let transport = NativeTransport::new(plain_http.clone()).map_err(Failure::error)?;
    Ok(Context { transport, plain_http })
}
