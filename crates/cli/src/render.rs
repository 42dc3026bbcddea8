//! The human-readable inspect report: the classified layer table and its totals.

use std::fmt::Write as _;

use waybill_core::report::{InspectReport, ManifestKind};
use waybill_core::size::human;

/// The report as text, ending with a newline.
pub fn report_text(report: &InspectReport) -> String {
    let mut out = String::new();
    let kind = match report.kind {
        ManifestKind::Image => "image manifest",
        ManifestKind::Index => "index",
        ManifestKind::Schema1 => "schema 1 manifest (legacy, read-only)",
    };
    let _ = writeln!(
        out,
        "Manifest  {} ({kind}, {}, {} bytes)",
        report.digest, report.media_type, report.manifest_size
    );
    if let Some(artifact) = &report.artifact_type {
        let _ = writeln!(out, "Artifact  {artifact}");
    }
    if let Some(config) = &report.config {
        let _ = write!(out, "Config    {} {}", config.digest, human(config.size));
        if let Some(platform) = &config.platform {
            let _ = write!(out, "  {platform}");
        }
        if let Some(created) = &config.created {
            let _ = write!(out, "  created {created}");
        }
        if let Some(count) = config.diff_id_count {
            let _ = write!(out, "  {count} diff_ids");
        }
        out.push('\n');
        if let Some(problem) = &config.alignment_error {
            let _ = writeln!(out, "          ! {problem}");
        }
    }
    if !report.platforms.is_empty() {
        let _ = writeln!(out, "Platforms");
        for entry in &report.platforms {
            let platform = entry.platform.as_deref().unwrap_or("(none)");
            let _ = writeln!(out, "  {platform:<32} {} {}", entry.digest, human(entry.size));
        }
    }
    if !report.layers.is_empty() {
        let _ = writeln!(
            out,
            "{:>3}  {:<71}  {:>10}  {:<5}  {:<7}  MEDIA TYPE",
            "#", "DIGEST", "SIZE", "COMP", "FOREIGN"
        );
        for (i, layer) in report.layers.iter().enumerate() {
            let size = layer.size.map_or_else(|| "?".to_owned(), human);
            let foreign = if layer.foreign { "FOREIGN" } else { "" };
            let _ = writeln!(
                out,
                "{:>3}  {:<71}  {size:>10}  {:<5}  {foreign:<7}  {}",
                i + 1,
                layer.digest.to_string(),
                layer.compression.as_str(),
                layer.media_type
            );
            for url in &layer.urls {
                let _ = writeln!(out, "     urls: {url}");
            }
        }
        let _ = writeln!(
            out,
            "{} layers, {} total; {} foreign ({})",
            report.layer_count,
            human(report.total_size),
            report.foreign_count,
            human(report.foreign_size)
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}
