//! `waybill verify`: download every blob of an image (or read every blob of an archive file),
//! check digests and sizes, and check each layer's uncompressed content against the config's
//! diff_ids.

use std::fmt::Write as _;

use waybill_core::size::human;
use waybill_core::transfer::{BlobStatus, VerifyEvent, VerifyOptions, VerifyReport, verify};

use super::Context;
use crate::archive_arg::{Target, classify};
use crate::args::{ForeignMirrorArgs, PlatformArgs, RegistryArgs};
use crate::failure::{Failure, Outcome};
use crate::open::open;
use crate::progress::Progress;

/// Arguments of `waybill verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// Image in a registry ([registry/]repository[:tag][@digest]) or an archive file; an
    /// existing file path wins: a path to a file is read as an archive (docker save,
    /// docker-archive:, oci-archive:, plain, gzip or zstd), anything else is an image reference
    #[arg(value_name = "REFERENCE|ARCHIVE")]
    reference: String,
    /// For an archive: verify only this image (NAME:TAG, or a config or manifest digest)
    #[arg(long, value_name = "NAME:TAG")]
    image: Option<String>,
    /// For compressed archives: the most bytes decompression may produce before the archive is
    /// taken for a decompression bomb (default: 100 times the file, at least 1 GiB)
    #[arg(long, value_name = "SIZE", value_parser = crate::args::parse_size)]
    max_uncompressed_size: Option<u64>,
    #[command(flatten)]
    platforms: PlatformArgs,
    /// Fetch foreign layers the registry does not serve from their urls (https, public hosts,
    /// no credentials)
    #[arg(long)]
    allow_foreign_layers: bool,
    #[command(flatten)]
    mirrors: ForeignMirrorArgs,
    /// Blobs downloaded at the same time
    #[arg(long, default_value_t = 4, value_name = "N")]
    concurrency: usize,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill verify`; fails (exit 1) if any blob fails.
pub async fn run(args: VerifyArgs) -> Outcome {
    if let Target::Archive(path) = classify(&args.reference)? {
        return super::archive::verify_archive(
            &path,
            args.image.as_deref(),
            args.json,
            args.max_uncompressed_size,
        )
        .await;
    }
    if args.image.is_some() {
        return Err(Failure::error(
            "--image picks an image of an archive file; for a registry, name the image itself",
        ));
    }
    let foreign_mirrors = args.mirrors.mirrors()?;
    let context = &Context::with_mirrors(&args.registry.network, &foreign_mirrors)?;
    let credentials = args.registry.login.source().resolve()?;
    let opened = open(&args.reference, &context.transport, &context.plain_http, credentials)?;
    let options = VerifyOptions {
        platforms: args.platforms.choice()?,
        allow_foreign_layers: args.allow_foreign_layers,
        concurrency: args.concurrency,
        foreign_mirrors,
    };
    let progress = Progress::on_terminal();
    let events = |event: VerifyEvent<'_>| match event {
        VerifyEvent::Planned { bytes, .. } => progress.start("verify", bytes),
        VerifyEvent::BlobProgress { digest, done, .. } => progress.blob(digest, done),
        VerifyEvent::BlobChecked { check } => progress.blob(&check.digest, check.size),
    };
    let reference = opened.reference.reference();
    let result = verify(&opened.client, opened.reference.repository(), &reference, &options, &events).await;
    progress.finish();
    let report = result?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", report_text(&args.reference, &report));
    }
    if report.ok { Ok(()) } else { Err(Failure::error(format!("{}: verification failed", args.reference))) }
}

fn report_text(name: &str, report: &VerifyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{name}  {} ({})", report.digest, report.media_type);
    for image in &report.images {
        if let Some(platform) = &image.platform {
            let _ = writeln!(out, "image {} {platform}", image.digest);
        }
        for blob in &image.blobs {
            let (mark, detail) = match &blob.status {
                BlobStatus::Verified => ("ok", String::new()),
                BlobStatus::Failed(why) => ("FAILED", format!(": {why}")),
                BlobStatus::NotFetched(why) => {
                    ("skipped", format!(": {why} (--allow-foreign-layers fetches it)"))
                }
                BlobStatus::NotRun(why) => ("not run", format!(": {why}")),
            };
            let role = format!("{:?}", blob.role).to_lowercase();
            let foreign = if blob.foreign { " FOREIGN" } else { "" };
            let _ = write!(out, "  {mark:<7} {role:<6} {} {:>10}{foreign}", blob.digest, human(blob.size));
            if let (Some(diff_id), BlobStatus::Verified) = (&blob.diff_id, &blob.status) {
                let checked = if blob.expected_diff_id.is_some() { "diff_id ok" } else { "diff_id" };
                let _ = write!(out, "  {checked} {diff_id}");
            }
            let _ = writeln!(out, "{detail}");
        }
        for problem in &image.problems {
            let _ = writeln!(out, "  FAILED  {problem}");
        }
    }
    let _ = writeln!(out, "{}", if report.ok { "verified" } else { "verification FAILED" });
    out
}
