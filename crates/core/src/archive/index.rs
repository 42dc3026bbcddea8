//! The tar index: every entry's path, type, size and where its body lies — built from the
//! headers alone on a random-access archive, so indexing a 10 GiB `docker save` reads a few
//! hundred 512-byte blocks.
//!
//! On a compressed archive skipping a body costs as much as reading it, so the index pass reads
//! every body there and records its sha256 (and, for compressed bodies, its diff ID): verifying
//! the archive afterwards needs no second pass. Small bodies (the JSON documents) are kept, so
//! that reading `manifest.json` after the pass does not start the decompression over.

use std::collections::BTreeMap;

use super::error::ArchiveError;
use super::inflate::sniff;
use super::path::{self, PathError};
use super::reader::Reader;
use super::source::RandomAccess;
use super::tar::{self, BLOCK, EntryType, MAX_PATH_LEN, MAX_PAX_SIZE, PaxOverrides};
use crate::diffid::{DiffId, DiffIdError, DiffIdHasher};
use crate::digest::{Algorithm, Digest, Hasher};
use crate::media::Compression;

/// The most entries an archive may have. A docker-save or OCI layout of a large image has a few
/// hundred; the cap bounds the index's memory.
pub const MAX_ENTRIES: usize = 100_000;

/// The most path bytes the index holds, all entries together.
pub const MAX_PATH_BYTES: usize = 16 * 1024 * 1024;

/// Bodies are read this much at a time when hashed during the index pass.
const HASH_CHUNK: usize = 1024 * 1024;

/// How to build the index.
#[derive(Clone, Copy, Debug)]
pub struct IndexOptions {
    /// Read and hash every file body during the pass (for compressed archives, where skipping
    /// costs the same as reading).
    pub hash_bodies: bool,
    /// Keep file bodies up to this size in memory (only when hashing bodies).
    pub keep_small: u64,
    /// Total bytes of kept bodies.
    pub keep_budget: u64,
    /// Entries declaring more than this are refused before anything is read (the limit on
    /// decompressed bytes, for archives whose length is only known at the end).
    pub max_entry_size: u64,
}

/// What the index pass learnt from a body it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyFacts {
    /// sha256 of the body.
    pub sha256: Digest,
    /// What its first bytes say it is compressed with.
    pub compression: Compression,
    /// For gzip and zstd bodies: the digest of what they decompress to (a layer's diff ID), or
    /// why they could not be decompressed.
    pub diff_id: Option<Result<DiffId, DiffIdError>>,
}

/// One tar entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TarEntry {
    /// Normalised path (no `./`, no trailing `/`).
    pub path: String,
    /// What it is.
    pub entry_type: EntryType,
    /// For links: the target as written.
    pub link: Option<String>,
    /// Where its (first) header starts, counting extension headers.
    pub header_offset: u64,
    /// Where its body starts.
    pub data_offset: u64,
    /// Body size in bytes.
    pub size: u64,
    /// Filled in when the index pass read the body.
    pub facts: Option<BodyFacts>,
}

/// Every entry of a tar, by path.
#[derive(Clone, Debug, Default)]
pub struct TarIndex {
    entries: Vec<TarEntry>,
    by_path: BTreeMap<String, usize>,
    kept: BTreeMap<usize, Vec<u8>>,
    /// Where the archive's content ends (the end-of-archive marker or the last body).
    end: u64,
}

/// Hard links and symbolic links followed before giving up (a loop, or a chain no tool writes).
const MAX_LINK_HOPS: usize = 8;

impl TarIndex {
    /// The entries in archive order.
    pub fn entries(&self) -> &[TarEntry] {
        &self.entries
    }

    /// The entry at exactly this normalised path.
    pub fn get(&self, path: &str) -> Option<&TarEntry> {
        self.by_path.get(path).map(|&i| &self.entries[i])
    }

    /// The byte offset where the tar content ends.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The body kept in memory by the index pass, if it was.
    pub fn kept(&self, entry: &TarEntry) -> Option<&[u8]> {
        let i = self.by_path.get(&entry.path)?;
        self.kept.get(i).map(Vec::as_slice)
    }

    /// The regular file a path names, following hard and symbolic links inside the archive
    /// (Docker's legacy `<id>/layer.tar` entries are links to the real layer file).
    pub fn resolve(&self, raw_path: &str) -> Result<&TarEntry, ArchiveError> {
        let missing = |path: &str| ArchiveError::MissingEntry { path: path.to_owned(), wanted_by: None };
        let mut current = match path::normalize(raw_path.as_bytes()) {
            Ok(Some(p)) => p,
            Ok(None) | Err(_) => return Err(missing(raw_path)),
        };
        for _ in 0..=MAX_LINK_HOPS {
            let entry = self.get(&current).ok_or_else(|| missing(&current))?;
            let next = match (entry.entry_type, &entry.link) {
                (EntryType::File, _) => return Ok(entry),
                (EntryType::Symlink, Some(target)) => path::symlink_target(&entry.path, target),
                (EntryType::Hardlink, Some(target)) => path::normalize(target.as_bytes()).ok().flatten(),
                _ => return Err(ArchiveError::NotAFile { path: entry.path.clone() }),
            };
            current = next.ok_or_else(|| ArchiveError::LinkOutside {
                path: entry.path.clone(),
                target: entry.link.clone().unwrap_or_default(),
            })?;
        }
        Err(ArchiveError::LinkLoop { path: raw_path.to_owned(), hops: MAX_LINK_HOPS })
    }
}

/// What the extension headers before an entry said about it.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: PaxOverrides,
    first_header: Option<u64>,
}

/// Reads the headers (and, with `hash_bodies`, the bodies) of the tar in `reader`.
pub async fn build<R: RandomAccess>(
    reader: &Reader<R>,
    options: IndexOptions,
) -> Result<TarIndex, ArchiveError> {
    let mut index = TarIndex::default();
    let mut pending = Pending::default();
    let mut offset = 0u64;
    let mut path_bytes = 0usize;
    let mut kept_bytes = 0u64;
    loop {
        let block = reader.read_at(offset, BLOCK as usize).await.map_err(|e| e.at(offset))?;
        if block.is_empty() && reader.known_len().is_none_or(|len| offset >= len) {
            if offset == 0 {
                // Not even one header: an empty file (GNU tar: "does not look like a tar archive").
                return Err(ArchiveError::Truncated { what: "there is no data in it at all".into() });
            }
            // The data ends at a header boundary: an archive without the end-of-archive marker
            // (some writers omit it). Anything pending is an extension header with no entry.
            break;
        }
        let block: &[u8; 512] = block.as_slice().try_into().map_err(|_| ArchiveError::Truncated {
            what: format!(
                "the archive ends inside the tar header at byte {offset} ({} of 512 bytes)",
                block.len()
            ),
        })?;
        let Some(header) = tar::parse_header(block, offset)? else { break };
        let data_offset = offset + BLOCK;
        pending.first_header.get_or_insert(offset);
        let size = match (header.entry_type, pending.pax.size) {
            (EntryType::Pax | EntryType::PaxGlobal | EntryType::GnuLongName | EntryType::GnuLongLink, _) => {
                header.size
            }
            (_, Some(pax_size)) => pax_size,
            (_, None) => header.size,
        };
        let name_for_errors = || {
            String::from_utf8_lossy(
                pending.pax.path.as_deref().or(pending.long_name.as_deref()).unwrap_or(&header.name),
            )
            .into_owned()
        };
        check_size(reader, &name_for_errors(), data_offset, size, options.max_entry_size)?;
        let next = tar::padded(size).and_then(|p| data_offset.checked_add(p)).ok_or_else(|| {
            ArchiveError::EntryPastEnd { path: name_for_errors(), offset: data_offset, size, available: None }
        })?;
        match header.entry_type {
            EntryType::GnuLongName | EntryType::GnuLongLink => {
                let body =
                    read_extension(reader, data_offset, size, MAX_PATH_LEN as u64 + 1, "GNU long name")
                        .await?;
                let value = body.split(|&b| b == 0).next().unwrap_or_default().to_vec();
                if header.entry_type == EntryType::GnuLongName {
                    pending.long_name = Some(value);
                } else {
                    pending.long_link = Some(value);
                }
            }
            EntryType::Pax => {
                let body = read_extension(reader, data_offset, size, MAX_PAX_SIZE, "PAX header").await?;
                pending.pax = tar::parse_pax(&body)
                    .map_err(|reason| ArchiveError::BadPax { offset: data_offset, reason })?;
            }
            EntryType::PaxGlobal => {
                // Global records (comments, mtimes) change nothing Waybill reads; only check them.
                let body =
                    read_extension(reader, data_offset, size, MAX_PAX_SIZE, "PAX global header").await?;
                tar::parse_pax(&body)
                    .map_err(|reason| ArchiveError::BadPax { offset: data_offset, reason })?;
                pending = Pending::default();
            }
            entry_type => {
                let raw_path = pending.pax.path.take().or(pending.long_name.take()).unwrap_or(header.name);
                let raw_link = pending.pax.link.take().or(pending.long_link.take()).unwrap_or(header.link);
                let header_offset = pending.first_header.take().unwrap_or(offset);
                pending = Pending::default();
                let lossy = String::from_utf8_lossy(&raw_path).into_owned();
                let path = match path::normalize(&raw_path) {
                    Ok(Some(path)) => path,
                    // The root directory entry (`./`) names nothing.
                    Ok(None) if entry_type == EntryType::Directory => {
                        offset = next;
                        continue;
                    }
                    Ok(None) => return Err(bad_path(lossy, header_offset, PathError::Empty)),
                    Err(problem) => return Err(bad_path(lossy, header_offset, problem)),
                };
                let link = match entry_type {
                    EntryType::Symlink | EntryType::Hardlink => {
                        Some(String::from_utf8(raw_link).map_err(|_| ArchiveError::BadPath {
                            path: path.clone(),
                            offset: header_offset,
                            problem: PathError::NotUtf8,
                        })?)
                    }
                    _ => None,
                };
                if let Some(&first) = index.by_path.get(&path) {
                    return Err(ArchiveError::DuplicateEntry {
                        path,
                        first: index.entries[first].header_offset,
                        second: header_offset,
                    });
                }
                if index.entries.len() >= MAX_ENTRIES {
                    return Err(ArchiveError::TooManyEntries { limit: MAX_ENTRIES });
                }
                path_bytes += path.len();
                if path_bytes > MAX_PATH_BYTES {
                    return Err(ArchiveError::PathsTooLong { limit: MAX_PATH_BYTES });
                }
                let mut entry =
                    TarEntry { path, entry_type, link, header_offset, data_offset, size, facts: None };
                let position = index.entries.len();
                if entry_type == EntryType::File && options.hash_bodies {
                    let keep = size <= options.keep_small && kept_bytes + size <= options.keep_budget;
                    let (facts, body) = read_body(reader, &entry, keep).await?;
                    entry.facts = Some(facts);
                    if let Some(body) = body {
                        kept_bytes += size;
                        index.kept.insert(position, body);
                    }
                } else if reader.known_len().is_none() {
                    // A sequential source can only learn that a body is cut short by reading to
                    // its end; do so now rather than leave a truncated archive looking whole.
                    expect_bytes(reader, &entry).await?;
                }
                index.by_path.insert(entry.path.clone(), position);
                index.entries.push(entry);
            }
        }
        index.end = data_offset + size;
        offset = next;
    }
    if pending.first_header.is_some() {
        return Err(ArchiveError::Truncated {
            what: format!(
                "the archive ends after an extension header at byte {} that belongs to no entry",
                pending.first_header.unwrap_or(offset)
            ),
        });
    }
    Ok(index)
}

fn bad_path(path: String, offset: u64, problem: PathError) -> ArchiveError {
    ArchiveError::BadPath { path, offset, problem }
}

/// Refuses bodies that cannot fit: past the end of a random-access archive, or over the
/// decompressed-size limit of a compressed one.
fn check_size<R: RandomAccess>(
    reader: &Reader<R>,
    path: &str,
    data_offset: u64,
    size: u64,
    max_entry_size: u64,
) -> Result<(), ArchiveError> {
    match reader.known_len() {
        Some(len) if size > len.saturating_sub(data_offset) => Err(ArchiveError::EntryPastEnd {
            path: path.to_owned(),
            offset: data_offset,
            size,
            available: Some(len.saturating_sub(data_offset)),
        }),
        None if size > max_entry_size => Err(ArchiveError::EntryTooLarge {
            path: path.to_owned(),
            offset: data_offset,
            size,
            limit: max_entry_size,
        }),
        _ => Ok(()),
    }
}

async fn read_extension<R: RandomAccess>(
    reader: &Reader<R>,
    offset: u64,
    size: u64,
    limit: u64,
    kind: &'static str,
) -> Result<Vec<u8>, ArchiveError> {
    if size > limit {
        return Err(ArchiveError::ExtensionTooLarge { kind, offset, size, limit });
    }
    let body = reader.read_at(offset, size as usize).await.map_err(|e| e.at(offset))?;
    if (body.len() as u64) < size {
        return Err(ArchiveError::Truncated {
            what: format!(
                "the archive ends inside a {kind} at byte {offset} ({} of {size} bytes)",
                body.len()
            ),
        });
    }
    Ok(body)
}

fn cut_short(entry: &TarEntry, got: u64) -> ArchiveError {
    ArchiveError::EntryPastEnd {
        path: entry.path.clone(),
        offset: entry.data_offset,
        size: entry.size,
        available: Some(got),
    }
}

/// Reads a body through, only to learn that it is all there.
async fn expect_bytes<R: RandomAccess>(reader: &Reader<R>, entry: &TarEntry) -> Result<(), ArchiveError> {
    let mut done = 0u64;
    while done < entry.size {
        let want = (entry.size - done).min(HASH_CHUNK as u64) as usize;
        let at = entry.data_offset + done;
        let chunk = reader.read_at(at, want).await.map_err(|e| e.at(at))?;
        if chunk.is_empty() {
            return Err(cut_short(entry, done));
        }
        done += chunk.len() as u64;
    }
    Ok(())
}

/// Reads a body, hashing it (and decompressing it for its diff ID when it is compressed);
/// returns the body too when `keep` is set.
async fn read_body<R: RandomAccess>(
    reader: &Reader<R>,
    entry: &TarEntry,
    keep: bool,
) -> Result<(BodyFacts, Option<Vec<u8>>), ArchiveError> {
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut diff_id: Option<Result<DiffIdHasher, DiffIdError>> = None;
    let mut compression = Compression::None;
    let mut kept = keep.then(Vec::new);
    let mut done = 0u64;
    while done < entry.size {
        let want = (entry.size - done).min(HASH_CHUNK as u64) as usize;
        let at = entry.data_offset + done;
        let chunk = reader.read_at(at, want).await.map_err(|e| e.at(at))?;
        if chunk.is_empty() {
            return Err(cut_short(entry, done));
        }
        if done == 0 {
            compression = sniff(&chunk);
            if compression != Compression::None {
                diff_id = Some(Ok(DiffIdHasher::new()));
            }
        }
        hasher.update(&chunk);
        if let Some(Ok(h)) = &mut diff_id
            && let Err(e) = h.update(&chunk)
        {
            diff_id = Some(Err(e));
        }
        if let Some(kept) = &mut kept {
            kept.extend_from_slice(&chunk);
        }
        done += chunk.len() as u64;
    }
    let diff_id = diff_id.map(|d| d.and_then(DiffIdHasher::finish));
    Ok((BodyFacts { sha256: hasher.finalize(), compression, diff_id }, kept))
}
