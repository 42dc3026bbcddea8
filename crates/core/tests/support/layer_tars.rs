//! Layer tars for the layer explorer's suites, written at test time by Python's tarfile and GNU
//! tar — never hand-typed headers — and the explorer's reader run over them in any chunking.
//! Hostile variants are real tars edited afterwards (a size field, a byte of a name), their
//! header checksum recomputed where the case needs a header that passes it.
#![allow(dead_code)] // each suite uses some of it

use std::io::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use waybill_core::layers::{Entry, Event, LayerError, LayerReader, LayerSummary, ReadOptions};

/// What a read found: the entries, the captured body and the summary.
pub struct Read {
    pub entries: Vec<Entry>,
    pub captured: Vec<u8>,
    pub summary: LayerSummary,
}

/// A tar written by Python's tarfile in `format` (`USTAR_FORMAT`, `GNU_FORMAT`, `PAX_FORMAT`):
/// `body` calls `add(name, data=b"", kind=REGTYPE, mode=0o644, link="", pax=None, uid=0, gid=0,
/// mtime=1500000000)` and may use `tar` (the open TarFile) and `tarfile` directly.
pub fn python_tar(format: &str, body: &str) -> Vec<u8> {
    let script = format!(
        r#"import io, sys, tarfile
from tarfile import REGTYPE, AREGTYPE, DIRTYPE, SYMTYPE, LNKTYPE, CHRTYPE, BLKTYPE, FIFOTYPE
out = io.BytesIO()
tar = tarfile.open(fileobj=out, mode="w", format=tarfile.{format}, encoding="utf-8", errors="surrogateescape")
def add(name, data=b"", kind=REGTYPE, mode=0o644, link="", pax=None, uid=0, gid=0, mtime=1500000000):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname, info.uid, info.gid, info.mtime = kind, mode, link, uid, gid, mtime
    info.uname = info.gname = ""
    if pax is not None:
        info.pax_headers = pax
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data) if data else None)
{body}
tar.close()
sys.stdout.buffer.write(out.getvalue())
"#
    );
    run(Command::new("python3").args(["-c", &script]), "python3")
}

/// A fresh directory under Cargo's per-target temp dir.
pub fn work_dir(name: &str) -> PathBuf {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}-{nanos:x}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the work dir");
    dir
}

/// A tar of the directory `build` fills, written by GNU tar in `format` (gnu, pax, ustar) with
/// fixed owners and mtimes, entries sorted by name, as `./…`.
pub fn gnu_tar(format: &str, build: impl FnOnce(&Path)) -> Vec<u8> {
    let dir = work_dir("gnu-tar");
    build(&dir);
    let tar = run(
        Command::new("tar")
            .args(["--format", format, "--sort=name", "--owner=0", "--group=0", "--numeric-owner"])
            .args(["--mtime=@1500000000", "-cf", "-", "-C"])
            .arg(&dir)
            .arg("."),
        "tar",
    );
    std::fs::remove_dir_all(&dir).expect("remove the work dir");
    tar
}

fn run(command: &mut Command, what: &str) -> Vec<u8> {
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(output.status.success(), "{what} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// Writes a file (and its parents).
pub fn write(dir: &Path, path: &str, data: &[u8]) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, data).expect("write");
}

/// Reads `layer` (a tar, gzip'd or zstd'd or not) fed `chunk` bytes at a time.
pub fn read(layer: &[u8], chunk: usize, options: ReadOptions) -> Result<Read, LayerError> {
    let mut entries = Vec::new();
    let mut captured = Vec::new();
    let mut visit = |event: Event<'_>| {
        match event {
            Event::Entry(entry) => entries.push(entry.clone()),
            Event::Data(piece) => captured.extend_from_slice(piece),
        }
        ControlFlow::Continue(())
    };
    let mut reader = LayerReader::new(options);
    for piece in layer.chunks(chunk.max(1)) {
        let _ = reader.push(piece, &mut visit)?;
    }
    let summary = reader.finish(&mut visit, None)?;
    Ok(Read { entries, captured, summary })
}

/// The entries of `layer`, hashed, read whole; panics on an error.
pub fn list(layer: &[u8]) -> Vec<Entry> {
    read(layer, layer.len().max(1), ReadOptions { hash_files: true, capture: None })
        .unwrap_or_else(|e| panic!("reading the layer: {e}"))
        .entries
}

/// The entry at `path`.
pub fn find<'a>(entries: &'a [Entry], path: &str) -> &'a Entry {
    entries.iter().find(|e| e.path == path).unwrap_or_else(|| panic!("no entry {path}"))
}

/// The offset of the header block whose name field starts with `name`.
pub fn header_of(tar: &[u8], name: &[u8]) -> usize {
    (0..tar.len() / 512)
        .map(|i| i * 512)
        .find(|&at| tar[at..].starts_with(name))
        .unwrap_or_else(|| panic!("no header named {}", String::from_utf8_lossy(name)))
}

/// Overwrites `value` at `at` inside the header block at `header`, then recomputes the block's
/// checksum so that the edit is what the reader sees (not a checksum error).
pub fn edit_header(tar: &mut [u8], header: usize, at: usize, value: &[u8]) {
    tar[header + at..header + at + value.len()].copy_from_slice(value);
    let block = &mut tar[header..header + 512];
    block[148..156].copy_from_slice(b"        ");
    let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
    block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// `sha256:<hex>` computed with sha2 directly, not Waybill's digest module.
pub fn sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}
