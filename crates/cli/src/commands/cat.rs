//! `waybill cat REF|ARCHIVE PATH`: one file's bytes from the image's merged view, to stdout.
//!
//! Two passes: every layer is listed to build the merged view (which layer last wrote PATH,
//! through symbolic links inside the image and hard links), then that one layer is read again
//! and the file's bytes are written as they pass. The layer is read to its end either way, so its
//! digest and diff ID are checked: a layer that fails them fails the command (exit 1) after its
//! bytes were written, as a pipe from a download would.

use std::io::Write as _;
use std::ops::ControlFlow;

use waybill_core::layers::views::{merged_view, read_file, resolve_file};

use super::Context;
use crate::args::RegistryArgs;
use crate::explore::{Explored, ImageArgs};
use crate::failure::{Failure, Outcome};

/// Arguments of `waybill cat`.
#[derive(clap::Args, Debug)]
pub struct CatArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// The file's path in the image (`etc/os-release`, `/etc/os-release`)
    #[arg(value_name = "PATH")]
    path: String,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill cat`.
pub async fn run(args: CatArgs) -> Outcome {
    let context = &Context::new(&args.registry.network)?;
    let explored = Explored::open(&args.image, || args.registry.login.source().resolve(), context).await?;
    let layers = explored.layers();
    let fs = merged_view(&layers, &explored.image, false).await?;
    let content = resolve_file(&fs, &args.path)?;
    let mut out = std::io::stdout().lock();
    let mut failed = None;
    let mut write = |piece: &[u8]| match out.write_all(piece) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            failed = Some(e);
            ControlFlow::Break(())
        }
    };
    read_file(&layers, &explored.image, &content, &mut write).await?;
    let flushed = out.flush();
    match failed.map_or(flushed, Err) {
        Ok(()) => Ok(()),
        // `| head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::error(format!("writing to stdout: {e}"))),
    }
}
