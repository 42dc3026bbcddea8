//! Tar archives built byte by byte, for the tests that need archives no tool would write
//! (hostile ones): ustar headers with correct checksums, entries, links, GNU long names, PAX
//! headers, the end marker.

use std::path::PathBuf;

/// Writes `bytes` to a file named `name` in this test process's own directory; returns its path.
pub fn file(name: &str, bytes: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

/// A ustar header with a correct checksum: sizes under 8 GiB in 11 octal digits, up to 64 GiB in
/// 12, and beyond in GNU base-256 (a first byte of 0x80, then the size big-endian).
pub fn header(name: &str, size: u64, flag: u8) -> Vec<u8> {
    link_header(name, size, flag, "")
}

/// A ustar header naming `link` as its link target (types `1` and `2`).
pub fn link_header(name: &str, size: u64, flag: u8, link: &str) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    b[..name.len()].copy_from_slice(name.as_bytes());
    b[100..107].copy_from_slice(b"0000644");
    if size < 1 << 33 {
        b[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    } else if size < 1 << 36 {
        b[124..136].copy_from_slice(format!("{size:012o}").as_bytes());
    } else {
        b[124] = 0x80;
        b[128..136].copy_from_slice(&size.to_be_bytes());
    }
    b[156] = flag;
    b[157..157 + link.len()].copy_from_slice(link.as_bytes());
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
    pad(&mut out);
    out
}

/// A symbolic (`b'2'`) or hard (`b'1'`) link to `target`.
pub fn link(name: &str, flag: u8, target: &str) -> Vec<u8> {
    link_header(name, 0, flag, target)
}

/// A file whose name is written in a GNU `././@LongLink` entry first, as GNU tar writes names
/// over 100 bytes.
pub fn gnu_long_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut long = name.as_bytes().to_vec();
    long.push(0);
    let mut out = header("././@LongLink", long.len() as u64, b'L');
    out.extend_from_slice(&long);
    pad(&mut out);
    out.extend(entry(&name[..name.len().min(99)], data));
    out
}

/// A file preceded by a PAX extended header with `records`; its own header declares `declared`
/// bytes and `data` follows.
pub fn pax_entry(name: &str, records: &[(&str, &str)], declared: u64, data: &[u8]) -> Vec<u8> {
    let mut pax = Vec::new();
    for (key, value) in records {
        // `<len> key=value\n`, the length counting itself.
        let mut n = key.len() + value.len() + 3;
        while format!("{n} {key}={value}\n").len() != n {
            n += 1;
        }
        pax.extend(format!("{n} {key}={value}\n").into_bytes());
    }
    let mut out = header("PaxHeaders/x", pax.len() as u64, b'x');
    out.extend(pax);
    pad(&mut out);
    out.extend(header(name, declared, b'0'));
    out.extend_from_slice(data);
    pad(&mut out);
    out
}

fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// The end-of-archive marker: two zero blocks.
pub fn end() -> Vec<u8> {
    vec![0; 1024]
}
