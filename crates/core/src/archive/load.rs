//! Loading every image of an archive into a registry (`waybill load`): each image under each of
//! its tags, with the same per-image policy, verification and summary as a mirror.
//!
//! Where each image lands comes from the names it was saved under (`RepoTags`,
//! `io.containerd.image.name`, `org.opencontainers.image.ref.name`):
//! * a bare tag (an OCI layout's ref name, `v1`) lands at `DEST:v1`;
//! * `registry/repo:tag` lands at `DEST:tag` when every image of the archive is from one
//!   repository, and at `DEST/repo:tag` when they come from several (DEST is then a prefix), so
//!   that two repositories' `latest` never overwrite each other;
//! * an image saved with no tag at all is reported, not guessed at.
//!
//! Every image to load is verified before the first is pushed, in one pass over the archive: a
//! bundle with one corrupted blob sends nothing at all, rather than the images before it.

use std::collections::BTreeSet;

use super::ArchiveImage;
use super::access::{Prehashed, ThroughArchive};
use super::compress::BlockCompressor;
use super::open::Archive;
use super::push::{PushError, PushEvent, PushOptions, push_with};
use super::source::RandomAccess;
use super::verify;
use crate::policy;
use crate::reference::Reference;
use crate::registry::sync::{TagOutcome, TagResult};
use crate::registry::{ChunkBytes, Client};
use crate::transport::Transport;

/// One push of a load: an image of the archive, where, and under which tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadTarget {
    /// The image's position in the archive's list.
    pub image: usize,
    /// The repository under DEST (prefix mode), or `None` for DEST itself.
    pub repository: Option<String>,
    /// The tag.
    pub tag: String,
}

/// Where each image of `images` goes; and the images that have no tag.
pub fn targets(images: &[ArchiveImage]) -> (Vec<LoadTarget>, Vec<usize>) {
    let mut named = Vec::new();
    let mut untagged = Vec::new();
    for (i, image) in images.iter().enumerate() {
        let before = named.len();
        for name in &image.names {
            if Reference::is_tag(name) {
                named.push((i, None, name.clone()));
            } else if let Ok(reference) = Reference::parse(name)
                && let Some(tag) = reference.tag()
            {
                named.push((i, Some(reference.repository().to_owned()), tag.to_owned()));
            }
        }
        if named.len() == before {
            untagged.push(i);
        }
    }
    let repositories: BTreeSet<&String> = named.iter().filter_map(|(_, r, _)| r.as_ref()).collect();
    let prefix_mode = repositories.len() > 1;
    let mut targets: Vec<LoadTarget> = named
        .iter()
        .map(|(image, repository, tag)| LoadTarget {
            image: *image,
            repository: repository.clone().filter(|_| prefix_mode),
            tag: tag.clone(),
        })
        .collect();
    targets.dedup();
    (targets, untagged)
}

/// Pushes every target to `dest` on `client`, one after the other, layers compressed by
/// `compressor`, once every image to push has verified (else none is pushed, each reported as
/// failed with what was wrong). A refused or failed image is reported and the others still go.
pub async fn load<R: RandomAccess, T: Transport, K: BlockCompressor>(
    archive: &Archive<R>,
    client: &Client<T>,
    dest: &str,
    options: &PushOptions,
    compressor: &K,
    events: &dyn Fn(&LoadTarget, PushEvent<'_>),
) -> Vec<TagResult>
where
    T::Chunk: ChunkBytes,
{
    let images = archive.images();
    let (targets, untagged) = targets(images);
    let chosen: Vec<&ArchiveImage> = images
        .iter()
        .enumerate()
        .filter(|(i, _)| targets.iter().any(|t| t.image == *i))
        .map(|(_, im)| im)
        .collect();
    let facts = verify::hash_files(archive, &verify::files_to_hash(&chosen), &|_, _| {}).await;
    let failures: Vec<String> = verify::judge(&chosen, &facts).iter().flat_map(|v| v.failures()).collect();
    // The pushes use those hashes instead of reading every file again.
    let access = Prehashed { inner: ThroughArchive::<T::Chunk, _>::new(compressor), facts };
    let mut results = Vec::new();
    for target in &targets {
        let image = &images[target.image];
        let repository = match &target.repository {
            Some(path) => format!("{dest}/{path}"),
            None => dest.to_owned(),
        };
        let shown = format!("{repository}:{}", target.tag);
        if !failures.is_empty() {
            results.push(TagResult {
                tag: shown,
                digest: None,
                outcome: TagOutcome::Failed,
                reason: Some(format!(
                    "nothing was loaded: the archive failed verification: {}",
                    failures.join("; ")
                )),
                platforms: Vec::new(),
                companions: Vec::new(),
            });
            continue;
        }
        let target_events = |e: PushEvent<'_>| events(target, e);
        let pushed =
            push_with(archive, image, &access, client, &repository, &target.tag, options, &target_events)
                .await;
        let platforms =
            image.manifests.iter().filter(|m| m.attests.is_none()).map(|m| m.platform.to_string());
        let (digest, outcome, reason) = match pushed {
            Ok(report) => (Some(report.digest), TagOutcome::Copied, None),
            Err(PushError::Rejected(rejections)) => {
                (None, TagOutcome::Refused, Some(policy::refusal_brief(&rejections)))
            }
            Err(PushError::MarksLost(lost)) => (None, TagOutcome::Refused, Some(lost.describe())),
            Err(other) => (None, TagOutcome::Failed, Some(other.to_string())),
        };
        results.push(TagResult {
            tag: shown,
            digest,
            outcome,
            reason,
            platforms: if image.manifests.len() > 1 { platforms.collect() } else { Vec::new() },
            companions: Vec::new(),
        });
    }
    for i in untagged {
        results.push(TagResult {
            tag: images[i].label(),
            digest: None,
            outcome: TagOutcome::Failed,
            reason: Some("saved without a tag, so it has no name to load it under".into()),
            platforms: Vec::new(),
            companions: Vec::new(),
        });
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::ImageFormat;

    fn image(names: &[&str]) -> ArchiveImage {
        ArchiveImage {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            format: ImageFormat::DockerSave,
            top: None,
            manifests: Vec::new(),
            unused_layer_sources: Vec::new(),
        }
    }

    fn target(image: usize, repository: Option<&str>, tag: &str) -> LoadTarget {
        LoadTarget { image, repository: repository.map(str::to_owned), tag: tag.to_owned() }
    }

    #[test]
    fn one_repository_lands_at_dest_with_its_tags() {
        let images =
            [image(&["reg.example/app:1.0", "reg.example/app:latest"]), image(&["reg.example/app:1.1"])];
        let (targets, untagged) = targets(&images);
        assert_eq!(targets, [target(0, None, "1.0"), target(0, None, "latest"), target(1, None, "1.1")]);
        assert!(untagged.is_empty());
    }

    #[test]
    fn several_repositories_make_dest_a_prefix() {
        let images = [image(&["docker.io/library/alpine:3.20"]), image(&["quay.io/org/tool:v2"])];
        let (targets, _) = targets(&images);
        assert_eq!(targets, [target(0, Some("library/alpine"), "3.20"), target(1, Some("org/tool"), "v2")]);
    }

    #[test]
    fn bare_ref_names_are_tags_and_untagged_images_are_reported() {
        let images = [image(&["v1"]), image(&[]), image(&["reg.example/app@sha256:".to_owned().as_str()])];
        let (targets, untagged) = targets(&images);
        assert_eq!(targets, [target(0, None, "v1")]);
        assert_eq!(untagged, [1, 2]);
    }
}
