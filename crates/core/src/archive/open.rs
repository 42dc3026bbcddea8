//! Opening an archive: tell a compressed file by its magic bytes (never by its name), index the
//! tar, recognise docker-save and OCI-layout metadata (Docker 25+ writes both; an image in both is
//! read from the OCI layout, with the docker-save tags added), and read every image.

use super::archive_error::ArchiveError;
use super::decompressed::{Decompressed, default_limit};
use super::docker::{self, MANIFEST_JSON, REPOSITORIES};
use super::index::{self, IndexOptions, TarIndex};
use super::metadata::Metadata;
use super::model::{ArchiveImage, ArchiveLayer, ImageFormat, Stored};
use super::oci::{self, INDEX_JSON};
use super::random_access::{MAX_READ, RandomAccess};
use super::tar_reader::Reader;
use crate::inflate::{Inflater, sniff};
use crate::media::Compression;
use crate::reference::Reference;

/// Bodies up to this size are kept in memory by the index pass of a compressed archive.
const KEEP_SMALL: u64 = 1024 * 1024;
/// All kept bodies together.
const KEEP_BUDGET: u64 = 16 * 1024 * 1024;

/// How to open an archive.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// For compressed archives: the most bytes decompression may produce (default: see
    /// [`default_limit`]).
    pub max_uncompressed: Option<u64>,
}

/// An indexed archive and the images in it.
pub struct Archive<R> {
    reader: Reader<R>,
    index: TarIndex,
    images: Vec<ArchiveImage>,
    formats: Vec<ImageFormat>,
    warnings: Vec<String>,
}

impl<R> std::fmt::Debug for Archive<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive").field("formats", &self.formats).field("images", &self.images.len()).finish()
    }
}

impl<R: RandomAccess> Archive<R> {
    /// Indexes `source` and reads every image in it. On a plain tar this reads the headers and
    /// the JSON documents only; on a compressed one it makes one pass over everything.
    pub async fn open(source: R, options: OpenOptions) -> Result<Archive<R>, ArchiveError> {
        let head = source
            .read_at(0, 4.min(MAX_READ))
            .await
            .map_err(|e| ArchiveError::Read { offset: 0, source: e.into() })?;
        let compression = sniff(&head);
        let limit = options.max_uncompressed.unwrap_or_else(|| default_limit(source.len()));
        let reader = match Inflater::new(compression) {
            Some(inflater) => Reader::Compressed(Decompressed::new(source, inflater, limit)),
            None => Reader::Plain(source),
        };
        Archive::from_reader(reader, limit).await
    }

    async fn from_reader(reader: Reader<R>, limit: u64) -> Result<Archive<R>, ArchiveError> {
        let sequential = reader.known_len().is_none();
        let options = IndexOptions {
            hash_bodies: sequential,
            keep_small: KEEP_SMALL,
            keep_budget: KEEP_BUDGET,
            max_entry_size: limit,
        };
        let index = index::build(&reader, options).await?;
        let mut warnings = Vec::new();
        // One for both layouts: Docker 25+ names each config from both.
        let mut metadata = Metadata::default();
        let has = |path: &str| index.get(path).is_some();
        let mut formats = Vec::new();
        let mut images = Vec::new();
        if has(INDEX_JSON) {
            formats.push(ImageFormat::OciLayout);
            images = oci::read_images(&reader, &index, &mut metadata).await?;
        }
        if has(MANIFEST_JSON) {
            formats.push(ImageFormat::DockerSave);
            let saved = docker::read_images(&reader, &index, &mut metadata, &mut warnings).await?;
            merge(&mut images, saved);
        }
        if formats.is_empty() {
            return Err(ArchiveError::NotAnImageArchive { legacy: has(REPOSITORIES) });
        }
        Ok(Archive { reader, index, images, formats, warnings })
    }
}

/// Adds docker-save images, folding each into the image with the same config and the same layer
/// files (Docker 25+ describes every image both ways; some tools write one entry per tag) so that
/// it is listed once, with all its names. An entry naming other files for its layers stays an
/// image of its own, which verify checks: folded, its files would never be read.
fn merge(images: &mut Vec<ArchiveImage>, saved: Vec<ArchiveImage>) {
    for image in saved {
        let Some(manifest) = image.manifests.first() else { continue };
        let twin = images.iter_mut().find(|existing| match existing.manifests.as_slice() {
            [other] => {
                other.config.descriptor.digest == manifest.config.descriptor.digest
                    && same_files(&other.layers, &manifest.layers)
            }
            _ => false,
        });
        match twin {
            Some(twin) => {
                for name in image.names {
                    if !twin.names.contains(&name) {
                        twin.names.push(name);
                    }
                }
            }
            None => images.push(image),
        }
    }
}

/// Whether two layer lists name the same files (a layer absent from the archive, as a foreign
/// layer the OCI side leaves out, matches any).
fn same_files(a: &[ArchiveLayer], b: &[ArchiveLayer]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| match (&a.stored, &b.stored) {
            (Some(a), Some(b)) => a.path == b.path,
            _ => true,
        })
}

impl<R: RandomAccess> Archive<R> {
    /// The images, in the order the archive lists them.
    pub fn images(&self) -> &[ArchiveImage] {
        &self.images
    }

    /// The layouts the archive carries (both, for Docker 25+ saves).
    pub fn formats(&self) -> &[ImageFormat] {
        &self.formats
    }

    /// Things to know that do not stop anything (legacy metadata disagreeing, …).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The tar index.
    pub fn index(&self) -> &TarIndex {
        &self.index
    }

    /// The archive file's own compression.
    pub fn compression(&self) -> Compression {
        self.reader.compression()
    }

    /// The archive file's size in bytes (compressed, for a compressed archive).
    pub fn file_len(&self) -> u64 {
        self.reader.file().len()
    }

    /// Passes made over a compressed archive so far (see docs/archives.md); 1 for a plain one.
    pub async fn passes(&self) -> u32 {
        self.reader.passes().await
    }

    /// Up to `len` bytes of a stored file, from `offset` within it.
    pub async fn read_stored(
        &self,
        stored: &Stored,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, ArchiveError> {
        let len =
            len.min(MAX_READ).min(usize::try_from(stored.size.saturating_sub(offset)).unwrap_or(usize::MAX));
        let at = stored.offset + offset;
        let bytes = self.reader.read_at(at, len).await.map_err(|e| e.at(at))?;
        if bytes.len() < len {
            return Err(ArchiveError::EntryPastEnd {
                path: stored.path.clone(),
                offset: stored.offset,
                size: stored.size,
                available: Some(offset + bytes.len() as u64),
            });
        }
        Ok(bytes)
    }

    /// The image `wanted` names, or the only image. A name matches a saved name exactly or as
    /// the same reference (`busybox:1` is `docker.io/library/busybox:1`); a digest matches an
    /// image's manifest or config digest.
    pub fn select(&self, wanted: Option<&str>) -> Result<&ArchiveImage, ArchiveError> {
        let labels = || self.images.iter().map(ArchiveImage::all_names).collect::<Vec<_>>();
        let Some(wanted) = wanted else {
            return match self.images.as_slice() {
                [only] => Ok(only),
                _ => Err(ArchiveError::AmbiguousImage { available: labels() }),
            };
        };
        let canonical = |name: &str| Reference::parse(name).ok();
        let wanted_canonical = canonical(wanted);
        self.images
            .iter()
            .find(|image| {
                image.names.iter().any(|name| {
                    name == wanted || (wanted_canonical.is_some() && canonical(name) == wanted_canonical)
                }) || image.top.as_ref().is_some_and(|t| t.digest().to_string() == wanted)
                    || image.manifests.iter().any(|m| m.config.descriptor.digest.to_string() == wanted)
            })
            .ok_or_else(|| ArchiveError::ImageNotFound { wanted: wanted.to_owned(), available: labels() })
    }
}
