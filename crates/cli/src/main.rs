//! The native `waybill` binary.

mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Waybill: inspect, verify and upload container images.
#[derive(Parser)]
#[command(name = "waybill", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app and its registry proxy on one origin (default http://127.0.0.1:8080).
    Serve(serve::ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Serve(args) => serve::run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("waybill: {e}");
            ExitCode::FAILURE
        }
    }
}
