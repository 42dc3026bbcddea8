//! The human-readable inspect reports: a registry image's (its classified layer table and
//! totals), and the layer table an archive's report shares with it.

use std::fmt::Write as _;

use waybill_core::manifest::title;
use waybill_core::manifest_report::{InspectReport, ManifestKind};
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
            let platform = title(entry.platform.as_deref().unwrap_or("(none)"), entry.attests.as_ref());
            let _ = writeln!(out, "  {platform:<32} {} {}", entry.digest, human(entry.size));
        }
    }
    if !report.layers.is_empty() {
        let rows = report.layers.iter().map(|layer| LayerRow {
            digest: layer.digest.to_string(),
            size: layer.size.map_or_else(|| "?".to_owned(), human),
            compression: layer.compression.as_str(),
            foreign: layer.foreign,
            presence: None,
            media_type: &layer.media_type,
            urls: &layer.urls,
        });
        layer_table(&mut out, "", false, rows);
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

/// One row of a layer table.
pub struct LayerRow<'a> {
    /// The digest, or what stands for it.
    pub digest: String,
    /// The size, human-readable.
    pub size: String,
    /// `gzip`, `zstd`, `none`.
    pub compression: &'a str,
    /// Foreign (non-distributable) by media type.
    pub foreign: bool,
    /// What the archive holds of the layer (archive reports only).
    pub presence: Option<&'a str>,
    /// The media type.
    pub media_type: &'a str,
    /// The descriptor's urls, a line each under the row.
    pub urls: &'a [String],
}

/// The layer table, every line prefixed with `indent`: a header, then a numbered row per layer
/// with its urls beneath. `in_archive` adds the IN ARCHIVE column (each row's `presence`).
pub fn layer_table<'a>(
    out: &mut String,
    indent: &str,
    in_archive: bool,
    rows: impl IntoIterator<Item = LayerRow<'a>>,
) {
    let presence_header = if in_archive { format!("{:<17}  ", "IN ARCHIVE") } else { String::new() };
    let _ = writeln!(
        out,
        "{indent}{:>3}  {:<71}  {:>10}  {:<5}  {:<7}  {presence_header}MEDIA TYPE",
        "#", "DIGEST", "SIZE", "COMP", "FOREIGN"
    );
    for (i, row) in rows.into_iter().enumerate() {
        let presence =
            if in_archive { format!("{:<17}  ", row.presence.unwrap_or_default()) } else { String::new() };
        let _ = writeln!(
            out,
            "{indent}{:>3}  {:<71}  {:>10}  {:<5}  {:<7}  {presence}{}",
            i + 1,
            row.digest,
            row.size,
            row.compression,
            if row.foreign { "FOREIGN" } else { "" },
            row.media_type
        );
        for url in row.urls {
            let _ = writeln!(out, "{indent}     urls: {url}");
        }
    }
}
