//! What a mirror would do to one tag, before it runs: the source's manifest digest, its
//! platforms, its foreign layers (what the policy would refuse), and whether the destination
//! already has it. The browser's repository copy shows this as a table; it reads no blob but a
//! single image's config (for its platform), and asks the destination with one HEAD.

use serde::{Deserialize, Serialize};

use super::sync::RepoAt;
use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, Manifest};
use crate::media::classify;
use crate::registry::client::Client;
use crate::registry::resolve::{ImageError, PlatformChoice, fetch_document, resolve_images};
use crate::transport::Transport;

/// A config larger than this is not read for its platform (image configs are kilobytes).
const CONFIG_LIMIT: u64 = 1024 * 1024;

/// The destination's tag, next to the source's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationState {
    /// The destination has no such tag.
    Missing,
    /// The destination's tag names the source's manifest.
    UpToDate,
    /// The destination's tag names another manifest (a copy replaces it).
    Different,
}

impl DestinationState {
    /// The state of a destination whose tag names `there` (none: no tag), for the source's `digest`.
    pub fn of(digest: &Digest, there: Option<&Digest>) -> DestinationState {
        match there {
            None => DestinationState::Missing,
            Some(there) if there == digest => DestinationState::UpToDate,
            Some(_) => DestinationState::Different,
        }
    }
}

/// One tag of the source, as a mirror would see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPreview {
    /// The tag.
    pub tag: String,
    /// The digest of the source's manifest under the tag.
    pub digest: Digest,
    /// The platforms: an index's (attestations left out), a single image's from its config
    /// (empty when the config could not be read).
    pub platforms: Vec<String>,
    /// Distinct foreign (non-distributable) layers across its images: what the policy refuses
    /// unless foreign layers are allowed.
    pub foreign_layers: usize,
    /// The destination's tag; `None` when there is no destination to ask.
    pub destination: Option<DestinationState>,
}

/// Reads `tag` of `src` (every platform, as a mirror copies it) and, when given, asks `dst` for
/// the same tag with a HEAD.
pub async fn preview_tag<T: Transport>(
    src: &RepoAt<'_, T>,
    dst: Option<&RepoAt<'_, T>>,
    tag: &str,
) -> Result<TagPreview, ImageError> {
    let top = fetch_document(src.client, src.repository, tag).await?;
    let images = resolve_images(src.client, src.repository, tag, &top, &PlatformChoice::All).await?;
    let mut foreign: Vec<&Digest> = Vec::new();
    for layer in images.iter().flat_map(|i| &i.image.layers) {
        if classify(layer).non_distributable && !foreign.contains(&&layer.digest) {
            foreign.push(&layer.digest);
        }
    }
    let platforms = match (top.manifest(), images.first()) {
        (Manifest::Index(index), _) => crate::platform::available(index),
        (_, Some(image)) => {
            config_platform(src.client, src.repository, &image.image.config).await.into_iter().collect()
        }
        _ => Vec::new(),
    };
    let digest = top.digest().clone();
    let destination = match dst {
        Some(dst) => {
            let there = dst.client.head_manifest(dst.repository, tag).await?.and_then(|h| h.digest);
            Some(DestinationState::of(&digest, there.as_ref()))
        }
        None => None,
    };
    Ok(TagPreview { tag: tag.to_owned(), digest, platforms, foreign_layers: foreign.len(), destination })
}

/// A single image's platform, from its config (verified as it is read); `None` when it cannot be
/// read: the preview goes on without it.
async fn config_platform<T: Transport>(
    client: &Client<T>,
    repository: &str,
    config: &Descriptor,
) -> Option<String> {
    if config.size > CONFIG_LIMIT {
        return None;
    }
    let mut stream = client.get_blob(repository, &config.digest, Some(config.size)).await.ok()?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await.ok()? {
        bytes.extend_from_slice(&chunk);
    }
    ImageConfig::parse(&bytes).ok().map(|c| c.platform().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_states() {
        let a: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        let b: Digest = format!("sha256:{}", "b".repeat(64)).parse().unwrap();
        assert_eq!(DestinationState::of(&a, None), DestinationState::Missing);
        assert_eq!(DestinationState::of(&a, Some(&a)), DestinationState::UpToDate);
        assert_eq!(DestinationState::of(&a, Some(&b)), DestinationState::Different);
    }
}
