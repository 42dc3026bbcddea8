//! Registry-to-registry copy: the whole data path of invariants 1–3 in one place.
//!
//! 1. Read the source manifest(s) and plan the copy ([`CopyPlan`]: the foreign-layer policy for
//!    every image, each blob's route, the manifests in order) *before* anything is sent to the
//!    destination (a refused plan sends nothing, not even a HEAD). If the destination already has
//!    the manifest under the reference, stop there.
//! 2. Move each planned blob: skip it if the destination has it (HEAD, size checked), mount it
//!    when both sides are the same registry, otherwise stream it — from the source registry,
//!    or for an allowed foreign layer the registry lacks, from its `urls` — through the
//!    verifier into a chunked upload that is finalised only once the bytes proved right.
//! 3. Only when every blob is verified and present, PUT the manifests with their exact bytes:
//!    an index's images by digest first, then the top manifest under the destination tag.

use serde::{Deserialize, Serialize};

mod copy_plan;

pub use copy_plan::{BlobRoute, BlobStep, CopyPlan, ManifestPut, PlanFor};

use super::copy_event::{BlobOutcome, CopyEvent};
use super::foreign::fetch_foreign;
use super::foreign_mirror::ForeignMirrors;
use super::in_flight::BlobsInFlight;
use super::move_blobs::{Moved, Planned, move_blobs};
use crate::digest::Digest;
use crate::manifest::{Manifest, ManifestDocument};
use crate::registry::auth::Scope;
use crate::registry::blob_source::StreamSource;
use crate::registry::client::Client;
use crate::registry::errors::Error;
use crate::registry::push::Mount;
use crate::registry::resolve::{ImageError, PlatformChoice, fetch_document, resolve_images};
use crate::registry::upload::ChunkPolicy;
use crate::transport::Transport;

/// An image in a registry: the client, the repository and a tag or digest.
pub struct ImageAt<'a, T: Transport> {
    /// The registry.
    pub client: &'a Client<T>,
    /// The repository path, e.g. `library/ubuntu`.
    pub repository: &'a str,
    /// A tag or a digest.
    pub reference: &'a str,
}

/// How to copy.
#[derive(Clone, Debug)]
pub struct CopyOptions {
    /// Upload foreign (non-distributable) layers instead of refusing the image.
    pub allow_foreign_layers: bool,
    /// Which manifests of an index to copy.
    pub platforms: PlatformChoice,
    /// Upload chunk sizing.
    pub chunk: ChunkPolicy,
    /// Blobs moved at the same time (each holds at most two chunks in memory).
    pub concurrency: usize,
    /// Where foreign layers the source lacks are fetched from instead of their `urls`.
    pub foreign_mirrors: ForeignMirrors,
    /// Blobs other copies with a clone of these options are moving: a blob is moved by one of
    /// them at a time (the tags of a sync, which share their base layers).
    pub in_flight: BlobsInFlight,
}

impl Default for CopyOptions {
    fn default() -> CopyOptions {
        CopyOptions {
            allow_foreign_layers: false,
            platforms: PlatformChoice::Unspecified,
            chunk: ChunkPolicy::default(),
            concurrency: 4,
            foreign_mirrors: ForeignMirrors::default(),
            in_flight: BlobsInFlight::default(),
        }
    }
}

/// What a copy did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyReport {
    /// The digest of the manifest pushed under the destination reference.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Every blob, in plan order, with its size and outcome.
    pub blobs: Vec<(Digest, u64, BlobOutcome)>,
    /// Every manifest pushed, in push order (none when the destination already had it).
    pub manifests: Vec<Digest>,
    /// The platforms of the images copied (`os/arch[/variant]`), none for a single image.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// The policy's warnings (layers some registries refuse).
    pub warnings: Vec<String>,
}

/// How a report's blobs got there, counted: what every shell's summary says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlobTally {
    /// Uploaded, from the source or from their `urls`.
    pub uploaded: usize,
    /// The bytes of those.
    pub uploaded_bytes: u64,
    /// Already on the destination.
    pub already_present: usize,
    /// Mounted from the source repository.
    pub mounted: usize,
    /// Uploaded from their `urls` (counted in `uploaded` too).
    pub from_urls: usize,
}

impl CopyReport {
    /// The blobs' outcomes, counted.
    pub fn tally(&self) -> BlobTally {
        let mut tally = BlobTally::default();
        for &(_, size, outcome) in &self.blobs {
            match outcome {
                BlobOutcome::AlreadyPresent => tally.already_present += 1,
                BlobOutcome::Mounted => tally.mounted += 1,
                BlobOutcome::Uploaded | BlobOutcome::UploadedFromUrls | BlobOutcome::Compressed => {
                    tally.uploaded += 1;
                    tally.uploaded_bytes += size;
                    if outcome == BlobOutcome::UploadedFromUrls {
                        tally.from_urls += 1;
                    }
                }
            }
        }
        tally
    }
}

/// Copies an image (or some or all of an index) from `src` to `dst`: reads the source's
/// manifests, plans the copy ([`CopyPlan`]) and runs the plan.
pub async fn copy<T: Transport>(
    src: ImageAt<'_, T>,
    dst: ImageAt<'_, T>,
    options: &CopyOptions,
    events: &dyn Fn(CopyEvent<'_>),
) -> Result<CopyReport, ImageError> {
    let top = fetch_document(src.client, src.repository, src.reference).await?;
    let images = resolve_images(src.client, src.repository, src.reference, &top, &options.platforms).await?;
    let mount_from =
        (src.client.same_registry(dst.client) && src.repository != dst.repository).then_some(src.repository);
    let plan = CopyPlan::new(
        top,
        images,
        PlanFor {
            source: src.reference,
            destination: dst.reference,
            mount_from,
            platforms: &options.platforms,
            allow_foreign_layers: options.allow_foreign_layers,
        },
    )?;
    run(&plan, &src, &dst, options, events).await
}

/// Runs a plan: blobs first, then the manifests, or nothing when the destination has it all.
async fn run<T: Transport>(
    plan: &CopyPlan,
    src: &ImageAt<'_, T>,
    dst: &ImageAt<'_, T>,
    options: &CopyOptions,
    events: &dyn Fn(CopyEvent<'_>),
) -> Result<CopyReport, ImageError> {
    events(CopyEvent::Planned { blobs: plan.blobs.len(), bytes: plan.bytes() });
    let top = plan.top();
    let report = |blobs, manifests| CopyReport {
        digest: top.digest().clone(),
        media_type: top.media_type().to_owned(),
        blobs,
        manifests,
        platforms: plan.platforms.clone(),
        warnings: plan.warnings.clone(),
    };

    // Already there under this reference, with this digest: a registry keeps a manifest only
    // with its blobs, so there is nothing to move — except foreign layers' blobs, which Pulp's own
    // sync leaves out while keeping the manifest (what the Pulp audit finds): those are asked for.
    let existing = dst.client.head_manifest(dst.repository, dst.reference).await?;
    if existing.and_then(|head| head.digest).as_ref() == Some(top.digest())
        && foreign_blobs_present(dst, plan).await?
    {
        let blobs = plan
            .blobs
            .iter()
            .map(|step| {
                let d = &step.blob.descriptor;
                let outcome = BlobOutcome::AlreadyPresent;
                events(CopyEvent::BlobDone { digest: &d.digest, size: d.size, outcome });
                (d.digest.clone(), d.size, outcome)
            })
            .collect();
        return Ok(report(blobs, Vec::new()));
    }

    let planned = plan.blobs.iter().map(|step| (Planned::from(&step.blob.descriptor), step));
    let upload = |step| async move { transfer(src, dst, step, options, events).await.map(Moved::from) };
    let outcomes = move_blobs(
        dst.client,
        dst.repository,
        planned,
        options.concurrency,
        &options.in_flight,
        events,
        upload,
    )
    .await
    .map_err(|f| ImageError::Blob { digest: f.digest, source: Box::new(f.source) })?;

    for put in &plan.manifests {
        push_manifest(dst, &put.reference, &put.document, events).await?;
    }
    Ok(report(outcomes, plan.manifests.iter().map(|put| put.document.digest().clone()).collect()))
}

async fn push_manifest<T: Transport>(
    dst: &ImageAt<'_, T>,
    reference: &str,
    document: &ManifestDocument,
    events: &dyn Fn(CopyEvent<'_>),
) -> Result<(), ImageError> {
    let pushed =
        dst.client.put_manifest(dst.repository, reference, document.bytes(), document.media_type()).await;
    let digest = match pushed {
        Ok(digest) => digest,
        Err(source @ Error::Registry(_)) => {
            let layers: Vec<Digest> = match document.manifest() {
                Manifest::Image(image) => {
                    image.layers.iter().filter(|l| !l.urls.is_empty()).map(|l| l.digest.clone()).collect()
                }
                _ => Vec::new(),
            };
            if layers.is_empty() {
                return Err(source.into());
            }
            return Err(ImageError::ManifestRefused {
                digest: document.digest().clone(),
                layers,
                source: Box::new(source),
            });
        }
        Err(other) => return Err(other.into()),
    };
    events(CopyEvent::ManifestPushed { reference, digest: &digest });
    Ok(())
}

/// Gets one blob the destination lacks verified onto it, by the plan's route.
async fn transfer<T: Transport>(
    src: &ImageAt<'_, T>,
    dst: &ImageAt<'_, T>,
    step: &BlobStep,
    options: &CopyOptions,
    events: &dyn Fn(CopyEvent<'_>),
) -> Result<BlobOutcome, Error> {
    let d = &step.blob.descriptor;
    let session = match &step.route {
        BlobRoute::Mount { from } => match dst.client.mount_blob(dst.repository, &d.digest, from).await? {
            Mount::Mounted => return Ok(BlobOutcome::Mounted),
            Mount::Upload(session) => session,
        },
        BlobRoute::Stream => dst.client.start_upload(dst.repository).await?,
    };
    let opened = match src.client.get_blob(src.repository, &d.digest, Some(d.size)).await {
        Ok(stream) => Ok((stream, BlobOutcome::Uploaded)),
        Err(error) if step.from_urls && is_not_found(&error) => {
            fetch_foreign(src.client.transport(), &options.foreign_mirrors, &d.urls, &d.digest, d.size)
                .await
                .map(|stream| (stream, BlobOutcome::UploadedFromUrls))
        }
        Err(error) => Err(error),
    };
    let (stream, outcome) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            dst.client.cancel_upload(dst.repository, &session).await;
            return Err(error);
        }
    };
    let mut source: StreamSource<T::Body, T::Chunk> = StreamSource::new(stream, d.digest.clone(), d.size);
    let progress = |done: u64| events(CopyEvent::BlobProgress { digest: &d.digest, done, total: d.size });
    dst.client.upload_blob(dst.repository, session, &mut source, options.chunk, &progress).await?;
    Ok(outcome)
}

fn is_not_found(error: &Error) -> bool {
    error.registry().is_some_and(|e| e.status == 404)
}

/// Whether the destination holds every allowed foreign layer's blob of the plan (none planned:
/// true, without a request).
async fn foreign_blobs_present<T: Transport>(dst: &ImageAt<'_, T>, plan: &CopyPlan) -> Result<bool, Error> {
    for blob in plan.foreign_blobs() {
        let d = &blob.descriptor;
        if !dst.client.blob_present(dst.repository, &d.digest, d.size, &Scope::push(dst.repository)).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_every_outcome_once_and_urls_as_uploads_too() {
        let digest = |b: u8| Digest::sha256_of(&[b]);
        let report = CopyReport {
            digest: digest(0),
            media_type: String::new(),
            blobs: vec![
                (digest(1), 10, BlobOutcome::Uploaded),
                (digest(2), 200, BlobOutcome::UploadedFromUrls),
                (digest(3), 3000, BlobOutcome::AlreadyPresent),
                (digest(4), 40000, BlobOutcome::Mounted),
                (digest(5), 500000, BlobOutcome::Uploaded),
            ],
            manifests: Vec::new(),
            platforms: Vec::new(),
            warnings: Vec::new(),
        };
        assert_eq!(
            report.tally(),
            BlobTally { uploaded: 3, uploaded_bytes: 500210, already_present: 1, mounted: 1, from_urls: 1 }
        );
    }
}
