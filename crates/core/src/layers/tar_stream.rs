//! A tar read as it streams by: fed whatever pieces the decompressor emits, it emits the entries
//! (ustar, GNU long names and links, PAX `path`/`linkpath`/`size`, hard and symbolic links),
//! optionally with each file's sha256 computed in the same pass, and the body of one chosen entry.
//!
//! Memory is one header block, one extension body (capped: [`MAX_PAX_SIZE`], [`MAX_PATH_LEN`])
//! and one hasher, whatever the layer's size: bodies are hashed and handed on as they pass,
//! never kept. Headers are parsed by the archive reader's own `archive::tar`.

use std::ops::ControlFlow;

use super::entry::{self, Entry, Kind, shown};
use super::tar_error::TarError;
use crate::archive::tar::{self, BLOCK, EntryType, MAX_PATH_LEN, MAX_PAX_SIZE, PaxOverrides, RawHeader};
use crate::digest::{Algorithm, Digest, Hasher};

/// What the reader is asked to do besides listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Hash every regular file's content (sha256) as it passes.
    pub hash_files: bool,
    /// Hand over the body of the entry whose first header is at this offset ([`Entry::offset`]).
    pub capture: Option<u64>,
}

/// What the reader hands its caller.
#[derive(Debug)]
pub enum Event<'a> {
    /// An entry, complete: a file's once its body has passed (and been hashed, if asked).
    Entry(&'a Entry),
    /// A piece of the captured entry's body, in order.
    Data(&'a [u8]),
}

/// The caller's side: `Break` asks the reader to stop (it finishes the piece in hand quietly).
pub type Visit<'a> = dyn FnMut(Event<'_>) -> ControlFlow<()> + 'a;

/// Extension headers seen, waiting for the entry they describe.
#[derive(Debug, Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: PaxOverrides,
    first_header: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extension {
    LongName,
    LongLink,
    Pax,
    PaxGlobal,
}

impl Extension {
    fn describe(self) -> &'static str {
        match self {
            Extension::LongName => "GNU long name",
            Extension::LongLink => "GNU long link",
            Extension::Pax => "PAX header",
            Extension::PaxGlobal => "PAX global header",
        }
    }

    fn limit(self) -> u64 {
        match self {
            Extension::LongName | Extension::LongLink => MAX_PATH_LEN as u64 + 1,
            Extension::Pax | Extension::PaxGlobal => MAX_PAX_SIZE,
        }
    }
}

#[derive(Debug)]
enum Phase {
    /// Collecting a 512-byte header.
    Header,
    /// Collecting an extension body (capped, so it may be kept).
    Extension { kind: Extension, offset: u64, size: u64, body: Vec<u8> },
    /// An entry's body passing by.
    Body { entry: Box<Entry>, left: u64, hasher: Option<Hasher>, capture: bool },
    /// Padding to the next block.
    Padding(u64),
    /// After the end-of-archive block: the rest (zero padding) is not tar.
    End,
}

/// The streaming reader.
#[derive(Debug)]
pub struct TarStream {
    options: ReadOptions,
    /// Uncompressed bytes consumed.
    offset: u64,
    phase: Phase,
    block: Box<[u8; 512]>,
    filled: usize,
    pending: Pending,
    stopped: bool,
    entries: u64,
}

impl TarStream {
    /// A reader at the start of a tar.
    pub fn new(options: ReadOptions) -> TarStream {
        TarStream {
            options,
            offset: 0,
            phase: Phase::Header,
            block: Box::new([0; 512]),
            filled: 0,
            pending: Pending::default(),
            stopped: false,
            entries: 0,
        }
    }

    /// Whether the caller asked to stop.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Entries emitted so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Uncompressed bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Consumes all of `data`, emitting what completes; `Break` once the caller asked to stop.
    pub fn push(&mut self, mut data: &[u8], visit: &mut Visit) -> Result<ControlFlow<()>, TarError> {
        while !data.is_empty() {
            let used = self.step(data, visit)?;
            self.offset += used as u64;
            data = &data[used..];
        }
        Ok(if self.stopped { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
    }

    /// The end of the data: anything left half-read is an error.
    pub fn finish(&self) -> Result<(), TarError> {
        match &self.phase {
            Phase::Header if self.filled > 0 => {
                Err(TarError::TruncatedHeader { offset: self.offset - self.filled as u64, got: self.filled })
            }
            // No end-of-archive blocks (some writers omit them): fine, unless an extension
            // header is waiting for its entry.
            Phase::Header => match self.pending.first_header {
                Some(offset) => Err(TarError::OrphanExtension { offset }),
                None => Ok(()),
            },
            Phase::Extension { kind, offset, size, body } => Err(TarError::TruncatedExtension {
                kind: kind.describe(),
                offset: *offset,
                size: *size,
                got: body.len() as u64,
            }),
            Phase::Body { entry, left, .. } => Err(TarError::TruncatedBody {
                offset: entry.offset,
                name: shown(entry.path.as_bytes()),
                size: entry.size,
                got: entry.size - left,
            }),
            // A body that is all there but misses its padding lost nothing.
            Phase::Padding(_) | Phase::End => Ok(()),
        }
    }

    /// Consumes a prefix of `data` (at least one byte) in the current phase.
    fn step(&mut self, data: &[u8], visit: &mut Visit) -> Result<usize, TarError> {
        match &mut self.phase {
            Phase::End => Ok(data.len()),
            Phase::Padding(left) => {
                let used = (*left).min(data.len() as u64) as usize;
                *left -= used as u64;
                if *left == 0 {
                    self.phase = Phase::Header;
                }
                Ok(used)
            }
            Phase::Header => {
                let used = (512 - self.filled).min(data.len());
                self.block[self.filled..self.filled + used].copy_from_slice(&data[..used]);
                self.filled += used;
                if self.filled == 512 {
                    self.filled = 0;
                    let header_offset = self.offset + used as u64 - BLOCK;
                    self.header(header_offset, visit)?;
                }
                Ok(used)
            }
            Phase::Extension { size, body, .. } => {
                let used = ((*size - body.len() as u64) as usize).min(data.len());
                body.extend_from_slice(&data[..used]);
                if body.len() as u64 == *size {
                    self.extension_done()?;
                }
                Ok(used)
            }
            Phase::Body { left, hasher, capture, .. } => {
                let used = (*left).min(data.len() as u64) as usize;
                let piece = &data[..used];
                if let Some(hasher) = hasher {
                    hasher.update(piece);
                }
                if *capture && visit(Event::Data(piece)).is_break() {
                    self.stopped = true;
                }
                *left -= used as u64;
                if *left == 0 {
                    let Phase::Body { mut entry, hasher, .. } =
                        std::mem::replace(&mut self.phase, Phase::End)
                    else {
                        unreachable!("in the body phase")
                    };
                    entry.sha256 = hasher.map(Hasher::finalize);
                    let size = entry.size;
                    self.emit(&entry, visit);
                    self.pad(size);
                }
                Ok(used)
            }
        }
    }

    /// A complete header block at `offset`.
    fn header(&mut self, offset: u64, visit: &mut Visit) -> Result<(), TarError> {
        let Some(header) = tar::parse_header(&self.block, offset)? else {
            self.phase = Phase::End;
            return Ok(());
        };
        let extension = match header.entry_type {
            EntryType::GnuLongName => Some(Extension::LongName),
            EntryType::GnuLongLink => Some(Extension::LongLink),
            EntryType::Pax => Some(Extension::Pax),
            EntryType::PaxGlobal => Some(Extension::PaxGlobal),
            _ => None,
        };
        if let Some(kind) = extension {
            if header.size > kind.limit() {
                let (size, limit) = (header.size, kind.limit());
                return Err(TarError::ExtensionTooLarge { kind: kind.describe(), offset, size, limit });
            }
            if kind != Extension::PaxGlobal {
                self.pending.first_header.get_or_insert(offset);
            }
            let body = Vec::with_capacity(header.size as usize);
            self.phase = Phase::Extension { kind, offset, size: header.size, body };
            if header.size == 0 {
                self.extension_done()?;
            }
            return Ok(());
        }
        self.entry(header, offset, visit)
    }

    /// An extension body is complete: record what it says for the next entry.
    fn extension_done(&mut self) -> Result<(), TarError> {
        let Phase::Extension { kind, offset, size, body } = std::mem::replace(&mut self.phase, Phase::End)
        else {
            unreachable!("in the extension phase")
        };
        let pax = |body: &[u8]| tar::parse_pax(body).map_err(|reason| TarError::BadPax { offset, reason });
        match kind {
            // The name ends at its first NUL (GNU tar writes one, and pads with more).
            Extension::LongName => self.pending.long_name = Some(until_nul(&body)),
            Extension::LongLink => self.pending.long_link = Some(until_nul(&body)),
            Extension::Pax => {
                let records = pax(&body)?;
                let pending = &mut self.pending.pax;
                pending.path = records.path.or(pending.path.take());
                pending.link = records.link.or(pending.link.take());
                pending.size = records.size.or(pending.size);
            }
            // Global records (comments, default mtimes) change nothing listed; they must parse.
            Extension::PaxGlobal => {
                pax(&body)?;
            }
        }
        self.pad(size);
        Ok(())
    }

    /// An entry's header: check its name and link, then emit it or start its body.
    fn entry(&mut self, header: RawHeader, offset: u64, visit: &mut Visit) -> Result<(), TarError> {
        let attributes = tar::parse_attributes(&self.block, offset)?;
        let pending = std::mem::take(&mut self.pending);
        let first = pending.first_header.unwrap_or(offset);
        let raw_path = pending.pax.path.or(pending.long_name).unwrap_or(header.name);
        let raw_link = pending.pax.link.or(pending.long_link).unwrap_or(header.link);
        let declared = pending.pax.size.unwrap_or(header.size);
        let bad_name = |problem| TarError::BadName { offset: first, name: shown(&raw_path), problem };
        // Old writers mark directories as plain files whose name ends in '/' (type NUL).
        let old_style_dir = self.block[156] == 0 && raw_path.ends_with(b"/");
        let (kind, has_body) = match header.entry_type {
            EntryType::File if old_style_dir => (Kind::Dir, false),
            EntryType::File => (Kind::File, true),
            EntryType::Directory => (Kind::Dir, false),
            EntryType::Symlink => (Kind::Symlink, false),
            EntryType::Hardlink => (Kind::Hardlink, false),
            // Character and block devices and FIFOs have no body, whatever the size says (as Go's
            // archive/tar, which Docker uses, and Python's tarfile read them); any other type
            // (sparse files, vendor types) has one.
            EntryType::Other(b'3' | b'4' | b'6') => (Kind::Other, false),
            _ => (Kind::Other, true),
        };
        let path = match entry::normalize(&raw_path) {
            Ok(Some(path)) => path,
            // The root directory (`./`) names nothing to list.
            Ok(None) if kind == Kind::Dir => return Ok(()),
            Ok(None) => return Err(bad_name(entry::NameProblem::Empty)),
            Err(problem) => return Err(bad_name(problem)),
        };
        let (kind, path) = entry::classify(path, kind).map_err(bad_name)?;
        let bad_link = |kind, problem| TarError::BadLink {
            kind,
            offset: first,
            name: shown(&raw_path),
            target: shown(&raw_link),
            problem,
        };
        let link = match kind {
            Kind::Symlink => {
                Some(entry::symlink_target(&raw_link).map_err(|p| bad_link("symbolic link", p))?)
            }
            Kind::Hardlink => match entry::normalize(&raw_link) {
                Ok(Some(target)) => Some(target),
                Ok(None) => return Err(bad_link("hard link", entry::NameProblem::Empty)),
                Err(problem) => return Err(bad_link("hard link", problem)),
            },
            _ => None,
        };
        let size = if has_body { declared } else { 0 };
        let hash = self.options.hash_files && kind == Kind::File;
        let entry = Entry {
            path,
            kind,
            size,
            mode: attributes.mode,
            uid: attributes.uid,
            gid: attributes.gid,
            mtime: attributes.mtime,
            link,
            sha256: (hash && size == 0).then(|| Digest::sha256_of(b"")),
            offset: first,
        };
        if size == 0 {
            self.emit(&entry, visit);
            return Ok(());
        }
        let capture = self.options.capture == Some(first);
        let hasher = hash.then(|| Hasher::new(Algorithm::Sha256));
        self.phase = Phase::Body { entry: Box::new(entry), left: size, hasher, capture };
        Ok(())
    }

    fn emit(&mut self, entry: &Entry, visit: &mut Visit) {
        self.entries += 1;
        if visit(Event::Entry(entry)).is_break() {
            self.stopped = true;
        }
    }

    /// After a body of `size` bytes: its padding, then the next header.
    fn pad(&mut self, size: u64) {
        let padding = tar::padded(size).map_or(0, |p| p - size);
        self.phase = if padding == 0 { Phase::Header } else { Phase::Padding(padding) };
    }
}

fn until_nul(body: &[u8]) -> Vec<u8> {
    body.split(|&b| b == 0).next().unwrap_or_default().to_vec()
}
