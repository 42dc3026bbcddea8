//! Judging each blob against what its file's facts say: digest, size, file name and diff ID.

use super::{BlobCheck, BlobStatus, Facts, FileFacts, ManifestCheck};
use crate::archive::files::digest_in_name;
use crate::archive::model::{ArchiveLayer, ArchiveManifest, Presence, Stored};
use crate::digest::{Digest, Verified};
use crate::manifest;
use crate::policy::BlobRole;

/// Whether `facts` prove that `stored` is the blob `expected` names (digest with its
/// algorithm, and size): the proof a source that serves the file's bytes without hashing them
/// again (the browser's `Blob` slices) hands the upload engine.
pub fn proof(stored: &Stored, facts: &FileFacts, expected: &Digest, size: u64) -> Option<Verified> {
    (stored.size == size && facts.digest(expected.algorithm()) == Some(expected))
        .then(|| Verified { digest: expected.clone(), size })
}

pub(super) fn check_manifest(m: &ArchiveManifest, facts: &Facts) -> ManifestCheck {
    let problems = m
        .misnamed
        .iter()
        .map(|wrong| {
            format!(
                "{}: the layout is corrupt or was edited (fix index.json, or export the image again)",
                wrong.describe()
            )
        })
        .collect();
    let mut blobs = vec![check_config(m, facts)];
    blobs.extend(m.layers.iter().map(|layer| check_layer(layer, facts)));
    ManifestCheck {
        digest: m.document.as_ref().map(|d| d.digest().clone()),
        platform: manifest::title(&m.platform, m.attests.as_ref()),
        problems,
        blobs,
    }
}

fn check_config(m: &ArchiveManifest, facts: &Facts) -> BlobCheck {
    let c = &m.config;
    let mut check = BlobCheck {
        role: BlobRole::Config,
        path: c.path.clone(),
        foreign: false,
        expected_digest: Some(c.descriptor.digest.clone()),
        digest: None,
        size: Some(c.stored.size),
        compression: None,
        expected_diff_id: None,
        diff_id: None,
        status: BlobStatus::Verified,
    };
    check.status = match facts.get(&c.stored.offset) {
        Some(Ok(f)) => {
            check.digest = Some(f.sha256.clone());
            check.compression = Some(f.compression);
            problems([
                digest_problem(&c.descriptor.digest, f),
                size_problem(c.descriptor.size, c.stored.size),
                name_problem(&c.stored.path, &f.sha256),
            ])
        }
        Some(Err(e)) => BlobStatus::Failed(e.clone()),
        None => BlobStatus::Failed("not read".into()),
    };
    check
}

fn check_layer(layer: &ArchiveLayer, facts: &Facts) -> BlobCheck {
    let presence = layer.presence();
    let mut check = BlobCheck {
        role: BlobRole::Layer,
        path: layer.path.clone(),
        foreign: layer.foreign(),
        expected_digest: layer.declared.as_ref().map(|d| d.digest.clone()),
        digest: None,
        size: layer.stored.as_ref().map(|s| s.size),
        compression: layer.stored.as_ref().map(|s| s.compression),
        expected_diff_id: layer.diff_id.clone(),
        diff_id: None,
        status: BlobStatus::Verified,
    };
    let Some(stored) = &layer.stored else {
        check.status = if check.foreign {
            BlobStatus::Absent(
                "not in the archive: a foreign layer, which its publisher serves from its urls; pushing it \
                 needs its blob fetched from them"
                    .into(),
            )
        } else {
            BlobStatus::Failed("the layer file is not in the archive".into())
        };
        return check;
    };
    let f = match facts.get(&stored.offset) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            check.status = BlobStatus::Failed(e.clone());
            return check;
        }
        None => {
            check.status = BlobStatus::Failed("not read".into());
            return check;
        }
    };
    check.digest = Some(f.sha256.clone());
    check.diff_id = f.content.as_ref().ok().cloned();
    let diff_id = match (&f.content, &layer.diff_id) {
        (Err(e), _) => Some(format!("its {} content cannot be decompressed: {e}", f.compression)),
        (Ok(actual), Some(expected)) if actual != expected => Some(format!(
            "its content hashes to {actual}, but the config's diff_id for this layer is {expected}"
        )),
        _ => None,
    };
    let declared = match (&layer.declared, presence) {
        (Some(d), Presence::Present) => {
            digest_problem(&d.digest, f).or_else(|| size_problem(d.size, stored.size))
        }
        _ => None,
    };
    check.status = problems([diff_id, declared, name_problem(&stored.path, &f.sha256)]);
    if check.status == BlobStatus::Verified && presence == Presence::UncompressedOnly {
        let named = layer.declared.as_ref().map(|d| d.digest.to_string()).unwrap_or_default();
        check.status = BlobStatus::Absent(format!(
            "the archive holds this foreign layer's uncompressed tar (it matches the diff_id), not the \
             compressed blob {named} its descriptor names; pushing it needs that blob fetched from its urls"
        ));
    }
    check
}

/// Every problem found, in one message: a blob that fails two checks says both.
fn problems<const N: usize>(found: [Option<String>; N]) -> BlobStatus {
    let found: Vec<String> = found.into_iter().flatten().collect();
    if found.is_empty() { BlobStatus::Verified } else { BlobStatus::Failed(found.join("; ")) }
}

fn digest_problem(expected: &Digest, facts: &FileFacts) -> Option<String> {
    match facts.digest(expected.algorithm()) {
        Some(actual) if actual == expected => None,
        Some(actual) => Some(format!("its content hashes to {actual}, but the descriptor says {expected}")),
        None => Some(format!("its {} digest was not computed", expected.algorithm())),
    }
}

fn size_problem(expected: u64, actual: u64) -> Option<String> {
    (expected != actual).then(|| format!("it is {actual} bytes, but the descriptor says {expected}"))
}

fn name_problem(path: &str, actual: &Digest) -> Option<String> {
    let named = digest_in_name(path)?;
    (named != *actual).then(|| format!("its file name promises {named}, but its content hashes to {actual}"))
}
