//! `waybill inspect <ARCHIVE>` and `waybill verify <ARCHIVE>`: what an archive file holds, and
//! whether every blob in it is what its metadata says.

use std::fmt::Write as _;
use std::path::Path;

use waybill_core::archive::report::{ArchiveReport, ImageReport};
use waybill_core::archive::verify::{BlobStatus, ImageVerification, verify};
use waybill_core::archive::{ArchiveImage, Presence};
use waybill_core::size::human;

use crate::archive_arg::open_archive;
use crate::failure::{Failure, Outcome};
use crate::progress::Progress;
use crate::render::{LayerRow, layer_table};

/// Prints the archive's images and layers (`--json`: the [`ArchiveReport`]).
pub async fn inspect(path: &Path, json: bool, max_uncompressed: Option<u64>) -> Outcome {
    let archive = open_archive(path, max_uncompressed).await?;
    let report = ArchiveReport::new(&archive);
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", report_text(&path.display().to_string(), &report));
    }
    Ok(())
}

/// Verifies every image (or the one `image` names); fails (exit 1) if any blob fails.
pub async fn verify_archive(
    path: &Path,
    image: Option<&str>,
    json: bool,
    max_uncompressed: Option<u64>,
) -> Outcome {
    let archive = open_archive(path, max_uncompressed).await?;
    let images: Vec<&ArchiveImage> = match image {
        Some(name) => vec![archive.select(Some(name))?],
        None => archive.images().iter().collect(),
    };
    let progress = Progress::on_terminal();
    let started = std::cell::Cell::new(false);
    let events = |done: u64, total: u64| {
        if !started.replace(true) {
            progress.start("verify", total);
        }
        progress.set_position(done);
    };
    let result = verify(&archive, &images, &events).await;
    progress.finish();
    let checks = result.map_err(|e| Failure::error(format!("{}: {e}", path.display())))?;
    if json {
        let text = serde_json::to_string_pretty(&checks).map_err(|e| Failure::error(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", verify_text(&checks));
    }
    let failed: usize = checks.iter().map(|c| c.failures().len()).sum();
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::error(format!("{}: verification failed ({failed} problem(s))", path.display())))
    }
}

fn report_text(name: &str, report: &ArchiveReport) -> String {
    let mut out = String::new();
    let formats: Vec<&str> = report
        .formats
        .iter()
        .map(|f| match f {
            waybill_core::archive::ImageFormat::DockerSave => "docker-save",
            waybill_core::archive::ImageFormat::OciLayout => "OCI layout",
        })
        .collect();
    let _ = writeln!(
        out,
        "Archive  {name} ({}, {}, {}, {} entries)",
        formats.join(" + "),
        match report.compression.as_str() {
            "none" => "uncompressed",
            other => other,
        },
        human(report.file_size),
        report.entries
    );
    for image in &report.images {
        image_text(&mut out, image);
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

fn image_text(out: &mut String, image: &ImageReport) {
    let names = if image.names.is_empty() { "(untagged)".to_owned() } else { image.names.join(", ") };
    let _ = write!(out, "\nImage    {names}");
    if let (Some(media_type), Some(digest)) = (&image.media_type, &image.digest) {
        let _ = write!(out, "\n         {digest} ({media_type})");
    }
    out.push('\n');
    for m in &image.manifests {
        let _ = write!(out, "  {}  config {} {}", m.heading(), m.config.digest, human(m.config.size));
        if let Some(created) = &m.config.created {
            let _ = write!(out, "  created {created}");
        }
        out.push('\n');
        let rows = m.layers.iter().map(|layer| LayerRow {
            digest: layer
                .digest
                .as_ref()
                .map_or_else(|| "(known after verify)".to_owned(), |d| d.to_string()),
            size: human(layer.size),
            compression: layer.compression.as_str(),
            foreign: layer.foreign,
            presence: Some(match layer.presence {
                Presence::Present => "present",
                Presence::UncompressedOnly => "uncompressed only",
                Presence::Missing => "MISSING",
            }),
            media_type: &layer.media_type,
            urls: &layer.urls,
        });
        layer_table(out, "  ", true, rows);
    }
    let _ = writeln!(
        out,
        "  {} layers, {} total; {} foreign ({} not in the archive)",
        image.manifests.iter().map(|m| m.layers.len()).sum::<usize>(),
        human(image.total_size),
        image.foreign_count,
        image.foreign_absent
    );
    for warning in &image.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
}

fn verify_text(checks: &[ImageVerification]) -> String {
    let mut out = String::new();
    for image in checks {
        let _ = writeln!(out, "{}", image.image);
        for m in &image.manifests {
            match &m.digest {
                Some(digest) => {
                    let _ = writeln!(out, "  {} {digest}", m.platform);
                }
                None => {
                    let _ = writeln!(out, "  {}", m.platform);
                }
            }
            for problem in &m.problems {
                let _ = writeln!(out, "    FAILED  manifest: {problem}");
            }
            for blob in &m.blobs {
                let (mark, detail) = match &blob.status {
                    BlobStatus::Verified => ("ok", String::new()),
                    BlobStatus::Failed(why) => ("FAILED", format!(": {why}")),
                    // Every absent blob is a foreign layer's, which push fetches on request.
                    BlobStatus::Absent(why) => {
                        ("absent", format!(": {why} (push --fetch-foreign fetches it)"))
                    }
                };
                let role = format!("{:?}", blob.role).to_lowercase();
                let digest = blob
                    .digest
                    .as_ref()
                    .or(blob.expected_digest.as_ref())
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let size = blob.size.map(human).unwrap_or_default();
                let foreign = if blob.foreign { " FOREIGN" } else { "" };
                let _ = write!(out, "    {mark:<7} {role:<6} {digest} {size:>10}{foreign}");
                if let (Some(diff_id), BlobStatus::Verified) = (&blob.diff_id, &blob.status)
                    && blob.expected_diff_id.is_some()
                {
                    let _ = write!(out, "  diff_id ok {diff_id}");
                }
                let _ = writeln!(out, "{detail}");
            }
        }
    }
    let ok = checks.iter().all(ImageVerification::ok);
    let _ = writeln!(out, "{}", if ok { "verified" } else { "verification FAILED" });
    out
}
