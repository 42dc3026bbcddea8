//! The inspect report of an image in a registry: the manifest (one platform's, for an index), its
//! layers classified, and a summary of its config.
//!
//! Written once so that `waybill inspect --json` and the Worker's `/api/inspect` give the same
//! JSON for the same reference: each shell only supplies its transport.

use super::client::Client;
use super::resolve::{ImageError, fetch_document};
use crate::config::ImageConfig;
use crate::manifest::Manifest;
use crate::manifest_report::InspectReport;
use crate::platform::{self, PlatformSpec};
use crate::transport::Transport;

/// Configs larger than this are not read (no image config is anywhere near it); the report then
/// lacks the config summary.
pub const CONFIG_LIMIT: u64 = 16 * 1024 * 1024;

/// Fetches `repository:reference` and reports on it. For an index with a `platform`, the report is
/// that platform's image, with the index's platforms listed; without one, the index itself. The
/// image config is read (digest-checked) for the summary; a config that is not an image config is
/// a warning in the report, not an error.
pub async fn inspect<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
    platform: Option<&PlatformSpec>,
) -> Result<InspectReport, ImageError>
where
    T::Chunk: Clone,
{
    let top = fetch_document(client, repository, reference).await?;
    let (document, index_platforms) = match (top.manifest(), platform) {
        (Manifest::Index(index), Some(spec)) => {
            let entry = platform::select(index, spec)?;
            let child = fetch_document(client, repository, &entry.digest.to_string()).await?;
            (child, Some(InspectReport::from_document(&top).platforms))
        }
        (_, None) => (top, None),
        (_, Some(spec)) => {
            return Err(ImageError::NotAnIndex {
                reference: format!("{repository}:{reference}"),
                platform: spec.to_string(),
            });
        }
    };
    let mut report = InspectReport::from_document(&document);
    if let Manifest::Image(image) = document.manifest() {
        let config = &image.config;
        if config.size <= CONFIG_LIMIT {
            let mut stream = client.get_blob(repository, &config.digest, Some(config.size)).await?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await? {
                bytes.extend_from_slice(&chunk);
            }
            match ImageConfig::parse(&bytes) {
                Ok(parsed) => report = report.with_config(&parsed),
                Err(e) => report.warnings.push(format!("the config is not an image config: {e}")),
            }
        }
    }
    // The image's report also lists the platforms of the index it was picked from.
    if let Some(platforms) = index_platforms {
        report.platforms = platforms;
    }
    Ok(report)
}
