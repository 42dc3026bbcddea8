//! `waybill push <ARCHIVE> <DST-REF>`: push an image from an archive file, with the foreign-layer
//! policy decided from the archive's metadata before anything is read or sent.

use std::cell::Cell;
use std::path::PathBuf;

use waybill_core::transfer::push_archive::{AbsentForeign, PushError, PushEvent, absent_foreign, push};
use waybill_core::transfer::{CopyEvent, CopyReport, ImageAt};

use super::Context;
use super::copy::report_lines;
use crate::archive_arg::{Target, classify, open_archive};
use crate::archive_push_args::ArchivePushArgs;
use crate::args::RegistryArgs;
use crate::compressor::Cores;
use crate::failure::{Failure, Outcome};
use crate::open::open;
use crate::progress::Progress;

/// Arguments of `waybill push`.
#[derive(clap::Args, Debug)]
pub struct PushArgs {
    /// The archive file: docker save / podman save output, skopeo docker-archive: or
    /// oci-archive:, plain or gzip/zstd-compressed
    archive: PathBuf,
    /// Destination image: [registry/]repository[:tag][@digest]
    destination: String,
    /// Which image of the archive (as named by RepoTags or the OCI ref name, or by config or
    /// manifest digest); needed when the archive holds several
    #[arg(long, value_name = "NAME:TAG")]
    image: Option<String>,
    #[command(flatten)]
    push: ArchivePushArgs,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill push`; exit 3 if the foreign-layer policy refuses the image.
pub async fn run(args: PushArgs) -> Outcome {
    let path = match classify(&args.archive.display().to_string())? {
        Target::Archive(path) => path,
        Target::Reference(text) => {
            return Err(Failure::error(format!(
                "no such file: {text} (waybill push reads an archive file; to copy between registries use \
                 waybill copy)"
            )));
        }
    };
    let foreign_mirrors = args.push.mirrors()?;
    let context = &Context::with_mirrors(&args.registry.network, &foreign_mirrors)?;
    let credentials = args.registry.login.source().resolve()?;
    let dst = open(&args.destination, &context.transport, &context.plain_http, credentials)?;
    let archive = open_archive(&path, args.push.max_uncompressed_size).await?;
    let image = archive.select(args.image.as_deref())?;
    let options = args.push.options(foreign_mirrors);
    let progress = Progress::on_terminal();
    let phase = Cell::new("");
    let enter = |name: &'static str, total: u64| {
        if phase.replace(name) != name {
            progress.start(name, total);
            progress.set_position(0);
        }
    };
    let events = |event: PushEvent<'_>| match event {
        PushEvent::Verifying { done, total } => {
            enter("verify", total);
            progress.set_position(done);
        }
        PushEvent::Copy(CopyEvent::Planned { bytes, .. }) => enter("push", bytes),
        PushEvent::Copy(CopyEvent::BlobProgress { digest, done, .. }) => progress.blob(digest, done),
        PushEvent::Copy(CopyEvent::BlobDone { digest, size, .. }) => progress.blob(digest, size),
        PushEvent::Copy(CopyEvent::BlobStarted { .. } | CopyEvent::ManifestPushed { .. }) => {}
    };
    let reference = dst.reference.reference();
    let repository = dst.reference.repository();
    let to = ImageAt { client: &dst.client, repository, reference: &reference };
    let result = push(&archive, image, to, &options, &Cores::available(), &events).await;
    progress.finish();
    let report = match result {
        Err(refused @ PushError::Rejected(_)) => {
            let mut failure = Failure::from(refused);
            failure.message.push_str(&absent_note(&absent_foreign(image)));
            return Err(failure);
        }
        other => other?,
    };
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    print!("{}", summary(&path.display().to_string(), &image.label(), &args.destination, &report));
    Ok(())
}

/// On a refusal, what allowing the foreign layers would not be enough for: their blobs are not
/// in the archive (skopeo's oci-archive: leaves them out), and the ways forward — all said at
/// once, not one refusal at a time.
fn absent_note(absent: &[AbsentForeign]) -> String {
    if absent.is_empty() {
        return String::new();
    }
    let digests: Vec<String> = absent.iter().map(|a| a.digest.to_string()).collect();
    format!(
        "\n  the archive does not hold {} of their blobs ({}), so allowing them is not enough; the ways \
         forward: add --fetch-foreign to download them from their urls (https only, verified), or from a \
         mirror of those urls with --foreign-mirror URL-PREFIX=MIRROR-PREFIX; or copy the image with waybill \
         copy from a registry that holds the blobs; or export it again with a tool that keeps them (waybill \
         save)",
        absent.len(),
        digests.join(", ")
    )
}

fn summary(archive: &str, image: &str, destination: &str, report: &CopyReport) -> String {
    format!("pushed {image} from {archive} to {destination}\n{}", report_lines(report, false))
}
