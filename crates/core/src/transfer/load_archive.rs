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
//! The shell may change the targets (the browser's table ticks and renames them) before loading.
//!
//! Every image to load is verified before the first is pushed, in one pass over the archive: a
//! bundle with one corrupted blob sends nothing at all, rather than the images before it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::copy::ImageAt;
use super::push_archive::{PushError, PushEvent, PushOptions, push_with};
use crate::archive::Archive;
use crate::archive::ArchiveImage;
use crate::archive::RandomAccess;
use crate::archive::access::ArchiveAccess;
use crate::archive::verify::{self, Facts};
use crate::policy;
use crate::reference::Reference;
use crate::registry::Client;
use crate::transfer::sync::{TagOutcome, TagResult};
use crate::transport::Transport;

/// One push of a load: an image of the archive, where, and under which tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// What a load tells its shell as it goes.
#[derive(Clone, Copy, Debug)]
pub enum LoadEvent<'a> {
    /// Hashing every file the targets use (bytes done, bytes in all), before anything is sent.
    Verifying {
        /// Done.
        done: u64,
        /// In all.
        total: u64,
    },
    /// A step of one target's push.
    Push(&'a LoadTarget, PushEvent<'a>),
    /// A target is finished: pushed, refused or failed.
    Done(&'a LoadTarget, &'a TagResult),
}

/// Pushes each of `targets` to `dest` on `client` (the repository, or the prefix of targets that
/// name a repository), one after the other, through `access`, once every image they use has
/// verified (else none is pushed, each reported as failed with what was wrong). A refused or
/// failed image is reported and the others still go.
pub async fn load<R: RandomAccess, A: ArchiveAccess<R>, T: Transport<Chunk = A::Chunk>>(
    archive: &Archive<R>,
    targets: &[LoadTarget],
    access: &A,
    client: &Client<T>,
    dest: &str,
    options: &PushOptions,
    events: &dyn Fn(LoadEvent<'_>),
) -> Vec<TagResult> {
    let images = archive.images();
    let chosen: Vec<&ArchiveImage> = images
        .iter()
        .enumerate()
        .filter(|(i, _)| targets.iter().any(|t| t.image == *i))
        .map(|(_, im)| im)
        .collect();
    let progress = |done, total| events(LoadEvent::Verifying { done, total });
    let (failures, facts) = match access.hash(archive, &verify::files_to_hash(&chosen), &progress).await {
        Ok(facts) => {
            let failures = verify::judge(&chosen, &facts).iter().flat_map(|v| v.failures()).collect();
            (failures, facts)
        }
        Err(why) => (vec![format!("the files could not be hashed: {why}")], Facts::default()),
    };
    let mut results = Vec::new();
    for target in targets {
        let Some(image) = images.get(target.image) else { continue };
        let repository = match &target.repository {
            Some(path) => format!("{dest}/{path}"),
            None => dest.to_owned(),
        };
        let shown = format!("{repository}:{}", target.tag);
        let result = if failures.is_empty() {
            let target_events = |e: PushEvent<'_>| events(LoadEvent::Push(target, e));
            let dst = ImageAt { client, repository: &repository, reference: &target.tag };
            // The pushes use those hashes instead of reading every file again.
            let pushed = push_with(archive, image, access, dst, options, Some(&facts), &target_events).await;
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
            TagResult {
                tag: shown,
                digest,
                outcome,
                reason,
                platforms: if image.manifests.len() > 1 { platforms.collect() } else { Vec::new() },
                companions: Vec::new(),
            }
        } else {
            failed(
                shown,
                format!("nothing was loaded: the archive failed verification: {}", failures.join("; ")),
            )
        };
        events(LoadEvent::Done(target, &result));
        results.push(result);
    }
    results
}

/// The reports of images saved with no tag (the second half of [`targets`]).
pub fn unnamed(images: &[ArchiveImage], untagged: &[usize]) -> Vec<TagResult> {
    untagged
        .iter()
        .filter_map(|&i| images.get(i))
        .map(|image| failed(image.label(), "saved without a tag, so it has no name to load it under".into()))
        .collect()
}

fn failed(tag: String, reason: String) -> TagResult {
    TagResult {
        tag,
        digest: None,
        outcome: TagOutcome::Failed,
        reason: Some(reason),
        platforms: Vec::new(),
        companions: Vec::new(),
    }
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
