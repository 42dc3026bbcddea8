//! The docker-save format (`docker save`, `podman save`, `skopeo copy … docker-archive:`):
//! `manifest.json` lists each image's config file, tags and layer files; `LayerSources` keeps the
//! registry descriptor (media type, digest of the compressed blob, size, `urls`) of foreign layers,
//! keyed by diff ID. Layer files are usually uncompressed tars — their sha256 is the diff ID —
//! but go-containerregistry writes them gzip'd, and Docker 25+ stores them under `blobs/`.
//!
//! Legacy metadata is checked, not used: `repositories` (tags → legacy layer IDs) and the
//! per-layer `<id>/VERSION`, `<id>/json` written for Docker versions before 1.10.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer};

use super::archive_error::ArchiveError;
use super::files::{MAX_METADATA_SIZE, locate, read_whole};
use super::index::TarIndex;
use super::metadata::Metadata;
use super::model::{ArchiveConfig, ArchiveImage, ArchiveLayer, ArchiveManifest, ImageFormat};
use super::random_access::RandomAccess;
use super::tar::EntryType;
use super::tar_reader::Reader;
use crate::digest::Digest;
use crate::json;
use crate::manifest::Descriptor;
use crate::media;

/// `manifest.json`.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The legacy tag file.
pub const REPOSITORIES: &str = "repositories";

/// One entry of `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerSaveEntry {
    /// Path of the config file.
    pub config: String,
    /// `repo:tag` names; `null` for an image saved by ID.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub repo_tags: Vec<String>,
    /// Paths of the layer files, base first.
    pub layers: Vec<String>,
    /// Registry descriptors of foreign layers, by diff ID.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub layer_sources: BTreeMap<Digest, Descriptor>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses `manifest.json`: a JSON array of entries, strict about duplicate keys.
pub fn parse_manifest_json(bytes: &[u8]) -> Result<Vec<DockerSaveEntry>, ArchiveError> {
    let bad = |source| ArchiveError::Json { path: MANIFEST_JSON.to_owned(), source };
    json::check_strict_value(bytes).map_err(bad)?;
    json::from_slice(bytes).map_err(bad)
}

/// Reads every image `manifest.json` lists, and checks the legacy metadata beside it.
pub async fn read_images<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    metadata: &mut Metadata,
    warnings: &mut Vec<String>,
) -> Result<Vec<ArchiveImage>, ArchiveError> {
    let stored = locate(reader, index, MANIFEST_JSON)
        .await?
        .ok_or_else(|| ArchiveError::MissingEntry { path: MANIFEST_JSON.to_owned(), wanted_by: None })?;
    let entries =
        parse_manifest_json(&read_whole(reader, index, &stored, MAX_METADATA_SIZE, MANIFEST_JSON).await?)?;
    if entries.is_empty() {
        return Err(ArchiveError::NoImages { what: "manifest.json lists no images".to_owned() });
    }
    metadata.count_entries(entries.len())?;
    metadata.count_layers(entries.iter().map(|e| e.layers.len()).sum())?;
    let mut images = Vec::with_capacity(entries.len());
    for (position, entry) in entries.into_iter().enumerate() {
        images.push(read_image(reader, index, metadata, position, entry).await?);
    }
    check_legacy(reader, index, &images, warnings).await?;
    Ok(images)
}

async fn read_image<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    metadata: &mut Metadata,
    position: usize,
    entry: DockerSaveEntry,
) -> Result<ArchiveImage, ArchiveError> {
    let wanted_by = format!("manifest.json entry {}", position + 1);
    let missing =
        |path: &str| ArchiveError::MissingEntry { path: path.to_owned(), wanted_by: Some(wanted_by.clone()) };
    let config_file = locate(reader, index, &entry.config).await?.ok_or_else(|| missing(&entry.config))?;
    let shared = metadata.config(reader, index, &config_file, &entry.config).await?;
    let config = shared.config;
    config.check_layer_count(entry.layers.len()).map_err(|source| ArchiveError::Alignment {
        image: entry.repo_tags.first().cloned().unwrap_or_else(|| wanted_by.clone()),
        message: source.to_string(),
    })?;
    let descriptor = Descriptor::new(media::DOCKER_CONFIG, shared.digest, shared.size);
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (i, path) in entry.layers.iter().enumerate() {
        let diff_id = config.rootfs.diff_ids.get(i).cloned();
        let declared = diff_id.as_ref().and_then(|d| entry.layer_sources.get(d)).cloned();
        let stored = locate(reader, index, path).await?;
        if stored.is_none() && declared.is_none() {
            // Only a foreign layer may be absent: its publisher serves it. Any other missing
            // layer makes the image unusable.
            return Err(missing(path));
        }
        layers.push(ArchiveLayer { declared, path: path.clone(), stored, diff_id });
    }
    let used: BTreeSet<&Digest> = config.rootfs.diff_ids.iter().collect();
    let unused_layer_sources = entry.layer_sources.keys().filter(|d| !used.contains(d)).cloned().collect();
    let platform = config.platform();
    Ok(ArchiveImage {
        names: entry.repo_tags,
        format: ImageFormat::DockerSave,
        top: None,
        manifests: vec![ArchiveManifest {
            document: None,
            misnamed: Vec::new(),
            platform,
            attests: None,
            config: ArchiveConfig {
                descriptor,
                path: entry.config,
                stored: config_file,
                config: Some(config),
            },
            layers,
        }],
        unused_layer_sources,
    })
}

/// `repositories`: `{ "repo": { "tag": "<legacy layer id>" } }`.
type Repositories = BTreeMap<String, BTreeMap<String, String>>;

/// Checks the legacy metadata: every tag in `repositories` should be in some `RepoTags`, and
/// each legacy layer directory's `VERSION` should say `1.0`. Mismatches are warnings: Docker
/// itself ignores this metadata when `manifest.json` is present.
async fn check_legacy<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    images: &[ArchiveImage],
    warnings: &mut Vec<String>,
) -> Result<(), ArchiveError> {
    if let Some(stored) = locate(reader, index, REPOSITORIES).await? {
        let bytes = read_whole(reader, index, &stored, MAX_METADATA_SIZE, REPOSITORIES).await?;
        let bad = |source| ArchiveError::Json { path: REPOSITORIES.to_owned(), source };
        json::check_strict(&bytes).map_err(bad)?;
        let repositories: Repositories = json::from_slice(&bytes).map_err(bad)?;
        let known: BTreeSet<String> =
            images.iter().flat_map(|i| i.names.iter()).map(|n| short_name(n).to_owned()).collect();
        for (repository, tags) in &repositories {
            for tag in tags.keys() {
                let name = format!("{repository}:{tag}");
                if !known.contains(short_name(&name)) {
                    warnings.push(format!(
                        "`repositories` names {name}, which no manifest.json entry tags: Docker ignores \
                         `repositories` when manifest.json exists, and so does Waybill"
                    ));
                }
            }
        }
    }
    for entry in index.entries() {
        let Some(dir) = entry.path.strip_suffix("/VERSION") else { continue };
        if entry.entry_type != EntryType::File || dir.contains('/') {
            continue;
        }
        let Some(stored) = locate(reader, index, &entry.path).await? else { continue };
        let version = read_whole(reader, index, &stored, 64, "legacy VERSION file").await?;
        if version.trim_ascii() != b"1.0" {
            warnings.push(format!(
                "legacy layer {dir}: VERSION says {:?}, not \"1.0\" (legacy metadata is not used)",
                String::from_utf8_lossy(&version)
            ));
        }
        if index.get(&format!("{dir}/json")).is_none() {
            warnings.push(format!("legacy layer {dir} has a VERSION but no json file"));
        }
    }
    Ok(())
}

/// A name without Docker's `docker.io/` and `library/` defaults, to compare the spellings
/// tools write (`repositories` says `busybox`, `RepoTags` may say `docker.io/library/busybox`).
fn short_name(name: &str) -> &str {
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    name.strip_prefix("library/").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_json_shapes() {
        let text = br#"[{"Config":"c.json","RepoTags":null,"Layers":["a/layer.tar"],
            "LayerSources":{"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef":
            {"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":32,
             "digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
             "urls":["https://example.com/x"]}}}]"#;
        let entries = parse_manifest_json(text).unwrap();
        assert_eq!(entries[0].repo_tags, Vec::<String>::new());
        let source = entries[0].layer_sources.values().next().unwrap();
        assert_eq!((source.size, source.urls.len()), (32, 1));
        assert!(
            parse_manifest_json(br#"[{"Config":"a","Config":"b","Layers":[]}]"#).is_err(),
            "duplicate key"
        );
        assert!(parse_manifest_json(br#"{"Config":"a"}"#).is_err(), "not an array");
        assert!(parse_manifest_json(br#"[{"RepoTags":[]}]"#).is_err(), "no Config");
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("docker.io/library/busybox:1"), "busybox:1");
        assert_eq!(short_name("docker.io/fixtures/plain:v1"), "fixtures/plain:v1");
        assert_eq!(short_name("127.0.0.1:5000/x:y"), "127.0.0.1:5000/x:y");
    }
}
