//! Inspecting an image in a registry: the manifest a reference names, for an index the image of
//! the platform asked for, and that image's config.
//!
//! Written once for every shell: `waybill inspect --json` and the Worker's `/api/inspect` give
//! [`Inspection::into_report`] (the same JSON for the same reference), and the browser shows the
//! [`Inspection`] itself (the documents, the config's bytes, why a config could not be read).
//! Each shell only supplies its transport, and words the errors its own way.

use super::client::Client;
use super::errors::Error;
use super::resolve::{ImageError, PlatformChoice, ResolvedImage, fetch_document, resolve_images};
use crate::config::{ConfigError, ImageConfig};
use crate::manifest::{Descriptor, Manifest, ManifestDocument, Platform};
use crate::manifest_report::InspectReport;
use crate::platform::PlatformSpec;
use crate::transport::Transport;

#[cfg(test)]
mod tests;

/// Configs larger than this are not read (no image config is anywhere near it).
pub const CONFIG_LIMIT: u64 = 16 * 1024 * 1024;

/// What inspecting a reference found.
#[derive(Debug)]
pub struct Inspection {
    /// The manifest the reference names: an image, an index or a Docker schema 1 manifest.
    pub top: ManifestDocument,
    /// The image shown: the top manifest itself, or the index entry of the platform asked for.
    /// None for an index without a platform, and for a schema 1 manifest (it has no config).
    pub image: Option<InspectedImage>,
}

/// One image manifest, with its platform and its config.
#[derive(Debug)]
pub struct InspectedImage {
    /// The manifest as fetched.
    pub document: ManifestDocument,
    /// The index entry's platform, when the image was picked from an index.
    pub platform: Option<Platform>,
    /// The config as read, or why it was not.
    pub config: Result<FetchedConfig, ConfigUnread>,
    /// The manifest's layers classified, with the config's summary when it was read.
    pub report: InspectReport,
}

/// An image config as read: parsed, and the bytes it was parsed from (for a raw view).
#[derive(Clone, Debug)]
pub struct FetchedConfig {
    /// The config.
    pub parsed: ImageConfig,
    /// Its bytes, verified against the manifest's descriptor.
    pub bytes: Vec<u8>,
}

/// Why an image's config was not read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigUnread {
    /// Larger than [`CONFIG_LIMIT`]: not fetched.
    #[error("the config is {size} bytes, more than Waybill reads ({CONFIG_LIMIT})")]
    TooLarge {
        /// The size its descriptor declares.
        size: u64,
    },
    /// The registry did not give it, or gave other bytes than the descriptor's.
    #[error(transparent)]
    Fetch(Error),
    /// The bytes are not an image config (an artifact's config often is not).
    #[error("the config is not an image config: {0}")]
    NotAnImageConfig(ConfigError),
}

/// Fetches `repository:reference` and gives the report `waybill inspect --json` and the Worker's
/// `/api/inspect` show (see [`inspect_document`] and [`Inspection::into_report`]).
pub async fn inspect<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
    platform: Option<&PlatformSpec>,
) -> Result<InspectReport, ImageError> {
    let top = fetch_document(client, repository, reference).await?;
    inspect_document(client, repository, reference, top, platform).await?.into_report()
}

/// Inspects `top`, the manifest `repository:reference` named (fetched by the shell, which may
/// want to word a missing one its own way). For an index, `platform` picks the image shown
/// (fetched and checked against its entry as every copy and verify does); without one, the index
/// is shown as itself. A platform for anything but an index is an error.
pub async fn inspect_document<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
    top: ManifestDocument,
    platform: Option<&PlatformSpec>,
) -> Result<Inspection, ImageError> {
    let image = match image_choice(&top, platform, repository, reference)? {
        None => None,
        Some(choice) => {
            // A single image, or one platform's: one image at the most.
            match resolve_images(client, repository, reference, &top, &choice).await?.pop() {
                Some(resolved) => Some(InspectedImage::read(client, repository, resolved).await),
                None => None,
            }
        }
    };
    Ok(Inspection { top, image })
}

/// Which image of `top` is shown for `platform`: the image itself; an index's entry for the
/// platform; none for an index without a platform or a schema 1 manifest. `Err` for a platform
/// asked of anything but an index (it would name an image the manifest does not have).
fn image_choice(
    top: &ManifestDocument,
    platform: Option<&PlatformSpec>,
    repository: &str,
    reference: &str,
) -> Result<Option<PlatformChoice>, ImageError> {
    match (top.manifest(), platform) {
        (Manifest::Index(_), Some(spec)) => Ok(Some(PlatformChoice::Only(spec.clone()))),
        (Manifest::Image(_), None) => Ok(Some(PlatformChoice::Unspecified)),
        (Manifest::Index(_) | Manifest::Schema1(_), None) => Ok(None),
        (Manifest::Image(_) | Manifest::Schema1(_), Some(spec)) => Err(ImageError::NotAnIndex {
            reference: format!("{repository}:{reference}"),
            platform: spec.to_string(),
        }),
    }
}

impl Inspection {
    /// The report of `waybill inspect --json` and `/api/inspect`: the image's, listing the
    /// platforms of the index it was picked from; without an image, the top manifest's. A config
    /// that is not an image config is a warning in it; one the registry will not give (or gives
    /// other bytes for) fails it: the JSON has no place to say why the summary is missing, and a
    /// script must see a broken image fail, not a report that looks whole.
    pub fn into_report(self) -> Result<InspectReport, ImageError> {
        let Some(image) = self.image else { return Ok(InspectReport::from_document(&self.top)) };
        let mut report = image.report;
        match image.config {
            Err(ConfigUnread::Fetch(error)) => return Err(error.into()),
            Err(unread @ ConfigUnread::NotAnImageConfig(_)) => report.warnings.push(unread.to_string()),
            Err(ConfigUnread::TooLarge { .. }) | Ok(_) => {}
        }
        if matches!(self.top.manifest(), Manifest::Index(_)) {
            report.platforms = InspectReport::from_document(&self.top).platforms;
        }
        Ok(report)
    }
}

impl InspectedImage {
    /// `image` with its config read from `repository`.
    async fn read<T: Transport>(
        client: &Client<T>,
        repository: &str,
        image: ResolvedImage,
    ) -> InspectedImage {
        let config = read_config(client, repository, &image.image.config).await;
        InspectedImage::new(image.document, image.platform, config)
    }

    /// The image `document` (of `platform`), its config read as `config` says, and its report.
    fn new(
        document: ManifestDocument,
        platform: Option<Platform>,
        config: Result<FetchedConfig, ConfigUnread>,
    ) -> InspectedImage {
        let mut report = InspectReport::from_document(&document);
        if let Ok(config) = &config {
            report = report.with_config(&config.parsed);
        }
        InspectedImage { document, platform, config, report }
    }
}

/// Downloads the config `descriptor` names (verified against its digest and size as it arrives)
/// and parses it; one larger than [`CONFIG_LIMIT`] is not fetched.
pub(crate) async fn read_config<T: Transport>(
    client: &Client<T>,
    repository: &str,
    descriptor: &Descriptor,
) -> Result<FetchedConfig, ConfigUnread> {
    if descriptor.size > CONFIG_LIMIT {
        return Err(ConfigUnread::TooLarge { size: descriptor.size });
    }
    let mut stream = client
        .get_blob(repository, &descriptor.digest, Some(descriptor.size))
        .await
        .map_err(ConfigUnread::Fetch)?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await.map_err(ConfigUnread::Fetch)? {
        bytes.extend_from_slice(&chunk);
    }
    match ImageConfig::parse(&bytes) {
        Ok(parsed) => Ok(FetchedConfig { parsed, bytes }),
        Err(error) => Err(ConfigUnread::NotAnImageConfig(error)),
    }
}
