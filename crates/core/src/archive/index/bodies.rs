//! Reading an entry's body during the index pass: through to its end, hashed (and decompressed
//! for its diff ID when it is compressed), or only to learn that it is all there.

use super::{BodyFacts, TarEntry};
use crate::archive::archive_error::ArchiveError;
use crate::archive::random_access::RandomAccess;
use crate::archive::tar_reader::Reader;
use crate::diffid::{DiffIdError, DiffIdHasher};
use crate::digest::{Algorithm, Hasher};
use crate::inflate::sniff;
use crate::media::Compression;

/// Bodies are read this much at a time when hashed during the index pass.
const HASH_CHUNK: usize = 1024 * 1024;

fn cut_short(entry: &TarEntry, got: u64) -> ArchiveError {
    ArchiveError::EntryPastEnd {
        path: entry.path.clone(),
        offset: entry.data_offset,
        size: entry.size,
        available: Some(got),
    }
}

/// Reads `entry`'s body in order, handing each chunk to `each`; a body the archive cuts short
/// is an error. The one read loop behind both ways the index pass reads a body.
async fn read_through<R: RandomAccess>(
    reader: &Reader<R>,
    entry: &TarEntry,
    mut each: impl FnMut(&[u8]),
) -> Result<(), ArchiveError> {
    let mut done = 0u64;
    while done < entry.size {
        let want = (entry.size - done).min(HASH_CHUNK as u64) as usize;
        let at = entry.data_offset + done;
        let chunk = reader.read_at(at, want).await.map_err(|e| e.at(at))?;
        if chunk.is_empty() {
            return Err(cut_short(entry, done));
        }
        each(&chunk);
        done += chunk.len() as u64;
    }
    Ok(())
}

/// Reads a body through, only to learn that it is all there.
pub(super) async fn expect_bytes<R: RandomAccess>(
    reader: &Reader<R>,
    entry: &TarEntry,
) -> Result<(), ArchiveError> {
    read_through(reader, entry, |_| {}).await
}

/// Reads a body, hashing it (and decompressing it for its diff ID when it is compressed);
/// returns the body too when `keep` is set.
pub(super) async fn read_body<R: RandomAccess>(
    reader: &Reader<R>,
    entry: &TarEntry,
    keep: bool,
) -> Result<(BodyFacts, Option<Vec<u8>>), ArchiveError> {
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut diff_id: Option<Result<DiffIdHasher, DiffIdError>> = None;
    let mut compression = Compression::None;
    let mut kept = keep.then(Vec::new);
    let mut first = true;
    read_through(reader, entry, |chunk| {
        if first {
            first = false;
            compression = sniff(chunk);
            if compression != Compression::None {
                diff_id = Some(Ok(DiffIdHasher::new()));
            }
        }
        hasher.update(chunk);
        if let Some(Ok(h)) = &mut diff_id
            && let Err(e) = h.update(chunk)
        {
            diff_id = Some(Err(e));
        }
        if let Some(kept) = &mut kept {
            kept.extend_from_slice(chunk);
        }
    })
    .await?;
    let diff_id = diff_id.map(|d| d.and_then(DiffIdHasher::finish));
    Ok((BodyFacts { sha256: hasher.finalize(), compression, diff_id }, kept))
}
