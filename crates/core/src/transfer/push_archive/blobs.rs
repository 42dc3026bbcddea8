//! Step 5 of a push: the blobs onto the registry. Which compressed layers the destination
//! already holds from an earlier push of the same image ([`forms_in_place`]), and how each blob
//! it lacks gets there, verified ([`transfer`]): from the archive as stored, compressed on the
//! fly, or streamed from its `urls`. Kept apart from the push's order ([`super::push_with`]),
//! which decides when each of these runs.

use super::{PushEvent, PushOptions};
use crate::archive::Archive;
use crate::archive::RandomAccess;
use crate::archive::access::{ArchiveAccess, StoredBlob};
use crate::archive::archive_source::{ArchiveSource, CompressedBytes};
use crate::archive::build::{BlobOrigin, PushBlob, PushImage, Top};
use crate::archive::verify;
use crate::digest::{Digest, Verified};
use crate::manifest::{Descriptor, Manifest, ManifestDocument};
use crate::registry::upload::ChunkPolicy;
use crate::registry::{BlobSource, Error, StreamSource};
use crate::transfer::ImageAt;
use crate::transfer::foreign::fetch_foreign;
use crate::transfer::move_blobs::Moved;
use crate::transfer::{BlobOutcome, CopyEvent};
use crate::transport::Transport;

/// Compressed forms of the image's layers the destination already has, by the diff ID each is
/// made from: the layers of the manifest under `reference`, when that manifest is of this image
/// (the same config, so the same diff IDs, position by position) and in the same codec. Reusing
/// them is what lets a second push send nothing: without them, a layer's compressed digest is
/// known only by compressing it again. Anything else there (nothing, another image, an error)
/// means nothing to reuse.
pub(super) async fn forms_in_place<T: Transport>(
    dst: &ImageAt<'_, T>,
    pushed: &PushImage,
) -> Vec<(Digest, Descriptor)> {
    let Top::Pending { manifest: ours, .. } = &pushed.top else { return Vec::new() };
    let Ok(fetched) = dst.client.get_manifest(dst.repository, dst.reference).await else { return Vec::new() };
    let Ok(document) = ManifestDocument::parse(fetched.bytes, fetched.media_type.as_deref()) else {
        return Vec::new();
    };
    let Manifest::Image(there) = document.manifest() else { return Vec::new() };
    if there.config.digest != ours.config.digest || there.layers.len() != ours.layers.len() {
        return Vec::new();
    }
    ours.layers
        .iter()
        .zip(&there.layers)
        .filter(|(o, t)| o.media_type == t.media_type && t.urls.is_empty())
        .map(|(o, t)| (o.digest.clone(), t.clone()))
        .collect()
}

/// Gets one blob the registry lacks verified onto it.
pub(super) async fn transfer<R: RandomAccess, T: Transport, A: ArchiveAccess<R, Chunk = T::Chunk>>(
    archive: &Archive<R>,
    access: &A,
    facts: &verify::Facts,
    dst: &ImageAt<'_, T>,
    blob: &PushBlob,
    options: &PushOptions,
    events: &dyn Fn(PushEvent<'_>),
) -> Result<Moved, Error> {
    let d = &blob.descriptor;
    let progress = |done: u64| {
        events(PushEvent::Copy(CopyEvent::BlobProgress { digest: &d.digest, done, total: d.size }))
    };
    match &blob.origin {
        BlobOrigin::Stored(stored) => {
            let facts = facts.get(&stored.offset).and_then(|f| f.as_ref().ok());
            let source = access.stored(archive, StoredBlob { stored, descriptor: d, facts });
            upload(dst, source, options.chunk, &progress).await?;
            Ok(BlobOutcome::Uploaded.into())
        }
        BlobOrigin::Compressed(stored, codec) => {
            // Progress is the layer's bytes read: the compressed size is known only at the end.
            let producer =
                CompressedBytes::new(archive, stored.clone(), *codec, access.compressor(), &progress);
            let source: ArchiveSource<_, T::Chunk> = ArchiveSource::made(producer, d.digest.clone());
            let made = upload(dst, source, options.chunk, &|_| {}).await?;
            Ok(Moved { outcome: BlobOutcome::Compressed, made: Some(made) })
        }
        BlobOrigin::Urls(urls) => {
            // The download starts before the upload session, so that an unreachable URL leaves
            // nothing behind on the registry. The transport is used bare: the registry's
            // credentials never go to a foreign URL.
            let stream =
                fetch_foreign(dst.client.transport(), &options.foreign_mirrors, urls, &d.digest, d.size)
                    .await?;
            let source: StreamSource<T::Body, T::Chunk> = StreamSource::new(stream, d.digest.clone(), d.size);
            upload(dst, source, options.chunk, &progress).await?;
            Ok(BlobOutcome::UploadedFromUrls.into())
        }
    }
}

/// Opens an upload session and sends `source` through it, verified: the last step of every way
/// a blob reaches the registry. The session is opened only once the source is ready, so a
/// source that cannot start (an unreachable URL) leaves nothing behind on the registry.
async fn upload<T: Transport, S: BlobSource<Chunk = T::Chunk>>(
    dst: &ImageAt<'_, T>,
    mut source: S,
    chunk: ChunkPolicy,
    progress: &dyn Fn(u64),
) -> Result<Verified, Error> {
    let session = dst.client.start_upload(dst.repository).await?;
    dst.client.upload_blob(dst.repository, session, &mut source, chunk, progress).await
}
