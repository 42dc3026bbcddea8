//! Tar archives built byte by byte, for the tests that need archives no tool would write
//! (hostile ones): ustar headers with correct checksums, entries, the end marker.

use std::path::PathBuf;

/// Writes `bytes` to a file named `name` in this test process's own directory; returns its path.
pub fn file(name: &str, bytes: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

/// A ustar header with a correct checksum (12 octal digits for sizes of 8 GiB and more).
pub fn header(name: &str, size: u64, flag: u8) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    b[..name.len()].copy_from_slice(name.as_bytes());
    b[100..107].copy_from_slice(b"0000644");
    let size = if size < 1 << 33 { format!("{size:011o}\0") } else { format!("{size:012o}") };
    b[124..136].copy_from_slice(size.as_bytes());
    b[156] = flag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    let sum: u64 =
        b.iter().enumerate().map(|(i, &x)| if (148..156).contains(&i) { 32 } else { u64::from(x) }).sum();
    b[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    b
}

/// A regular file entry: header, data, padding to the next 512-byte block.
pub fn entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = header(name, data.len() as u64, b'0');
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// The end-of-archive marker: two zero blocks.
pub fn end() -> Vec<u8> {
    vec![0; 1024]
}
