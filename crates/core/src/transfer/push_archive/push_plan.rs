//! What pushing an archive image does, decided by the core in two steps, each from what the one
//! before found — the shell only hashes and moves bytes:
//!
//! 1. [`PushAdmission::new`], from the archive's metadata alone: the foreign-layer policy, lost
//!    marks, foreign blobs the archive lacks and whether their `urls` may be fetched. A refusal
//!    here sends nothing, not even a HEAD, and reads no layer. Admitted, it names the files the
//!    shell must hash.
//! 2. [`PushAdmission::plan`], from those hashes: the archive judged, the manifests built (or
//!    taken as stored) once, and every blob in the order it moves, each with its origin (the
//!    archive as stored, compressed on the way, or its `urls`).

use super::{PushError, PushOptions, absent_foreign};
use crate::archive::ArchiveImage;
use crate::archive::build::{self, BlobOrigin, PushBlob, PushImage, check_policy};
use crate::archive::marks;
use crate::archive::verify::{self, Facts, FileToHash};
use crate::manifest::ManifestDocument;
use crate::registry::Error;
use crate::transfer::foreign::check_foreign_url;

/// An image the metadata let through, and what verifying it reads.
#[derive(Clone, Debug)]
pub struct PushAdmission {
    /// Every blob file the image uses, in archive order: the shell hashes these.
    pub to_hash: Vec<FileToHash>,
    /// What the policy and the marks have to say.
    pub warnings: Vec<String>,
}

/// A push's steps, in the order they run.
#[derive(Clone, Debug)]
pub struct PushPlan {
    /// The manifests, built or taken as stored, and every blob with its origin.
    pub image: PushImage,
    /// `image.blobs` in the order they move: those fetched from `urls` first (a URL that fails
    /// then stops the push before anything is uploaded), then the archive's in archive order (one
    /// forward pass over a compressed archive).
    order: Vec<usize>,
    /// Everything the user should know, the admission's warnings first.
    pub warnings: Vec<String>,
}

impl PushAdmission {
    /// Admits `image` as `options` allow, from its metadata alone.
    pub fn new(image: &ArchiveImage, options: &PushOptions) -> Result<PushAdmission, PushError> {
        let mut warnings = check_policy(image, options.allow_foreign_layers).map_err(PushError::Rejected)?;
        if let Some(lost) = marks::lost_marks(image) {
            if !options.allow_foreign_layers && !options.accept_lost_marks {
                return Err(PushError::MarksLost(lost));
            }
            warnings.push(format!("pushed as ordinary layers, as accepted: {}", lost.describe()));
        }
        let absent = absent_foreign(image);
        if !absent.is_empty() && !options.fetch_foreign {
            return Err(PushError::ForeignAbsent(absent));
        }
        for a in &absent {
            // At least one URL must be one Waybill will fetch; say why not before anything is sent.
            let checked: Vec<Result<_, Error>> = a.urls.iter().map(|u| check_foreign_url(u)).collect();
            if !checked.iter().any(Result::is_ok) {
                let source = checked.into_iter().find_map(Result::err).unwrap_or_else(|| Error::UnsafeUrl {
                    url: String::new(),
                    reason: "the foreign layer lists no urls to fetch it from".into(),
                });
                return Err(PushError::Blob { digest: a.digest.clone(), source });
            }
        }
        Ok(PushAdmission { to_hash: verify::files_to_hash(&[image]), warnings })
    }

    /// Plans the push of `image` under `reference` from the hashes of [`Self::to_hash`]: refused
    /// when the archive fails verification, or names another manifest than the reference's digest.
    pub fn plan(
        self,
        image: &ArchiveImage,
        facts: &Facts,
        options: &PushOptions,
        reference: &str,
    ) -> Result<PushPlan, PushError> {
        let verification = verify::judge(&[image], facts);
        let [verification] = verification.as_slice() else {
            return Err(PushError::Verification(vec!["the image was not verified".into()]));
        };
        let failures = verification.failures();
        if !failures.is_empty() {
            return Err(PushError::Verification(failures));
        }
        let pushed = build::build(image, verification, options.compress)?;
        if let Some(top) = pushed.top.ready() {
            check_target(reference, top)?;
        }
        let mut order: Vec<usize> = (0..pushed.blobs.len()).collect();
        order.sort_by_key(|&i| match &pushed.blobs[i].origin {
            BlobOrigin::Urls(_) => None,
            BlobOrigin::Stored(s) | BlobOrigin::Compressed(s, _) => Some(s.offset),
        });
        let mut warnings = self.warnings;
        warnings.extend(pushed.notes.iter().cloned());
        Ok(PushPlan { image: pushed, order, warnings })
    }
}

impl PushPlan {
    /// The blobs, in the order they move.
    pub fn blobs(&self) -> impl ExactSizeIterator<Item = &PushBlob> {
        self.order.iter().map(|&i| &self.image.blobs[i])
    }
}

/// A destination named by digest must be the manifest pushed.
pub(super) fn check_target(reference: &str, top: &ManifestDocument) -> Result<(), PushError> {
    if top.answers_to(reference) {
        return Ok(());
    }
    Err(PushError::DigestTarget { wanted: reference.to_owned(), actual: top.digest().clone() })
}
