//! Pushing an archive image through the registry module's upload engine, in the order the
//! invariants demand. Steps 1 to 4 are decided by [`PushAdmission`] and its [`PushPlan`] (the
//! shell only hashes); [`push_with`] runs them, then 5 and 6:
//!
//! 1. the foreign-layer policy, from the metadata alone — a refusal sends nothing, not even a
//!    HEAD, and reads no layer;
//! 2. foreign blobs the archive lacks: refused unless `fetch_foreign` (Pulp needs the blob in the
//!    repository, so a push cannot simply leave it out), and then only from `urls` the registry
//!    module's foreign-URL rules accept (https, public hosts, no credentials);
//! 3. every blob in the archive verified (digest, size, diff IDs), before anything is sent —
//!    hashed by the shell's [`ArchiveAccess`], judged here;
//! 4. the manifest built (docker-save) or taken as stored (OCI), once;
//! 5. each blob skipped if the registry has it, else uploaded — from the archive, gzip'd on the
//!    fly, or streamed from its `urls` — and finalised only when the bytes proved right;
//! 6. the manifests PUT with their exact bytes, an index's images first.

use serde::{Deserialize, Serialize};

use crate::archive::Archive;
use crate::archive::ArchiveError;
use crate::archive::RandomAccess;
use crate::archive::access::{ArchiveAccess, ThroughArchive};
use crate::archive::build::{self, BlobOrigin, BuildError, PushBlob};
use crate::archive::compress::{BlockCompressor, LayerCompression};
use crate::archive::marks::LostMarks;
use crate::archive::verify::Facts;
use crate::archive::{ArchiveImage, Presence};
use crate::digest::{Digest, Verified};
use crate::manifest::ManifestDocument;
use crate::policy::{self, Rejection};
use crate::registry::Error;
use crate::registry::upload::ChunkPolicy;
use crate::remedy::Remedy;
use crate::transfer::foreign_mirror::ForeignMirrors;
use crate::transfer::in_flight::BlobsInFlight;
use crate::transfer::move_blobs::{Planned, move_blobs};
use crate::transfer::{CopyEvent, CopyReport, ImageAt};
use crate::transport::Transport;

mod blobs;
mod push_plan;

use blobs::{forms_in_place, transfer};
use push_plan::check_target;
pub use push_plan::{PushAdmission, PushPlan};

/// How to push.
#[derive(Clone, Debug, Default)]
pub struct PushOptions {
    /// Upload foreign (non-distributable) layers instead of refusing the image.
    pub allow_foreign_layers: bool,
    /// Download foreign layers the archive lacks from their `urls`.
    pub fetch_foreign: bool,
    /// Where those are downloaded from instead of their `urls`.
    pub foreign_mirrors: ForeignMirrors,
    /// Push a Windows image whose archive lost the foreign-layer marks ([`marks`]) as it is.
    /// `allow_foreign_layers` accepts that too.
    pub accept_lost_marks: bool,
    /// How to store uncompressed docker-save layers (gzip, as docker push and skopeo do).
    pub compress: LayerCompression,
    /// Upload chunk sizing.
    pub chunk: ChunkPolicy,
}

/// A foreign layer whose blob the archive does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsentForeign {
    /// The blob's digest, as its descriptor names it.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// Where its publisher serves it.
    pub urls: Vec<String>,
    /// Whether the archive has the uncompressed tar (docker save) or nothing.
    pub presence: Presence,
}

/// What happens during a push, for the shells to draw.
#[derive(Clone, Copy, Debug)]
pub enum PushEvent<'a> {
    /// Verifying the archive: bytes read, bytes to read.
    Verifying {
        /// Done.
        done: u64,
        /// Total.
        total: u64,
    },
    /// Uploading, in the registry module's words.
    Copy(CopyEvent<'a>),
}

/// Why a push stopped. Nothing is sent for the first six.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The foreign-layer policy refused the image.
    #[error("{}", policy::refusal_text(.0))]
    Rejected(Vec<Rejection>),
    /// A Windows image whose archive lost the foreign-layer marks, not accepted as it is.
    #[error("{}; nothing was uploaded", .0.describe())]
    MarksLost(LostMarks),
    /// Foreign layers are allowed, but the archive lacks their blobs and fetching is off.
    #[error("{}", absent_text(.0))]
    ForeignAbsent(Vec<AbsentForeign>),
    /// The archive failed verification.
    #[error("the archive failed verification; nothing was uploaded:\n  - {}", .0.join("\n  - "))]
    Verification(Vec<String>),
    /// Verification stopped before it was done (cancelled, or the hashing could not run).
    #[error("verification stopped: {0}; nothing was uploaded")]
    Stopped(String),
    /// The archive could not be read, or the manifest built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The destination names a digest that is not the manifest's.
    #[error("the destination names digest {wanted}, but the manifest to push is {actual}")]
    DigestTarget {
        /// The digest in the destination reference.
        wanted: String,
        /// The manifest's digest.
        actual: Digest,
    },
    /// A blob could not be uploaded.
    #[error("blob {digest}: {source}")]
    Blob {
        /// The blob.
        digest: Digest,
        /// What went wrong.
        source: Error,
    },
    /// A manifest PUT failed.
    #[error("pushing manifest {reference}: {source}")]
    Manifest {
        /// The tag or digest.
        reference: String,
        /// What went wrong.
        source: Error,
    },
}

impl PushError {
    /// What the user can do about this error, when the core knows.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            PushError::Rejected(_) => Some(Remedy::AllowForeignLayers),
            PushError::ForeignAbsent(_) => Some(Remedy::FetchForeignLayers),
            PushError::MarksLost(_) => Some(Remedy::AcceptLostMarks),
            PushError::Blob { source, .. } | PushError::Manifest { source, .. } => source.remedy(),
            _ => None,
        }
    }
}

impl From<ArchiveError> for PushError {
    fn from(error: ArchiveError) -> PushError {
        PushError::Build(BuildError::Archive(error))
    }
}

fn absent_text(absent: &[AbsentForeign]) -> String {
    let mut text = format!(
        "{} foreign layer{} not in the archive, and Pulp (like any registry keeping the layer) needs the blob \
         uploaded: Waybill can download {} from {} urls (https only, verified) when asked to; nothing was \
         uploaded:",
        absent.len(),
        if absent.len() == 1 { " is" } else { "s are" },
        if absent.len() == 1 { "it" } else { "them" },
        if absent.len() == 1 { "its" } else { "their" },
    );
    for a in absent {
        let what = match a.presence {
            Presence::UncompressedOnly => {
                "the archive has only its uncompressed tar (docker save keeps no other)"
            }
            _ => "the archive does not have it",
        };
        text.push_str(&format!("\n  - {} ({} bytes): {what}; urls: {}", a.digest, a.size, a.urls.join(", ")));
    }
    text
}

/// Foreign layers whose blob is not in the archive.
pub fn absent_foreign(image: &ArchiveImage) -> Vec<AbsentForeign> {
    let mut absent: Vec<AbsentForeign> = Vec::new();
    for layer in image.manifests.iter().flat_map(|m| &m.layers) {
        let presence = layer.presence();
        if let (true, Some(d), false) = (layer.foreign(), &layer.declared, presence == Presence::Present)
            && absent.iter().all(|a| a.digest != d.digest)
        {
            absent.push(AbsentForeign {
                digest: d.digest.clone(),
                size: d.size,
                urls: d.urls.clone(),
                presence,
            });
        }
    }
    absent
}

/// Pushes `image` from `archive` to `dst` (its reference a tag, or the manifest's digest),
/// reading and hashing through the archive itself, layers compressed by `compressor`.
pub async fn push<R: RandomAccess, T: Transport, K: BlockCompressor>(
    archive: &Archive<R>,
    image: &ArchiveImage,
    dst: ImageAt<'_, T>,
    options: &PushOptions,
    compressor: &K,
    events: &dyn Fn(PushEvent<'_>),
) -> Result<CopyReport, PushError> {
    let access = ThroughArchive::<T::Chunk, _>::new(compressor);
    push_with(archive, image, &access, dst, options, None, events).await
}

/// [`push`], with the hashing and the stored blobs' sources supplied by `access`. `hashed` is
/// what hashing the image's files already gave, when it was done before (a load hashes the files
/// of all its images at once); a file it lacks fails verification as not read.
pub async fn push_with<R: RandomAccess, T: Transport, A: ArchiveAccess<R, Chunk = T::Chunk>>(
    archive: &Archive<R>,
    image: &ArchiveImage,
    access: &A,
    dst: ImageAt<'_, T>,
    options: &PushOptions,
    hashed: Option<&Facts>,
    events: &dyn Fn(PushEvent<'_>),
) -> Result<CopyReport, PushError> {
    // 1 to 4: admitted from the metadata, hashed by the shell, planned from the hashes.
    let admission = PushAdmission::new(image, options)?;
    let hashed_here;
    let facts = match hashed {
        Some(facts) => facts,
        None => {
            let progress = |done, total| events(PushEvent::Verifying { done, total });
            hashed_here =
                access.hash(archive, &admission.to_hash, &progress).await.map_err(PushError::Stopped)?;
            &hashed_here
        }
    };
    let plan = admission.plan(image, facts, options, dst.reference)?;
    let (pushed, mut warnings) = (&plan.image, plan.warnings.clone());

    // 5: the blobs, in the plan's order.
    let blobs: Vec<&PushBlob> = plan.blobs().collect();
    events(PushEvent::Copy(CopyEvent::Planned {
        blobs: blobs.len(),
        bytes: blobs.iter().map(|b| b.descriptor.size).sum(),
    }));
    let copy_events = |event: CopyEvent<'_>| events(PushEvent::Copy(event));
    let in_place = forms_in_place(&dst, pushed).await;
    let planned = blobs.iter().map(|b| {
        let made = matches!(b.origin, BlobOrigin::Compressed(..));
        match in_place.iter().find(|(from, _)| made && *from == b.descriptor.digest) {
            // Asked for first, like any blob; compressed and uploaded only if it is not there.
            Some((_, there)) => (Planned { descriptor: there, made: false }, *b),
            None => (Planned { descriptor: &b.descriptor, made }, *b),
        }
    });
    let dst = &dst;
    let upload = |blob| transfer(archive, access, facts, dst, blob, options, events);
    // One at a time, in archive order.
    let outcomes =
        move_blobs(dst.client, dst.repository, planned, 1, &BlobsInFlight::default(), &copy_events, upload)
            .await
            .map_err(|f| PushError::Blob { digest: f.digest, source: f.source })?;

    // 6: the manifests, exact bytes, children by digest first; the top one written now, when
    // its compressed layers' digests were learned by their uploads.
    let made: Vec<(Digest, Verified)> = blobs
        .iter()
        .zip(&outcomes)
        .filter(|(b, _)| matches!(b.origin, BlobOrigin::Compressed(..)))
        .map(|(b, (digest, size, _))| {
            (b.descriptor.digest.clone(), Verified { digest: digest.clone(), size: *size })
        })
        .collect();
    if let Some(codec) = options.compress.codec() {
        warnings.extend(build::compressed_note(codec, &made));
    }
    let top = pushed.top_with(&made)?;
    check_target(dst.reference, &top)?;
    let mut manifests = Vec::new();
    for child in &pushed.children {
        let digest = child.digest().to_string();
        put(dst, &digest, child, events).await?;
        manifests.push(child.digest().clone());
    }
    put(dst, dst.reference, &top, events).await?;
    manifests.push(top.digest().clone());
    Ok(CopyReport {
        digest: top.digest().clone(),
        media_type: top.media_type().to_owned(),
        blobs: outcomes,
        manifests,
        platforms: Vec::new(),
        warnings,
    })
}

async fn put<T: Transport>(
    dst: &ImageAt<'_, T>,
    reference: &str,
    document: &ManifestDocument,
    events: &dyn Fn(PushEvent<'_>),
) -> Result<(), PushError> {
    let digest = dst
        .client
        .put_manifest(dst.repository, reference, document.bytes(), document.media_type())
        .await
        .map_err(|source| PushError::Manifest { reference: reference.to_owned(), source })?;
    events(PushEvent::Copy(CopyEvent::ManifestPushed { reference, digest: &digest }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{ImageError, RegistryError};
    use crate::transport::Method;

    fn refused(status: u16) -> Error {
        let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"Authentication credentials were not provided."}]}"#;
        Error::Registry(Box::new(RegistryError::from_response(
            Method::Post,
            "http://r/v2/a/blobs/uploads/",
            status,
            &[],
            body,
        )))
    }

    #[test]
    fn a_login_is_the_remedy_wherever_the_401_came_from() {
        let digest: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        assert_eq!(ImageError::Registry(refused(401)).remedy(), Some(Remedy::SignIn));
        let blob = ImageError::Blob { digest: digest.clone(), source: Box::new(refused(401)) };
        assert_eq!(blob.remedy(), Some(Remedy::SignIn), "a blob of a copy");
        let push = PushError::Blob { digest, source: refused(401) };
        assert_eq!(push.remedy(), Some(Remedy::SignIn), "a blob of a push");
        assert_eq!(ImageError::Rejected(Vec::new()).remedy(), Some(Remedy::AllowForeignLayers));
    }
}
