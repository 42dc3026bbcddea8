//! Verifying an image in place: every blob downloaded and checked against its digest and size,
//! and every layer decompressed and hashed against the config's `rootfs.diff_ids`. Nothing is
//! kept: each blob streams through the verifier and the diff-ID hasher a chunk at a time.
//!
//! This file is the flow the CLI and the Worker run ([`verify`]); what a check found, and how it
//! is judged, is in `verdict.rs`, which the browser shares without running this flow.

use futures_util::StreamExt as _;

use super::foreign::fetch_foreign;
use super::foreign_mirror::ForeignMirrors;
use crate::config::ImageConfig;
use crate::diffid::DiffIdHasher;
use crate::digest::Digest;
use crate::manifest::Descriptor;
use crate::media::is_image_config;
use crate::policy::BlobRole;
use crate::registry::client::Client;
use crate::registry::inspect::CONFIG_LIMIT;
use crate::registry::pull::BlobStream;
use crate::registry::resolve::{ImageError, PlatformChoice, ResolvedImage, fetch_document, resolve_images};
use crate::transport::Transport;

mod image_verdict;
mod verify_plan;

pub use image_verdict::{BlobCheck, BlobStatus, DiffIdCheck, Fetched, ImageCheck, VerifyReport, judge_blob};
pub use verify_plan::{ConfigRead, LayerCheck, VerifyPlan};

/// How to verify.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Which manifests of an index to verify.
    pub platforms: PlatformChoice,
    /// Fetch foreign layers the registry lacks from their `urls` (https, public hosts only).
    pub allow_foreign_layers: bool,
    /// Blobs downloaded at the same time.
    pub concurrency: usize,
    /// Where foreign layers are fetched from instead of their `urls`.
    pub foreign_mirrors: ForeignMirrors,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            platforms: PlatformChoice::Unspecified,
            allow_foreign_layers: false,
            concurrency: 4,
            foreign_mirrors: ForeignMirrors::default(),
        }
    }
}

/// Progress of a verification.
#[derive(Clone, Copy, Debug)]
pub enum VerifyEvent<'a> {
    /// What will be downloaded.
    Planned {
        /// Distinct blobs.
        blobs: usize,
        /// Their total size.
        bytes: u64,
    },
    /// Bytes of a blob downloaded.
    BlobProgress {
        /// The blob.
        digest: &'a Digest,
        /// Bytes done.
        done: u64,
        /// Its size.
        total: u64,
    },
    /// A blob was checked.
    BlobChecked {
        /// The verdict.
        check: &'a BlobCheck,
    },
}

/// Verifies the image(s) `reference` names.
pub async fn verify<T: Transport>(
    client: &Client<T>,
    repository: &str,
    reference: &str,
    options: &VerifyOptions,
    events: &dyn Fn(VerifyEvent<'_>),
) -> Result<VerifyReport, ImageError> {
    let top = fetch_document(client, repository, reference).await?;
    let images = resolve_images(client, repository, reference, &top, &options.platforms).await?;
    let blobs = images.iter().map(|i| 1 + i.image.layers.len()).sum();
    let bytes =
        images.iter().map(|i| i.image.config.size + i.image.layers.iter().map(|l| l.size).sum::<u64>()).sum();
    events(VerifyEvent::Planned { blobs, bytes });
    let checking = Checking { client, repository, options, events };
    let mut checks = Vec::with_capacity(images.len());
    for image in &images {
        checks.push(checking.image(image).await);
    }
    Ok(VerifyReport::new(top.digest().clone(), top.media_type().to_owned(), checks))
}

/// What every check of one verification shares: where the blobs are, how to fetch them, and who
/// hears of the progress.
struct Checking<'a, T: Transport> {
    client: &'a Client<T>,
    repository: &'a str,
    options: &'a VerifyOptions,
    events: &'a dyn Fn(VerifyEvent<'_>),
}

impl<T: Transport> Checking<'_, T> {
    async fn image(&self, resolved: &ResolvedImage) -> ImageCheck {
        let image = &resolved.image;
        let (config_check, config) = self.config(&image.config).await;
        (self.events)(VerifyEvent::BlobChecked { check: &config_check });
        let plan = VerifyPlan::new(
            image,
            match &config {
                Ok(Some(config)) => ConfigRead::Image(config),
                Ok(None) => ConfigRead::Artifact,
                Err(why) => ConfigRead::Unreadable(why.clone()),
            },
        );
        let layers: Vec<BlobCheck> = futures_util::stream::iter(&plan.layers)
            .map(|layer| async move {
                let check = self.layer(layer).await;
                (self.events)(VerifyEvent::BlobChecked { check: &check });
                check
            })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut blobs = vec![config_check];
        blobs.extend(layers);
        ImageCheck {
            digest: resolved.document.digest().clone(),
            platform: resolved.platform.as_ref().map(ToString::to_string),
            blobs,
            problems: plan.problems,
        }
    }

    /// Downloads and verifies the config, and parses it when its media type says it is an image
    /// config.
    async fn config(&self, d: &Descriptor) -> (BlobCheck, Result<Option<ImageConfig>, String>) {
        let bytes = async {
            if d.size > CONFIG_LIMIT {
                return Err(format!("the config is {} bytes, over the {CONFIG_LIMIT}-byte limit", d.size));
            }
            let mut stream = self
                .client
                .get_blob(self.repository, &d.digest, Some(d.size))
                .await
                .map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await.map_err(|e| e.to_string())? {
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        }
        .await;
        let verified = || judge_blob(d, BlobRole::Config, None, Fetched::Verified { diff_id: None });
        match bytes {
            // An artifact's config (or the empty descriptor): no diff_ids to compare.
            Ok(_) if !is_image_config(&d.media_type) => (verified(), Ok(None)),
            Ok(bytes) => {
                let config = ImageConfig::parse(&bytes)
                    .map(Some)
                    .map_err(|e| format!("the config is not a valid image config: {e}"));
                (verified(), config)
            }
            Err(why) => {
                let check = judge_blob(d, BlobRole::Config, None, Fetched::Failed(why.clone()));
                (check, Err(format!("config unreadable: {why}")))
            }
        }
    }

    async fn layer(&self, layer: &LayerCheck) -> BlobCheck {
        let Checking { client, repository, options, events } = *self;
        let d = &layer.descriptor;
        let fetched = match client.get_blob(repository, &d.digest, Some(d.size)).await {
            Ok(stream) => hash_layer(stream, d, events).await,
            Err(error) if error.registry().is_some_and(|e| e.status == 404) && !d.urls.is_empty() => {
                if options.allow_foreign_layers {
                    match fetch_foreign(
                        client.transport(),
                        &options.foreign_mirrors,
                        &d.urls,
                        &d.digest,
                        d.size,
                    )
                    .await
                    {
                        Ok(stream) => hash_layer(stream, d, events).await,
                        Err(error) => Fetched::Failed(error.to_string()),
                    }
                } else {
                    Fetched::NotFetched(format!(
                        "the registry does not serve it, and fetching it from its urls ({}) was not allowed",
                        d.urls.join(", ")
                    ))
                }
            }
            Err(error) => Fetched::Failed(error.to_string()),
        };
        judge_blob(d, BlobRole::Layer, layer.expected_diff_id.clone(), fetched)
    }
}

async fn hash_layer<B: crate::transport::ResponseBody>(
    mut stream: BlobStream<B>,
    d: &Descriptor,
    events: &dyn Fn(VerifyEvent<'_>),
) -> Fetched {
    let mut hasher = DiffIdHasher::new();
    let mut diff_error = None;
    loop {
        match stream.next().await {
            Ok(Some(chunk)) => {
                // A decompression failure does not stop the download: the digest check still
                // says whether the blob is the one the manifest names.
                if diff_error.is_none()
                    && let Err(e) = hasher.update(&chunk)
                {
                    diff_error = Some(e.to_string());
                }
                events(VerifyEvent::BlobProgress {
                    digest: &d.digest,
                    done: stream.bytes_read(),
                    total: d.size,
                });
            }
            Ok(None) => break,
            Err(error) => return Fetched::Failed(error.to_string()),
        }
    }
    let diff_id = match diff_error {
        Some(why) => Err(why),
        None => hasher.finish().map(|id| (id.digest, id.compression)).map_err(|e| e.to_string()),
    };
    Fetched::Verified { diff_id: Some(diff_id) }
}
