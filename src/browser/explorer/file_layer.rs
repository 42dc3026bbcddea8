//! A layer stored in the dropped archive file, when that file is a plain tar: a range of the file,
//! read through its `Blob` slice's byte stream, in the explorer worker's own loop (which can wait
//! for the hashing helper between chunks).

use waybill_core::archive::Stored;
use waybill_core::layers::ExploreError;
use waybill_core::layers::source::Feed;
use web_sys::Blob;

use super::hash_helper::Pacer;
use crate::browser::blob::BlobStream;
use crate::browser::fetch::describe;
use crate::browser::hasher::HASH_BUFFER;

/// A stored layer of a plain archive, read through its `Blob` range's byte stream into one
/// reused buffer: reading it by `arrayBuffer()` slices (the archive reader's random access) left
/// tens of MiB of ArrayBuffers waiting for the collector while a 256 MiB layer was listed.
pub async fn stream_range(
    file: &Blob,
    stored: &Stored,
    pacer: Option<&Pacer>,
    feed: &mut Feed<'_>,
) -> Result<(), ExploreError> {
    let unreadable =
        |why: String| ExploreError::Path(format!("{} cannot be read from the file: {why}", stored.path));
    let end = stored.offset + stored.size;
    let range = file
        .slice_with_f64_and_f64(stored.offset as f64, end as f64)
        .map_err(|e| unreadable(describe(&e)))?;
    let mut stream = BlobStream::new(&range, HASH_BUFFER).map_err(|e| unreadable(e.to_string()))?;
    while let Some(chunk) = stream.next().await.map_err(|e| unreadable(e.to_string()))? {
        if feed(chunk)?.is_break() {
            return Ok(());
        }
        if let Some(pacer) = pacer {
            pacer.wait().await;
        }
    }
    if stream.offset() < stored.size {
        return Err(unreadable(format!(
            "the file ends after {} of its {} bytes",
            stream.offset(),
            stored.size
        )));
    }
    Ok(())
}
