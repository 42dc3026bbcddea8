//! The layer explorer's streaming tar reader on real tars (written by Python's tarfile and GNU
//! tar at test time): ustar, GNU long names and links, PAX path/linkpath/size and global
//! headers, hard and symbolic links, devices, whiteouts and opaque directories — every field
//! checked against what the writer was told, in any chunking, plain, gzip'd and zstd'd.
//! Native only: the tars come from processes.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::layer_tars::{
    edit_header, find, gnu_tar, gzip, header_of, list, python_tar, read, sha256, write, zstd,
};
use waybill_core::layers::{Kind, LayerError, ReadOptions};

const HASH: ReadOptions = ReadOptions { hash_files: true, capture: None };

#[test]
fn ustar_fields_are_what_the_writer_wrote() {
    let tar = python_tar(
        "USTAR_FORMAT",
        r##"
add("etc", kind=DIRTYPE, mode=0o755)
add("etc/hosts", b"127.0.0.1 localhost\n", mode=0o644, uid=1000, gid=100, mtime=1700000000)
add("usr/bin/tool", b"#!/bin/sh\n", mode=0o4755)
add("usr/bin/link", kind=SYMTYPE, link="/usr/bin/tool", mode=0o777)
add("usr/bin/same", kind=LNKTYPE, link="usr/bin/tool")
add("dev/null", kind=CHRTYPE, mode=0o666)
add("run/fifo", kind=FIFOTYPE)
add("empty", b"")
"##,
    );
    let entries = list(&tar);
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["etc", "etc/hosts", "usr/bin/tool", "usr/bin/link", "usr/bin/same", "dev/null", "run/fifo", "empty"]
    );
    let hosts = find(&entries, "etc/hosts");
    assert_eq!((hosts.kind, hosts.size, hosts.mode), (Kind::File, 20, 0o644));
    assert_eq!((hosts.uid, hosts.gid, hosts.mtime), (1000, 100, 1_700_000_000));
    assert_eq!(hosts.sha256.as_ref().map(ToString::to_string), Some(sha256(b"127.0.0.1 localhost\n")));
    assert_eq!(find(&entries, "etc").kind, Kind::Dir);
    assert_eq!(find(&entries, "usr/bin/tool").mode, 0o4755);
    let link = find(&entries, "usr/bin/link");
    assert_eq!((link.kind, link.link.as_deref(), link.size), (Kind::Symlink, Some("/usr/bin/tool"), 0));
    let same = find(&entries, "usr/bin/same");
    assert_eq!(
        (same.kind, same.link.as_deref(), same.sha256.as_ref()),
        (Kind::Hardlink, Some("usr/bin/tool"), None)
    );
    assert_eq!(
        (find(&entries, "dev/null").kind, find(&entries, "run/fifo").kind),
        (Kind::Other, Kind::Other)
    );
    assert_eq!(find(&entries, "empty").sha256.as_ref().map(ToString::to_string), Some(sha256(b"")));
    // Offsets are where each entry's header starts.
    assert_eq!(entries[0].offset, 0);
    assert_eq!(header_of(&tar, b"etc/hosts") as u64, hosts.offset);
}

#[test]
fn long_names_and_links_in_gnu_and_pax_form() {
    let long_dir = format!("deep/{}", "d".repeat(120));
    let long_name = format!("{long_dir}/{}.txt", "n".repeat(90));
    let long_target = format!("/opt/{}", "t".repeat(150));
    for format in ["GNU_FORMAT", "PAX_FORMAT"] {
        let tar = python_tar(
            format,
            &format!(
                r#"
add("{long_name}", b"long")
add("{long_dir}/sym", kind=SYMTYPE, link="{long_target}")
add("{long_dir}/hard", kind=LNKTYPE, link="{long_name}")
add("caf\u00e9/\u65e5\u672c.txt", b"utf8")
"#
            ),
        );
        let entries = list(&tar);
        assert_eq!(find(&entries, &long_name).size, 4, "{format}");
        assert_eq!(find(&entries, &format!("{long_dir}/sym")).link.as_deref(), Some(long_target.as_str()));
        assert_eq!(find(&entries, &format!("{long_dir}/hard")).link.as_deref(), Some(long_name.as_str()));
        assert_eq!(find(&entries, "café/日本.txt").size, 4, "{format}");
        // An entry's offset is its first extension header's.
        let first = find(&entries, &long_name).offset;
        assert_eq!(first, 0, "{format}: the long name's extension header opens the tar");
    }
    // GNU tar's own long names, from a real directory.
    for format in ["gnu", "pax"] {
        let tar = gnu_tar(format, |dir| write(dir, &long_name, b"from tar"));
        let entries = list(&tar);
        assert_eq!(
            find(&entries, &long_name).sha256.as_ref().map(ToString::to_string),
            Some(sha256(b"from tar"))
        );
        assert!(
            !entries.iter().any(|e| e.path.is_empty() || e.path.starts_with('.')),
            "{format}: ./ dropped"
        );
    }
}

#[test]
fn a_pax_size_overrides_the_header_and_global_headers_change_nothing() {
    // Python writes a size record when asked; the header's own size field is then zeroed, as
    // writers do for files over 8 GiB, so only the PAX record tells the body's length.
    let tar = python_tar(
        "PAX_FORMAT",
        r#"
tar.pax_headers = {"comment": "a global header"}
add("big.bin", b"x" * 1000, pax={"size": "1000"})
add("after.txt", b"after")
"#,
    );
    let mut tar = tar;
    let header = header_of(&tar, b"big.bin");
    edit_header(&mut tar, header, 124, b"00000000000\0");
    let entries = list(&tar);
    assert_eq!(entries.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["big.bin", "after.txt"]);
    assert_eq!(find(&entries, "big.bin").size, 1000);
    assert_eq!(find(&entries, "after.txt").sha256.as_ref().map(ToString::to_string), Some(sha256(b"after")));
}

#[test]
fn hard_and_symbolic_links_from_a_real_file_system() {
    let tar = gnu_tar("gnu", |dir| {
        write(dir, "bin/busybox", b"busybox");
        std::fs::hard_link(dir.join("bin/busybox"), dir.join("bin/sh")).unwrap();
        std::os::unix::fs::symlink("busybox", dir.join("bin/ls")).unwrap();
        std::os::unix::fs::symlink("../../etc/passwd", dir.join("bin/up")).unwrap();
    });
    let entries = list(&tar);
    let (busybox, sh) = (find(&entries, "bin/busybox"), find(&entries, "bin/sh"));
    // GNU tar archives the first name it meets as the file and the second as a link to it.
    assert_eq!(
        (busybox.kind, sh.kind, sh.link.as_deref()),
        (Kind::File, Kind::Hardlink, Some("bin/busybox"))
    );
    assert_eq!(find(&entries, "bin/ls").link.as_deref(), Some("busybox"));
    // A symbolic link's target is only text: shown as written, resolved only inside the image.
    assert_eq!(find(&entries, "bin/up").link.as_deref(), Some("../../etc/passwd"));
}

#[test]
fn whiteouts_and_opaque_directories_are_marked() {
    let tar = gnu_tar("pax", |dir| {
        write(dir, "etc/.wh.motd", b"");
        write(dir, "usr/share/doc/.wh..wh..opq", b"");
        write(dir, "usr/share/doc/new.txt", b"new");
        write(dir, ".wh.tmp", b"");
        write(dir, ".wh..wh.plnk/123.456", b"aufs");
    });
    let entries = list(&tar);
    let kind_of = |path: &str, kind: Kind| entries.iter().any(|e| e.path == path && e.kind == kind);
    assert!(kind_of("etc/motd", Kind::Whiteout));
    assert!(kind_of("tmp", Kind::Whiteout));
    assert!(kind_of("usr/share/doc", Kind::Opaque));
    assert!(kind_of("usr/share/doc", Kind::Dir));
    assert!(kind_of("usr/share/doc/new.txt", Kind::File));
    assert!(kind_of(".wh..wh.plnk/123.456", Kind::Other));
    assert!(!entries.iter().any(|e| e.path.contains(".wh.") && e.kind == Kind::File));
}

#[test]
fn any_chunking_and_compression_give_the_same_entries() {
    let tar = python_tar(
        "PAX_FORMAT",
        r#"
import hashlib
for i in range(40):
    add(f"dir{i % 3}/file-{i:03}-" + "x" * (i * 5), hashlib.shake_256(str(i).encode()).digest(i * 301))
add("last", b"end")
"#,
    );
    let expected = list(&tar);
    assert_eq!(expected.len(), 41);
    for layer in [tar.clone(), gzip(&tar), zstd(&tar)] {
        for chunk in [1, 7, 511, 512, 513, 65_536, layer.len()] {
            let read = read(&layer, chunk, HASH).unwrap();
            assert_eq!(read.entries, expected, "chunk {chunk}");
            assert_eq!(read.summary.diff_id.digest.to_string(), sha256(&tar));
            assert_eq!(read.summary.entries, 41);
        }
    }
}

#[test]
fn the_captured_entry_comes_out_whole_and_alone() {
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let tar = python_tar(
        "GNU_FORMAT",
        &format!(
            "add('a', b'before')\nadd('{}/target.bin', bytes((i % 251) for i in range(200000)))\nadd('z', b'after')",
            "p".repeat(120)
        ),
    );
    let target = find(&list(&tar), &format!("{}/target.bin", "p".repeat(120))).offset;
    for chunk in [1000, 4096, tar.len()] {
        let read =
            read(&gzip(&tar), chunk, ReadOptions { hash_files: false, capture: Some(target) }).unwrap();
        assert!(read.captured == body, "chunk {chunk}: {} bytes captured", read.captured.len());
    }
}

#[test]
fn missing_end_blocks_old_style_dirs_and_the_root_entry_are_read_as_tar_does() {
    let tar = python_tar("USTAR_FORMAT", "add('olddir/', kind=AREGTYPE, mode=0o755)\nadd('f', b'1')");
    // Python pads to 10 KiB of zeros; cut right after the last body's block.
    let end = header_of(&tar, b"f") + 1024;
    let entries = list(&tar[..end]);
    assert_eq!((entries[0].path.as_str(), entries[0].kind), ("olddir", Kind::Dir));
    assert_eq!(entries.len(), 2);
    let tar = gnu_tar("ustar", |dir| write(dir, "x", b"x"));
    assert_eq!(list(&tar).iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["x"]);
}

#[test]
fn a_diff_id_other_than_the_configs_is_an_error() {
    let tar = python_tar("USTAR_FORMAT", "add('f', b'content')");
    let mut reader = waybill_core::layers::LayerReader::new(ReadOptions::default());
    let mut visit = |_: waybill_core::layers::Event<'_>| std::ops::ControlFlow::Continue(());
    let _ = reader.push(&gzip(&tar), &mut visit).unwrap();
    let wrong = waybill_core::digest::Digest::sha256_of(b"another layer");
    let e = reader.finish(&mut visit, Some(&wrong)).unwrap_err();
    assert!(matches!(e, LayerError::DiffId { .. }), "{e}");
    assert!(e.to_string().contains(&sha256(&tar)), "{e}");
}

/// Without gzip's CRC-32 (read for a layer whose diff ID is checked), the diff ID stands in for
/// it: a CRC alone that is wrong changes nothing, and content other than what was compressed
/// fails the diff-ID check where it failed the CRC's before.
#[test]
fn without_the_crc_the_diff_id_check_stands_in_for_it() {
    use std::io::Write as _;
    let tar = python_tar("USTAR_FORMAT", "add('f', b'content ' * 100)");
    let diff_id = waybill_core::digest::Digest::sha256_of(&tar);
    let read = |layer: &[u8], crc: bool| {
        let reader = waybill_core::layers::LayerReader::new(ReadOptions::default());
        let mut reader = if crc { reader } else { reader.without_crc() };
        let mut visit = |_: waybill_core::layers::Event<'_>| std::ops::ControlFlow::Continue(());
        let _ = reader.push(layer, &mut visit)?;
        reader.finish(&mut visit, Some(&diff_id))
    };
    let mut bad_crc = gzip(&tar);
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 1;
    assert!(matches!(read(&bad_crc, true), Err(LayerError::Decompress(_))));
    assert_eq!(read(&bad_crc, false).unwrap().diff_id.digest, diff_id);
    // Stored deflate blocks (level 0): a flipped byte of the file still inflates, to other content.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    e.write_all(&tar).unwrap();
    let mut changed = e.finish().unwrap();
    let at = changed.windows(7).position(|w| w == b"content").unwrap();
    changed[at] ^= 1;
    assert!(matches!(read(&changed, true), Err(LayerError::Decompress(_))));
    assert!(matches!(read(&changed, false), Err(LayerError::DiffId { .. })));
}

/// A hasher of the shell's (the browser's runs in a second worker): it must see exactly the
/// uncompressed bytes, in any chunking, and the core still judges its digest.
#[derive(Default)]
struct Collecting(Vec<u8>);

impl waybill_core::layers::ContentHasher for Collecting {
    fn update(&mut self, data: &[u8]) {
        self.0.extend_from_slice(data);
    }

    async fn digest(self) -> Result<waybill_core::digest::Digest, String> {
        Ok(waybill_core::digest::Digest::sha256_of(&self.0))
    }
}

#[test]
fn a_hasher_of_the_shells_sees_every_uncompressed_byte_and_the_core_judges_it() {
    use waybill_core::layers::reader::judge;
    let tar = python_tar("PAX_FORMAT", "add('d/', kind=DIRTYPE)\nadd('d/f', b'x' * 70000)\nadd('g', b'')");
    for (blob, chunk) in [(gzip(&tar), 1), (gzip(&tar), 4096), (zstd(&tar), 777), (tar.clone(), 513)] {
        let mut reader =
            waybill_core::layers::LayerReader::with_hasher(ReadOptions::default(), Collecting::default());
        let mut visit = |_: waybill_core::layers::Event<'_>| std::ops::ControlFlow::Continue(());
        for piece in blob.chunks(chunk) {
            let _ = reader.push(piece, &mut visit).unwrap();
        }
        let (inflated, hasher, entries) = reader.finish_reading(&mut visit).unwrap();
        assert!(
            hasher.0 == tar,
            "chunk {chunk}: the hasher saw {} bytes, not the tar's {}",
            hasher.0.len(),
            tar.len()
        );
        assert_eq!((inflated.uncompressed_size, entries), (tar.len() as u64, 3));
        let right = waybill_core::digest::Digest::sha256_of(&tar);
        let summary = judge(inflated, right.clone(), entries, Some(&right)).unwrap();
        assert_eq!(summary.diff_id.digest, right);
        let wrong = waybill_core::digest::Digest::sha256_of(b"another layer");
        assert!(matches!(
            judge(inflated, wrong.clone(), entries, Some(&right)),
            Err(LayerError::DiffId { .. })
        ));
    }
}
