//! The index pass itself: header after header, extension headers folded into the entry they
//! precede, every limit checked before anything is kept.

use super::bodies::{expect_bytes, read_body};
use super::{IndexOptions, MAX_ENTRIES, MAX_PATH_BYTES, TarEntry, TarIndex};
use crate::archive::archive_error::ArchiveError;
use crate::archive::path::{self, PathError};
use crate::archive::random_access::RandomAccess;
use crate::archive::tar::{self, BLOCK, EntryType, MAX_PATH_LEN, MAX_PAX_SIZE, PaxOverrides};
use crate::archive::tar_reader::Reader;

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
