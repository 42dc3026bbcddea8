//! The merged view, `cat`'s path resolution and the file diff, over an archive held in memory
//! whose layers Python's tarfile wrote: whiteouts and an opaque directory applied, symbolic and
//! hard links followed inside the image, deletions explained, and two images compared. The
//! layers' diff IDs are checked on every read (the archive's config lists them).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::ops::ControlFlow;

use support::layer_tars::python_tar;
use support::{SavedImage, block_on, docker_save, sha256};
use waybill_core::archive::{Archive, OpenOptions};
use waybill_core::layers::source::ArchiveLayers;
use waybill_core::layers::views::{diff, merged_view, read_file, resolve_file};
use waybill_core::layers::{ExploreError, ExploredImage, Kind};

fn base() -> Vec<u8> {
    python_tar(
        "PAX_FORMAT",
        r#"
add("bin", kind=DIRTYPE, mode=0o755)
add("bin/busybox", b"busybox binary", mode=0o755)
add("bin/sh", kind=LNKTYPE, link="bin/busybox")
add("etc", kind=DIRTYPE, mode=0o755)
add("etc/keep.conf", b"keep=1\n")
add("etc/gone.conf", b"gone\n")
add("lib", kind=SYMTYPE, link="usr/lib")
add("usr/lib/libc.so", b"libc")
add("usr/share/doc", kind=DIRTYPE, mode=0o755)
add("usr/share/doc/a.txt", b"a")
add("usr/share/doc/b.txt", b"b")
"#,
    )
}

fn top() -> Vec<u8> {
    python_tar(
        "PAX_FORMAT",
        r#"
add("etc/.wh.gone.conf")
add("etc/keep.conf", b"keep=2\n", mode=0o600)
add("usr/share/doc/c.txt", b"c")
add("usr/share/doc/.wh..wh..opq")
add("loop1", kind=SYMTYPE, link="/loop2")
add("loop2", kind=SYMTYPE, link="loop1")
add("abs", kind=SYMTYPE, link="/../../../etc/keep.conf")
"#,
    )
}

fn other_top() -> Vec<u8> {
    python_tar("PAX_FORMAT", "add('etc/new.conf', b'new')\nadd('usr/lib/libc.so', b'libc 2')")
}

fn archive() -> Archive<Vec<u8>> {
    let bytes = docker_save(&[
        SavedImage::new(&["a:1"], vec![base(), top()]),
        SavedImage::new(&["b:1"], vec![base(), other_top()]),
    ]);
    block_on(Archive::open(bytes, OpenOptions::default())).unwrap()
}

fn image(archive: &Archive<Vec<u8>>, name: &str) -> ExploredImage {
    ExploredImage::from_archive(name, archive.select(Some(name)).unwrap(), None).unwrap()
}

#[test]
fn the_merged_view_applies_whiteouts_and_opaque_dirs() {
    let archive = archive();
    let a = image(&archive, "a:1");
    let fs = block_on(merged_view(&ArchiveLayers(&archive), &a, true)).unwrap();
    let listed: Vec<(&str, Kind, usize)> =
        fs.entries().map(|e| (e.entry.path.as_str(), e.entry.kind, e.layer)).collect();
    assert_eq!(
        listed,
        [
            ("abs", Kind::Symlink, 2),
            ("bin", Kind::Dir, 1),
            ("bin/busybox", Kind::File, 1),
            ("bin/sh", Kind::Hardlink, 1),
            ("etc", Kind::Dir, 1),
            ("etc/keep.conf", Kind::File, 2),
            ("lib", Kind::Symlink, 1),
            ("loop1", Kind::Symlink, 2),
            ("loop2", Kind::Symlink, 2),
            ("usr/lib/libc.so", Kind::File, 1),
            ("usr/share/doc", Kind::Dir, 1),
            ("usr/share/doc/c.txt", Kind::File, 2),
        ]
    );
    let keep = fs.get("etc/keep.conf").unwrap();
    assert_eq!(keep.entry.mode, 0o600);
    assert_eq!(keep.content.as_ref().and_then(|c| c.sha256.clone()), Some(sha256(b"keep=2\n")));
    let deleted: Vec<(&str, usize, bool)> =
        fs.deletions().iter().map(|d| (d.path.as_str(), d.layer, d.opaque)).collect();
    assert_eq!(deleted, [("etc/gone.conf", 2, false), ("usr/share/doc", 2, true)]);
}

fn cat(archive: &Archive<Vec<u8>>, image: &ExploredImage, path: &str) -> Result<Vec<u8>, ExploreError> {
    let source = ArchiveLayers(archive);
    let fs = block_on(merged_view(&source, image, false))?;
    let content = resolve_file(&fs, path)?;
    let mut bytes = Vec::new();
    block_on(read_file(&source, image, &content, &mut |piece| {
        bytes.extend_from_slice(piece);
        ControlFlow::Continue(())
    }))?;
    Ok(bytes)
}

#[test]
fn cat_follows_links_inside_the_image_and_explains_what_is_missing() {
    let archive = archive();
    let a = image(&archive, "a:1");
    assert_eq!(cat(&archive, &a, "etc/keep.conf").unwrap(), b"keep=2\n");
    assert_eq!(cat(&archive, &a, "/lib/libc.so").unwrap(), b"libc", "a directory symlink");
    assert_eq!(cat(&archive, &a, "bin/sh").unwrap(), b"busybox binary", "a hard link");
    // An absolute target climbing past the root stays in the image, as in a container.
    assert_eq!(cat(&archive, &a, "abs").unwrap(), b"keep=2\n");
    let error = |path: &str| cat(&archive, &a, path).unwrap_err().to_string();
    assert!(error("etc/gone.conf").contains("layer 2 deleted etc/gone.conf"), "{}", error("etc/gone.conf"));
    assert!(error("usr/share/doc/a.txt").contains("layer 2 made usr/share/doc opaque"));
    assert!(error("etc").contains("is a directory"));
    assert!(error("loop1").contains("more than 40 symbolic links"));
    assert!(error("nowhere/x").contains("\"nowhere\" is not in the image"));
    assert!(error("etc/keep.conf/x").contains("is a file, not a directory"));
}

#[test]
fn two_images_differ_in_exactly_their_files() {
    let archive = archive();
    let (a, b) = (image(&archive, "a:1"), image(&archive, "b:1"));
    let source = ArchiveLayers(&archive);
    let d = block_on(diff((&source, &a), (&source, &b))).unwrap();
    assert_eq!(d.layers.shared, [a.layers[0].digest.clone()]);
    assert_eq!((d.layers.only_a.len(), d.layers.only_b.len()), (1, 1));
    assert_eq!(
        d.files.added,
        ["etc/gone.conf", "etc/new.conf", "usr/share/doc/a.txt", "usr/share/doc/b.txt"]
    );
    assert_eq!(d.files.removed, ["abs", "loop1", "loop2", "usr/share/doc/c.txt"]);
    let changed: Vec<(&str, Vec<String>)> =
        d.files.changed.iter().map(|c| (c.path.as_str(), c.fields.clone())).collect();
    assert_eq!(
        changed,
        [
            ("etc/keep.conf", vec!["mode".to_owned(), "sha256".to_owned()]),
            ("usr/lib/libc.so", vec!["size".to_owned(), "sha256".to_owned()]),
        ]
    );
    // Same config helper for both: nothing differs there.
    assert!(d.config.is_empty());
}

#[test]
fn a_layer_that_is_not_the_configs_fails_with_its_number() {
    // b's config lists b's layers; pairing it with a's second layer must fail the diff-ID check.
    let archive = archive();
    let mut b = image(&archive, "b:1");
    let a = image(&archive, "a:1");
    b.layers[1].stored = a.layers[1].stored.clone();
    let e = block_on(merged_view(&ArchiveLayers(&archive), &b, false)).unwrap_err();
    assert!(matches!(e, ExploreError::Layer { layer: 2, .. }), "{e}");
    assert!(e.to_string().contains("rootfs.diff_ids"), "{e}");
}
