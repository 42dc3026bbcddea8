//! The verdicts of a verification: what a check of one blob found ([`BlobCheck`], its
//! [`BlobStatus`] and [`DiffIdCheck`]), of one image ([`ImageCheck`]) and of a reference
//! ([`VerifyReport`]). Every shell reaches them the same way: it fetches and hashes a blob as it
//! can ([`Fetched`]) and [`judge_blob`] turns that into the blob's check — the CLI and the Worker
//! through [`super::verify`], the browser in its hashing workers.

use serde::Serialize;

use crate::digest::Digest;
use crate::manifest::Descriptor;
use crate::media::{Compression, classify};
use crate::policy::BlobRole;

/// The verdict on one blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum BlobStatus {
    /// Digest and size match (and, for layers, the diff ID when the config lists one).
    Verified,
    /// Something did not match or could not be read.
    Failed(String),
    /// Not downloaded (a foreign layer the registry does not serve, with fetching from its
    /// `urls` not allowed).
    NotFetched(String),
    /// Not checked: not asked for yet, still running, or cancelled (the browser verifies blob
    /// by blob, on request). Never in a `waybill verify` report.
    NotRun(String),
}

/// One blob's check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlobCheck {
    /// Its digest.
    pub digest: Digest,
    /// Its declared size.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// Config or layer.
    pub role: BlobRole,
    /// Foreign (non-distributable) by media type.
    pub foreign: bool,
    /// The verdict.
    pub status: BlobStatus,
    /// For layers: the compression the bytes turned out to have.
    pub compression: Option<Compression>,
    /// For layers: the diff ID computed from the bytes.
    pub diff_id: Option<Digest>,
    /// For layers: the diff ID the config lists at this layer's position.
    pub expected_diff_id: Option<Digest>,
    /// What the bytes hashed to, when that is not the digest (a shell that knows it says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_digest: Option<Digest>,
    /// Where the bytes came from (the browser names the URL it read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For layers: why the content could not be decompressed to compute its diff ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id_error: Option<String>,
}

/// A layer's diff ID against the config's, as a check found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffIdCheck {
    /// Not computed (not asked for, not a layer, or the blob failed).
    NotChecked,
    /// Computed and equal to the config's.
    Matches(Digest),
    /// Computed and different.
    Differs {
        /// The config's.
        expected: Digest,
        /// The content's.
        actual: Digest,
    },
    /// Computed, but the config lists none at this position.
    Unlisted(Digest),
    /// The content could not be decompressed.
    Failed(String),
}

impl BlobCheck {
    /// Whether the blob verified (digest, size, and the diff ID when it was computed).
    pub fn ok(&self) -> bool {
        self.status == BlobStatus::Verified
    }

    /// Its diff ID against the config's.
    pub fn diff_id_check(&self) -> DiffIdCheck {
        if let Some(why) = &self.diff_id_error {
            return DiffIdCheck::Failed(why.clone());
        }
        match (&self.diff_id, &self.expected_diff_id) {
            (None, _) => DiffIdCheck::NotChecked,
            (Some(actual), Some(expected)) if actual == expected => DiffIdCheck::Matches(actual.clone()),
            (Some(actual), Some(expected)) => {
                DiffIdCheck::Differs { expected: expected.clone(), actual: actual.clone() }
            }
            (Some(actual), None) => DiffIdCheck::Unlisted(actual.clone()),
        }
    }
}

/// What fetching and hashing one blob gave, in whichever shell did it: the CLI and the Worker
/// in [`super::verify`], the browser in its hashing workers. [`judge_blob`] turns it into the blob's
/// check, the same way for all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// Digest and size match. For a layer hashed to its diff ID: what that gave (its digest and
    /// the compression its bytes have), or why the content could not be decompressed.
    Verified {
        /// `None`: the diff ID was not asked for.
        diff_id: Option<Result<(Digest, Compression), String>>,
    },
    /// The bytes hash to another digest.
    Mismatch {
        /// What they hash to.
        actual: Digest,
    },
    /// It could not be read, or was not what the descriptor says: said in full.
    Failed(String),
    /// Not downloaded, and why.
    NotFetched(String),
    /// Not checked, and why.
    NotRun(String),
}

/// The check of blob `d` (its `role`; for a layer, the diff ID the config lists at its place)
/// from what fetching it gave.
pub fn judge_blob(
    d: &Descriptor,
    role: BlobRole,
    expected_diff_id: Option<Digest>,
    fetched: Fetched,
) -> BlobCheck {
    let mut check = BlobCheck {
        digest: d.digest.clone(),
        size: d.size,
        media_type: d.media_type.to_string(),
        role,
        foreign: role == BlobRole::Layer && classify(d).non_distributable,
        status: BlobStatus::Verified,
        compression: None,
        diff_id: None,
        expected_diff_id,
        actual_digest: None,
        source: None,
        diff_id_error: None,
    };
    check.status = match fetched {
        Fetched::Verified { diff_id: None } => BlobStatus::Verified,
        Fetched::Verified { diff_id: Some(Err(why)) } => {
            let status = BlobStatus::Failed(format!("the blob verifies, but {why}"));
            check.diff_id_error = Some(why);
            status
        }
        Fetched::Verified { diff_id: Some(Ok((diff_id, compression))) } => {
            check.compression = Some(compression);
            let status = match &check.expected_diff_id {
                Some(expected) if *expected != diff_id => BlobStatus::Failed(format!(
                    "the blob verifies, but its uncompressed content hashes to {diff_id}, not the diff_id \
                     {expected} the config lists: the config and the layer do not belong together"
                )),
                _ => BlobStatus::Verified,
            };
            check.diff_id = Some(diff_id);
            status
        }
        Fetched::Mismatch { actual } => {
            let status = BlobStatus::Failed(format!(
                "the bytes hash to {actual}, not to {}: the registry serves another blob under this digest",
                d.digest
            ));
            check.actual_digest = Some(actual);
            status
        }
        Fetched::Failed(why) => BlobStatus::Failed(why),
        Fetched::NotFetched(why) => BlobStatus::NotFetched(why),
        Fetched::NotRun(why) => BlobStatus::NotRun(why),
    };
    check
}

impl ImageCheck {
    /// Whether every blob verified (or was rightly not fetched) and the image has no problem.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
            && self.blobs.iter().all(|b| matches!(b.status, BlobStatus::Verified | BlobStatus::NotFetched(_)))
    }
}

impl VerifyReport {
    /// The report on the top manifest `digest` of `media_type` from its images' checks.
    pub fn new(digest: Digest, media_type: String, images: Vec<ImageCheck>) -> VerifyReport {
        let ok = images.iter().all(ImageCheck::ok);
        VerifyReport { digest, media_type, images, ok }
    }
}

/// One image's checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImageCheck {
    /// The image manifest's digest.
    pub digest: Digest,
    /// The platform its index entry declares.
    pub platform: Option<String>,
    /// Config first, then layers in manifest order.
    pub blobs: Vec<BlobCheck>,
    /// Problems with the image as a whole (config unreadable, diff_ids count off).
    pub problems: Vec<String>,
}

/// The result of verifying a reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The top manifest's digest.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Each image checked.
    pub images: Vec<ImageCheck>,
    /// Whether everything fetched verified and nothing failed.
    pub ok: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::OCI_LAYER_GZIP;

    fn layer() -> Descriptor {
        Descriptor::new(OCI_LAYER_GZIP, Digest::sha256_of(b"layer"), 5)
    }

    fn verified(diff_id: Result<Digest, &str>) -> Fetched {
        Fetched::Verified { diff_id: Some(diff_id.map(|d| (d, Compression::Gzip)).map_err(str::to_owned)) }
    }

    #[test]
    fn a_layer_is_judged_on_its_diff_id_when_one_was_computed() {
        let (config_says, content) = (Digest::sha256_of(b"a"), Digest::sha256_of(b"b"));
        let same = judge_blob(
            &layer(),
            BlobRole::Layer,
            Some(config_says.clone()),
            verified(Ok(config_says.clone())),
        );
        assert!(same.ok());
        assert_eq!(same.diff_id_check(), DiffIdCheck::Matches(config_says.clone()));
        assert_eq!(same.compression, Some(Compression::Gzip));

        let other =
            judge_blob(&layer(), BlobRole::Layer, Some(config_says.clone()), verified(Ok(content.clone())));
        assert!(!other.ok());
        assert_eq!(
            other.diff_id_check(),
            DiffIdCheck::Differs { expected: config_says, actual: content.clone() }
        );
        assert!(matches!(&other.status, BlobStatus::Failed(why) if why.contains("do not belong together")));

        let unlisted = judge_blob(&layer(), BlobRole::Layer, None, verified(Ok(content.clone())));
        assert!(unlisted.ok());
        assert_eq!(unlisted.diff_id_check(), DiffIdCheck::Unlisted(content));

        let broken = judge_blob(&layer(), BlobRole::Layer, None, verified(Err("invalid gzip header")));
        assert!(!broken.ok());
        assert_eq!(broken.diff_id_check(), DiffIdCheck::Failed("invalid gzip header".into()));
    }

    #[test]
    fn a_mismatch_names_both_digests_and_not_run_blobs_make_the_report_not_ok() {
        let actual = Digest::sha256_of(b"other");
        let check = judge_blob(&layer(), BlobRole::Layer, None, Fetched::Mismatch { actual: actual.clone() });
        assert_eq!(check.actual_digest.as_ref(), Some(&actual));
        assert!(matches!(&check.status, BlobStatus::Failed(why) if why.contains(&actual.to_string())));

        let image = |status: Fetched| ImageCheck {
            digest: Digest::sha256_of(b"m"),
            platform: None,
            blobs: vec![judge_blob(&layer(), BlobRole::Layer, None, status)],
            problems: Vec::new(),
        };
        let report = |status| VerifyReport::new(Digest::sha256_of(b"m"), "x".into(), vec![image(status)]);
        assert!(report(Fetched::Verified { diff_id: None }).ok);
        assert!(report(Fetched::NotFetched("foreign".into())).ok);
        assert!(!report(Fetched::NotRun("not asked".into())).ok);
        assert!(!report(Fetched::Failed("404".into())).ok);
    }
}
