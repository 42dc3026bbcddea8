//! Saving tags from registries into one OCI image-layout archive (`waybill save`): what an air gap
//! is crossed with, foreign blobs included when allowed, every blob verified as it is written.
//!
//! First every tag is read and judged (every platform of an index; the foreign-layer policy per
//! tag, a refused tag left out and reported), then the archive is written in one pass in the
//! deterministic order of [`crate::archive::layout_writer`]: each blob streamed from its registry
//! — or, for an allowed foreign layer the registry lacks, from its `urls` — through the verifier
//! into the sink, never held whole. A blob that fails its digest or size stops the save: the caller's file
//! is then incomplete and must not be renamed into place.

use std::collections::BTreeMap;

use super::foreign::fetch_foreign;
use super::foreign_mirror::ForeignMirrors;
use super::sync::{TagOutcome, TagResult};
use crate::archive::layout_writer::{
    END, OCI_LAYOUT, SavedTag, blob_path, dir_header, file_header, index_json, padding,
};
use crate::digest::{Algorithm, Digest};
use crate::manifest::{Descriptor, Manifest};
use crate::policy;
use crate::registry::client::Client;
use crate::registry::errors::Error;
use crate::registry::resolve::{ImageError, PlatformChoice, fetch_document, resolve_images};
use crate::transport::Transport;

/// Where the archive's bytes go (the CLI: a file; the browser: a stream to disk). Each write is
/// awaited before the next bytes are fetched, so a slow disk slows the download instead of
/// filling memory.
#[allow(async_fn_in_trait)] // not Send, like every future in the core
pub trait LayoutSink {
    /// Appends bytes.
    async fn write(&mut self, bytes: &[u8]) -> Result<(), String>;
}

/// Tags of one repository to save.
pub struct SaveSource<'a, T: Transport> {
    /// The registry.
    pub client: &'a Client<T>,
    /// The repository path.
    pub repository: &'a str,
    /// `registry/repository`, for the annotations.
    pub name: &'a str,
    /// The tags.
    pub tags: Vec<String>,
}

/// How to save.
#[derive(Clone, Debug, Default)]
pub struct SaveOptions {
    /// Save foreign layers' blobs instead of leaving their tags out.
    pub allow_foreign_layers: bool,
    /// Where foreign blobs the registry lacks are fetched from instead of their `urls`.
    pub foreign_mirrors: ForeignMirrors,
}

/// Why a save stopped; the archive written so far is incomplete.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Every tag was refused or failed: there is nothing to save.
    #[error("no tag could be saved")]
    Nothing(Vec<TagResult>),
    /// A blob could not be fetched, or was not what its descriptor says.
    #[error("blob {digest}: {source}")]
    Blob {
        /// The blob.
        digest: Digest,
        /// What went wrong.
        source: Error,
    },
    /// The sink refused the bytes.
    #[error("writing the archive: {0}")]
    Write(String),
}

/// What goes into `blobs/`: bytes already in hand (manifests), or a blob to stream.
enum Content {
    Bytes(Vec<u8>),
    Blob { source: usize, descriptor: Box<Descriptor> },
}

/// Saves the tags of `sources` into `sink`, returning one result per tag (refused and failed tags
/// are left out of the archive).
pub async fn save<T: Transport, S: LayoutSink>(
    sources: &[SaveSource<'_, T>],
    options: &SaveOptions,
    sink: &mut S,
) -> Result<Vec<TagResult>, SaveError> {
    let one_repository = sources.windows(2).all(|w| w[0].name == w[1].name);
    let mut results = Vec::new();
    let mut saved = Vec::new();
    let mut blobs: BTreeMap<Digest, Content> = BTreeMap::new();
    for (i, source) in sources.iter().enumerate() {
        for tag in &source.tags {
            let full_name = format!("{}:{tag}", source.name);
            let ref_name = if one_repository { tag.clone() } else { full_name.clone() };
            let mut result = TagResult {
                tag: full_name.clone(),
                digest: None,
                outcome: TagOutcome::Copied,
                reason: None,
                platforms: Vec::new(),
                companions: Vec::new(),
            };
            match read_tag(source, i, tag, options.allow_foreign_layers, &mut blobs).await {
                Ok((top, platforms)) => {
                    result.digest = Some(top.digest.clone());
                    result.platforms = platforms;
                    saved.push(SavedTag {
                        media_type: top.media_type,
                        digest: top.digest,
                        size: top.size,
                        ref_name,
                        full_name,
                    });
                }
                Err(ImageError::Rejected(rejections)) => {
                    result.outcome = TagOutcome::Refused;
                    result.reason = Some(policy::refusal_brief(&rejections));
                }
                Err(other) => {
                    result.outcome = TagOutcome::Failed;
                    result.reason = Some(other.to_string());
                }
            }
            results.push(result);
        }
    }
    if saved.is_empty() {
        return Err(SaveError::Nothing(results));
    }
    write_layout(sources, &blobs, &saved, &options.foreign_mirrors, sink).await?;
    Ok(results)
}

/// A tag's top manifest, as `index.json` names it.
struct Top {
    media_type: String,
    digest: Digest,
    size: u64,
}

/// Reads one tag: its manifests go into `blobs` as bytes, its blobs as descriptors to stream.
async fn read_tag<T: Transport>(
    source: &SaveSource<'_, T>,
    index: usize,
    tag: &str,
    allow_foreign_layers: bool,
    blobs: &mut BTreeMap<Digest, Content>,
) -> Result<(Top, Vec<String>), ImageError> {
    let top = fetch_document(source.client, source.repository, tag).await?;
    let images = resolve_images(source.client, source.repository, tag, &top, &PlatformChoice::All).await?;
    let plan = policy::plan_all(images.iter().map(|i| &i.image), allow_foreign_layers)
        .map_err(ImageError::Rejected)?;
    let mut documents = vec![&top];
    if matches!(top.manifest(), Manifest::Index(_)) {
        documents.extend(images.iter().map(|i| &i.document));
    }
    for document in documents {
        blobs.entry(document.digest().clone()).or_insert_with(|| Content::Bytes(document.bytes().to_vec()));
    }
    for blob in plan.blobs {
        let descriptor = blob.descriptor;
        blobs
            .entry(descriptor.digest.clone())
            .or_insert(Content::Blob { source: index, descriptor: Box::new(descriptor) });
    }
    let platforms = images
        .iter()
        .filter_map(|i| i.platform.as_ref().map(ToString::to_string))
        .filter(|p| !p.starts_with("unknown/"))
        .collect();
    Ok((
        Top {
            media_type: top.media_type().to_owned(),
            digest: top.digest().clone(),
            size: top.bytes().len() as u64,
        },
        platforms,
    ))
}

async fn write_layout<T: Transport, S: LayoutSink>(
    sources: &[SaveSource<'_, T>],
    blobs: &BTreeMap<Digest, Content>,
    saved: &[SavedTag],
    mirrors: &ForeignMirrors,
    sink: &mut S,
) -> Result<(), SaveError> {
    write(sink, &dir_header("blobs/")).await?;
    write(sink, &dir_header("blobs/sha256/")).await?;
    for (digest, content) in blobs {
        if digest.algorithm() != Algorithm::Sha256 {
            return Err(SaveError::Write(format!("{digest}: only sha256 blobs are saved")));
        }
        match content {
            Content::Bytes(bytes) => {
                write(sink, &file_header(&blob_path(digest), bytes.len() as u64)).await?;
                write(sink, bytes).await?;
                write(sink, &vec![0; padding(bytes.len() as u64)]).await?;
            }
            Content::Blob { source, descriptor } => {
                write(sink, &file_header(&blob_path(digest), descriptor.size)).await?;
                stream_blob(&sources[*source], descriptor, mirrors, sink).await?;
                write(sink, &vec![0; padding(descriptor.size)]).await?;
            }
        }
    }
    let index = index_json(saved);
    for (path, bytes) in [("index.json", index.as_slice()), ("oci-layout", OCI_LAYOUT)] {
        write(sink, &file_header(path, bytes.len() as u64)).await?;
        write(sink, bytes).await?;
        write(sink, &vec![0; padding(bytes.len() as u64)]).await?;
    }
    write(sink, &END).await
}

async fn write<S: LayoutSink>(sink: &mut S, bytes: &[u8]) -> Result<(), SaveError> {
    sink.write(bytes).await.map_err(SaveError::Write)
}

/// Streams one blob into the sink, from the registry or else (a foreign layer it lacks) from its
/// `urls`; the stream's verifier fails it on a wrong digest or size.
async fn stream_blob<T: Transport, S: LayoutSink>(
    source: &SaveSource<'_, T>,
    descriptor: &Descriptor,
    mirrors: &ForeignMirrors,
    sink: &mut S,
) -> Result<(), SaveError> {
    let digest = &descriptor.digest;
    let failed = |source| SaveError::Blob { digest: digest.clone(), source };
    let mut stream = match source.client.get_blob(source.repository, digest, Some(descriptor.size)).await {
        Ok(stream) => stream,
        Err(error) if !descriptor.urls.is_empty() && error.registry().is_some_and(|e| e.status == 404) => {
            fetch_foreign(source.client.transport(), mirrors, &descriptor.urls, digest, descriptor.size)
                .await
                .map_err(failed)?
        }
        Err(error) => return Err(failed(error)),
    };
    while let Some(chunk) = stream.next().await.map_err(failed)? {
        write(sink, &chunk).await?;
    }
    Ok(())
}
