//! Tar headers, one 512-byte block at a time: POSIX ustar (with its `prefix` field), GNU long
//! names and links (`././@LongLink`, types `L`/`K`), base-256 sizes, and PAX extended headers
//! (`path`, `linkpath`, `size`).
//!
//! Everything here is checked before it is believed: the header checksum, every number, every
//! name (UTF-8, no `..`, not absolute). A header never makes the reader allocate more than the
//! small, capped extension bodies.

use std::fmt;

/// A tar block: headers and the padding unit of entry bodies.
pub const BLOCK: u64 = 512;

/// The longest path accepted (Linux's `PATH_MAX`); GNU long names and PAX paths are capped here.
pub const MAX_PATH_LEN: usize = 4096;

/// The largest PAX extended header body accepted. Real ones hold a few short records.
pub const MAX_PAX_SIZE: u64 = 64 * 1024;

/// What a tar header describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryType {
    /// A regular file (`0` or NUL, or the contiguous file `7`).
    File,
    /// A directory (`5`).
    Directory,
    /// A symbolic link (`2`).
    Symlink,
    /// A hard link to an earlier entry (`1`).
    Hardlink,
    /// A GNU long name for the next entry (`L`).
    GnuLongName,
    /// A GNU long link target for the next entry (`K`).
    GnuLongLink,
    /// A PAX extended header for the next entry (`x`).
    Pax,
    /// A PAX global header (`g`).
    PaxGlobal,
    /// Anything else (devices, FIFOs, sparse files, vendor types): listed, never read as a blob.
    Other(u8),
}

impl EntryType {
    fn from_flag(flag: u8) -> EntryType {
        match flag {
            b'0' | 0 | b'7' => EntryType::File,
            b'1' => EntryType::Hardlink,
            b'2' => EntryType::Symlink,
            b'5' => EntryType::Directory,
            b'L' => EntryType::GnuLongName,
            b'K' => EntryType::GnuLongLink,
            b'x' => EntryType::Pax,
            b'g' => EntryType::PaxGlobal,
            other => EntryType::Other(other),
        }
    }
}

/// One header block, parsed but not yet combined with the extension headers before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawHeader {
    /// `prefix/name` (ustar) or `name`, as bytes: not yet checked as a path.
    pub name: Vec<u8>,
    /// The link target, as bytes.
    pub link: Vec<u8>,
    /// The body size the header declares.
    pub size: u64,
    /// The entry type.
    pub entry_type: EntryType,
}

/// Which header field a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `size`.
    Size,
    /// `chksum`.
    Checksum,
    /// The entry's path (name, prefix, GNU long name or PAX `path`).
    Path,
    /// The link target (linkname, GNU long link or PAX `linkpath`).
    LinkPath,
    /// `mode`.
    Mode,
    /// `uid` or `gid`.
    Owner,
    /// `mtime`.
    Mtime,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Size => "size",
            Field::Checksum => "checksum",
            Field::Path => "path",
            Field::LinkPath => "link target",
            Field::Mode => "mode",
            Field::Owner => "owner",
            Field::Mtime => "mtime",
        })
    }
}

/// Why a tar header (or the bytes where one should be) cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The stored checksum does not match the block.
    #[error(
        "the tar header at byte {offset} has checksum {stored} but its bytes sum to {computed}: \
         the archive is corrupt, or this is not a tar file"
    )]
    Checksum {
        /// Where the header starts.
        offset: u64,
        /// The checksum written in the header.
        stored: u64,
        /// The checksum of the block.
        computed: u64,
    },
    /// A numeric field that is not octal (or base-256) digits.
    #[error(
        "the tar header at byte {offset} has an unreadable {field} field {raw:?}: the archive is corrupt, \
         or this is not a tar file"
    )]
    Number {
        /// Where the header starts.
        offset: u64,
        /// Which field.
        field: Field,
        /// The field's bytes, as text.
        raw: String,
    },
}

/// Parses one header block; `None` for an all-zero block (the end-of-archive marker).
pub fn parse_header(block: &[u8; 512], offset: u64) -> Result<Option<RawHeader>, HeaderError> {
    if block.iter().all(|&b| b == 0) {
        return Ok(None);
    }
    let stored = number(&block[148..156], offset, Field::Checksum)?;
    let (unsigned, signed) = checksums(block);
    // Some old writers summed signed bytes; accept either, as GNU tar does.
    if stored != unsigned && i64::try_from(stored).ok() != Some(signed) {
        return Err(HeaderError::Checksum { offset, stored, computed: unsigned });
    }
    let size = number(&block[124..136], offset, Field::Size)?;
    let entry_type = EntryType::from_flag(block[156]);
    let name = cstr(&block[0..100]);
    // POSIX ustar ("ustar\0") splits long names into prefix + name; GNU ("ustar  \0") uses those
    // bytes for other fields and has no prefix.
    let name = if &block[257..263] == b"ustar\0" {
        let prefix = cstr(&block[345..500]);
        if prefix.is_empty() { name.to_vec() } else { [prefix, b"/", name].concat() }
    } else {
        name.to_vec()
    };
    Ok(Some(RawHeader { name, link: cstr(&block[157..257]).to_vec(), size, entry_type }))
}

/// A header's mode, owner and mtime: the layer explorer lists them, the archive reader never
/// needs them (so [`parse_header`] leaves them unread, and a garbled one cannot stop an archive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    /// Permission bits with setuid, setgid and sticky (type bits some writers add are dropped).
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
}

/// The attributes of a header block [`parse_header`] accepted (checksum already checked).
pub fn parse_attributes(block: &[u8; 512], offset: u64) -> Result<Attributes, HeaderError> {
    let mode = number(&block[100..108], offset, Field::Mode)?;
    Ok(Attributes {
        mode: (mode & 0o7777) as u32,
        uid: number(&block[108..116], offset, Field::Owner)?,
        gid: number(&block[116..124], offset, Field::Owner)?,
        mtime: number(&block[136..148], offset, Field::Mtime)?,
    })
}

/// The header checksum as unsigned and as signed byte sums, with the checksum field as spaces.
fn checksums(block: &[u8; 512]) -> (u64, i64) {
    let mut unsigned = 0u64;
    let mut signed = 0i64;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    (unsigned, signed)
}

/// The bytes of a NUL-terminated (or full-width) field.
fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

/// A numeric field: octal digits (space or NUL padded), or GNU base-256 (high bit of the first
/// byte set) for values that octal cannot hold, such as sizes of 8 GiB and more.
fn number(field: &[u8], offset: u64, which: Field) -> Result<u64, HeaderError> {
    let bad =
        || HeaderError::Number { offset, field: which, raw: String::from_utf8_lossy(field).into_owned() };
    if field.first().is_some_and(|&b| b & 0x80 != 0) {
        // 0x80 marks a positive base-256 number; 0xff a negative one, which no size can be.
        if field[0] != 0x80 {
            return Err(bad());
        }
        return field[1..].iter().try_fold(0u64, |acc, &b| {
            acc.checked_mul(256).and_then(|v| v.checked_add(u64::from(b))).ok_or_else(bad)
        });
    }
    let text = field.iter().skip_while(|&&b| b == b' ').take_while(|&&b| b != 0 && b != b' ');
    let mut value = 0u64;
    let mut digits = 0;
    for &b in text {
        if !(b'0'..=b'7').contains(&b) {
            return Err(bad());
        }
        value = value.checked_mul(8).and_then(|v| v.checked_add(u64::from(b - b'0'))).ok_or_else(bad)?;
        digits += 1;
    }
    // Only spaces and NULs may follow the digits.
    let rest_ok = field.iter().skip_while(|&&b| b == b' ').skip(digits).all(|&b| b == 0 || b == b' ');
    if !rest_ok || (digits == 0 && which == Field::Checksum) {
        return Err(bad());
    }
    Ok(value)
}

/// The overrides a PAX extended header carries for the next entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaxOverrides {
    /// `path`.
    pub path: Option<Vec<u8>>,
    /// `linkpath`.
    pub link: Option<Vec<u8>>,
    /// `size`.
    pub size: Option<u64>,
}

/// Parses PAX records (`<length> <key>=<value>\n`, the length counting the whole record).
/// Keys other than `path`, `linkpath` and `size` are ignored, as the standard allows.
pub fn parse_pax(body: &[u8]) -> Result<PaxOverrides, String> {
    let mut overrides = PaxOverrides::default();
    let mut rest = body;
    while !rest.is_empty() {
        // Writers pad the body with NULs to the block size after the last record.
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        let space = rest.iter().position(|&b| b == b' ').ok_or("a record has no length")?;
        let length: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a record length is not a decimal number")?;
        if length <= space + 1 || length > rest.len() || rest[length - 1] != b'\n' {
            return Err(format!("a record declares {length} bytes, which do not end in a newline"));
        }
        let record = &rest[space + 1..length - 1];
        let eq = record.iter().position(|&b| b == b'=').ok_or("a record has no '='")?;
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        match key {
            b"path" => overrides.path = Some(value.to_vec()),
            b"linkpath" => overrides.link = Some(value.to_vec()),
            b"size" => {
                let size =
                    std::str::from_utf8(value).ok().and_then(|s| s.parse::<u64>().ok()).ok_or_else(|| {
                        format!("size {:?} is not a decimal number", String::from_utf8_lossy(value))
                    })?;
                overrides.size = Some(size);
            }
            _ => {}
        }
        rest = &rest[length..];
    }
    Ok(overrides)
}

/// Body bytes plus padding to the next block boundary, or `None` if that overflows.
pub fn padded(size: u64) -> Option<u64> {
    size.checked_add(BLOCK - 1).map(|s| s / BLOCK * BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: u64, flag: u8) -> [u8; 512] {
        let mut b = [0u8; 512];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        b[156] = flag;
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        let sum: u64 =
            b.iter().enumerate().map(|(i, &x)| if (148..156).contains(&i) { 32 } else { u64::from(x) }).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        b[155] = b' ';
        b
    }

    #[test]
    fn plain_header() {
        let h = parse_header(&header("a/b.txt", 1234, b'0'), 0).unwrap().unwrap();
        assert_eq!((h.name.as_slice(), h.size, h.entry_type), (&b"a/b.txt"[..], 1234, EntryType::File));
    }

    #[test]
    fn attributes() {
        let mut b = header("a", 0, b'0');
        b[100..108].copy_from_slice(b"0104755\0");
        b[136..148].copy_from_slice(b"14000000000\0");
        let a = parse_attributes(&b, 0).unwrap();
        assert_eq!((a.mode, a.uid, a.gid, a.mtime), (0o4755, 0, 0, 0o14000000000));
        b[108] = b'9';
        assert!(parse_attributes(&b, 7).unwrap_err().to_string().contains("byte 7 has an unreadable owner"));
    }

    #[test]
    fn zero_block_ends_the_archive() {
        assert_eq!(parse_header(&[0; 512], 0).unwrap(), None);
    }

    #[test]
    fn checksum_is_checked() {
        let mut b = header("x", 1, b'0');
        b[0] = b'y';
        assert!(matches!(parse_header(&b, 1024), Err(HeaderError::Checksum { offset: 1024, .. })));
    }

    #[test]
    fn ustar_prefix_joins_the_name() {
        let mut b = header("name", 0, b'0');
        b[345..351].copy_from_slice(b"prefix");
        let sum: u64 =
            b.iter().enumerate().map(|(i, &x)| if (148..156).contains(&i) { 32 } else { u64::from(x) }).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        assert_eq!(parse_header(&b, 0).unwrap().unwrap().name, b"prefix/name");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(b"00000001750\0", 0, Field::Size), Ok(1000));
        assert_eq!(number(b"     1750 \0\0", 0, Field::Size), Ok(1000));
        assert_eq!(number(b"\0\0\0\0\0\0\0\0\0\0\0\0", 0, Field::Size), Ok(0));
        // 12 octal digits without a terminator: 10 GiB.
        assert_eq!(number(b"120000000000", 0, Field::Size), Ok(10 << 30));
        let mut b256 = [0u8; 12];
        b256[0] = 0x80;
        b256[7..].copy_from_slice(&[0x02, 0x80, 0x00, 0x00, 0x00]);
        assert_eq!(number(&b256, 0, Field::Size), Ok(10 << 30));
        assert!(number(b"0000000017x0", 0, Field::Size).is_err());
        assert!(number(b"12 34\0\0\0\0\0\0\0", 0, Field::Size).is_err());
        assert!(number(&[0xff; 12], 0, Field::Size).is_err());
        let mut huge = [0xffu8; 12];
        huge[0] = 0x80;
        assert!(number(&huge, 0, Field::Size).is_err(), "overflow");
    }

    #[test]
    fn pax_records() {
        let record = |key: &str, value: &str| {
            // The length counts itself: find the fixed point.
            let mut n = key.len() + value.len() + 3;
            while format!("{n} {key}={value}\n").len() != n {
                n += 1;
            }
            format!("{n} {key}={value}\n")
        };
        let body =
            [record("path", "some/very/long/name"), record("size", "12345"), record("linkpath", "target")]
                .concat()
                .into_bytes();
        assert_eq!(&body[..3], b"28 ");
        let body = body.as_slice();
        let o = parse_pax(body).unwrap();
        assert_eq!(o.path.as_deref(), Some(&b"some/very/long/name"[..]));
        assert_eq!(o.size, Some(12345));
        assert_eq!(o.link.as_deref(), Some(&b"target"[..]));
        assert!(parse_pax(b"99 path=x\n").is_err());
        assert!(parse_pax(b"x path=x\n").is_err());
        assert!(parse_pax(b"12 size=abc\n").is_err());
        assert_eq!(parse_pax(b"11 mtime=1\n\0\0\0").unwrap(), PaxOverrides::default());
    }

    #[test]
    fn padding() {
        assert_eq!(padded(0), Some(0));
        assert_eq!(padded(1), Some(512));
        assert_eq!(padded(512), Some(512));
        assert_eq!(padded(u64::MAX), None);
    }
}
