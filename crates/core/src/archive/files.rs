//! Reading files out of an indexed archive: locating a blob's file (and sniffing what it is),
//! and reading the small JSON documents whole — capped, so a `manifest.json` declaring 10 GiB
//! is refused rather than read.

use super::archive_error::ArchiveError;
use super::index::{TarEntry, TarIndex};
use super::model::Stored;
use super::random_access::{MAX_READ, RandomAccess};
use super::tar_reader::Reader;
use crate::inflate::sniff;

/// The largest JSON document read whole (`manifest.json`, `index.json`, `repositories`,
/// manifests): 4 MiB, the manifest limit registries enforce.
pub const MAX_METADATA_SIZE: u64 = 4 * 1024 * 1024;

/// The largest image config read whole (long histories make big configs).
pub const MAX_CONFIG_SIZE: u64 = 16 * 1024 * 1024;

/// The file at `path` (links followed) with its compression sniffed; `None` when the archive
/// has no such entry.
pub async fn locate<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    path: &str,
) -> Result<Option<Stored>, ArchiveError> {
    let entry = match index.resolve(path) {
        Ok(entry) => entry,
        Err(ArchiveError::MissingEntry { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    Ok(Some(stored(reader, index, entry).await?))
}

/// The entry as a [`Stored`] blob file, its first bytes read to tell its compression.
pub async fn stored<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    entry: &TarEntry,
) -> Result<Stored, ArchiveError> {
    let compression = match (&entry.facts, index.kept(entry)) {
        (Some(facts), _) => facts.compression,
        (None, Some(body)) => sniff(body),
        (None, None) => {
            let head = reader.read_at(entry.data_offset, 4.min(entry.size as usize)).await;
            sniff(&head.map_err(|e| e.at(entry.data_offset))?)
        }
    };
    Ok(Stored {
        path: entry.path.clone(),
        offset: entry.data_offset,
        size: entry.size,
        compression,
        facts: entry.facts.clone(),
    })
}

/// A whole small file, refused above `limit` bytes. `what` names it in errors.
pub async fn read_whole<R: RandomAccess>(
    reader: &Reader<R>,
    index: &TarIndex,
    stored: &Stored,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, ArchiveError> {
    if stored.size > limit {
        return Err(ArchiveError::MetadataTooLarge {
            what: what.to_owned(),
            path: stored.path.clone(),
            size: stored.size,
            limit,
        });
    }
    if let Some(body) = index.get(&stored.path).and_then(|e| index.kept(e)) {
        return Ok(body.to_vec());
    }
    let mut bytes = Vec::with_capacity(stored.size as usize);
    while (bytes.len() as u64) < stored.size {
        let at = stored.offset + bytes.len() as u64;
        let want = ((stored.size - bytes.len() as u64) as usize).min(MAX_READ);
        let chunk = reader.read_at(at, want).await.map_err(|e| e.at(at))?;
        if chunk.is_empty() {
            return Err(ArchiveError::EntryPastEnd {
                path: stored.path.clone(),
                offset: stored.offset,
                size: stored.size,
                available: Some(bytes.len() as u64),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The sha256 a blob file's name promises, by the conventions of the tools that write archives:
/// `blobs/sha256/<hex>` (OCI layouts, Docker 25+), `<hex>.json` / `<hex>.tar` (skopeo, Docker's
/// config), `<hex>.tar.gz` (go-containerregistry). Legacy `<id>/layer.tar` promises nothing.
pub fn digest_in_name(path: &str) -> Option<crate::digest::Digest> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let hex = match dir {
        "blobs/sha256" => name,
        "" => name.strip_suffix(".json").or(name.strip_suffix(".tar.gz")).or(name.strip_suffix(".tar"))?,
        _ => return None,
    };
    crate::digest::Digest::new(crate::digest::Algorithm::Sha256, hex).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_promise_a_digest() {
        let hex = "d2d16c43e8099560f6097aa800c6b6a78ee116dea21b0b1c445aee73fd90f8bf";
        for path in [
            format!("blobs/sha256/{hex}"),
            format!("{hex}.json"),
            format!("{hex}.tar"),
            format!("{hex}.tar.gz"),
        ] {
            assert_eq!(digest_in_name(&path).map(|d| d.hex().to_owned()), Some(hex.to_owned()), "{path}");
        }
        for path in
            [format!("{hex}/layer.tar"), "manifest.json".to_owned(), format!("x/{hex}.tar"), "abc.tar".into()]
        {
            assert_eq!(digest_in_name(&path), None, "{path}");
        }
    }
}
