//! Hostile archives, built byte by byte: each must give a clear error naming what and where —
//! never a panic, never an allocation sized by what the archive claims, never a read larger than
//! `MAX_READ`. Runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod support;

use support::*;
use waybill_core::archive::decompressed::ReadError;
use waybill_core::archive::path::PathError;
use waybill_core::archive::tar::HeaderError;
use waybill_core::archive::{Archive, ArchiveError, MAX_READ, OpenOptions};

/// Opens through a counting source; checks that no read was larger than MAX_READ.
fn open_counted(bytes: Vec<u8>, options: OpenOptions) -> (Result<(), ArchiveError>, CountingSource) {
    let source = CountingSource::new(bytes);
    let result = block_on(Archive::open(&source, options)).map(|_| ());
    assert!(source.largest_read.get() <= MAX_READ, "a read of {} bytes", source.largest_read.get());
    (result, source)
}

fn open_err(bytes: Vec<u8>) -> ArchiveError {
    match open_counted(bytes, OpenOptions::default()).0 {
        Err(e) => e,
        Ok(()) => panic!("the archive was accepted"),
    }
}

fn valid_archive() -> Vec<u8> {
    docker_save(&[SavedImage::new(&["x/y:1"], vec![layer_tar("one", 40_000), layer_tar("two", 3000)])])
}

#[test]
fn truncated_inside_a_body() {
    let bytes = valid_archive();
    let cut = bytes[..bytes.len() / 2].to_vec();
    let e = open_err(cut);
    let text = e.to_string();
    assert!(matches!(e, ArchiveError::EntryPastEnd { available: Some(_), .. }), "{e:?}");
    assert!(text.contains("truncated"), "{text}");
}

#[test]
fn truncated_inside_a_header() {
    let mut bytes = Tar::new().file("a", b"hello").bytes.clone();
    bytes.extend_from_slice(&header(b"b", 1, b'0', b"")[..100]);
    let e = open_err(bytes);
    assert!(
        matches!(&e, ArchiveError::Truncated { what } if what.contains("inside the tar header at byte 1024")),
        "{e:?}"
    );
}

#[test]
fn truncated_compressed_archive() {
    let gz = gzip(&valid_archive());
    let e = open_err(gz[..gz.len() * 2 / 3].to_vec());
    let text = e.to_string();
    assert!(
        matches!(&e, ArchiveError::Read { source: ReadError::Inflate(_), .. })
            || matches!(&e, ArchiveError::EntryPastEnd { .. }),
        "{e:?}"
    );
    assert!(text.contains("truncated") || text.contains("ends"), "{text}");
}

#[test]
fn path_traversal_and_absolute_paths() {
    for (name, problem) in [
        ("../evil", PathError::Traversal),
        ("a/../../evil", PathError::Traversal),
        ("/etc/passwd", PathError::Absolute),
        ("a\\..\\b", PathError::BadCharacter),
    ] {
        let bytes = Tar::new().file("manifest.json", b"[]").file(name, b"x").finish();
        match open_err(bytes) {
            ArchiveError::BadPath { path, offset, problem: p } => {
                assert_eq!((path.as_str(), offset, p), (name, 1024, problem));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // The same through a GNU long name and a PAX path.
    let long = format!("{}/../../../../etc/cron.d/x", "d".repeat(120));
    let e = open_err(Tar::new().gnu_long_file(&long, b"x").finish());
    assert!(matches!(e, ArchiveError::BadPath { problem: PathError::Traversal, .. }), "{e:?}");
    let e = open_err(Tar::new().pax_file("innocent", &[("path", "../../x")], 1, b"x").finish());
    assert!(
        matches!(&e, ArchiveError::BadPath { path, problem: PathError::Traversal, .. } if path == "../../x"),
        "{e:?}"
    );
}

#[test]
fn long_names_and_pax_overrides_are_honoured() {
    // The layer under a GNU long name, the config under a PAX path whose PAX size overrides the
    // (lying) ustar size: the image reads as if the names and sizes were plain.
    let layer = layer_tar("long", 2000);
    let config = config_json(&[sha256(&layer)], "linux");
    let long = format!("{}layer.tar", "deep/".repeat(30));
    let manifest =
        format!(r#"[{{"Config":"pax/named/config.json","RepoTags":["a/b:c"],"Layers":["{long}"]}}]"#);
    let bytes = Tar::new()
        .gnu_long_file(&long, &layer)
        .pax_file(
            "short",
            &[("path", "pax/named/config.json"), ("size", &config.len().to_string())],
            999,
            &config,
        )
        .file("manifest.json", manifest.as_bytes())
        .finish();
    let (result, _) = open_counted(bytes.clone(), OpenOptions::default());
    result.unwrap();
    let archive = block_on(Archive::open(bytes, OpenOptions::default())).unwrap();
    let m = &archive.images()[0].manifests[0];
    assert_eq!(
        m.layers[0].stored.as_ref().map(|s| (s.path.as_str(), s.size)),
        Some((long.as_str(), layer.len() as u64))
    );
    assert_eq!(m.config.stored.size, config.len() as u64);
    assert_eq!(m.config.descriptor.digest, sha256(&config));
}

#[test]
fn entry_larger_than_the_file() {
    let mut tar = Tar::new();
    tar.raw_header(header(b"layer.tar", 5000, b'0', b""));
    tar.bytes.extend_from_slice(&[7; 1024]);
    match open_err(tar.bytes.clone()) {
        ArchiveError::EntryPastEnd { path, offset, size, available } => {
            assert_eq!((path.as_str(), offset, size, available), ("layer.tar", 512, 5000, Some(1024)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ten_gib_declared_in_one_kib() {
    let ten_gib = 10u64 << 30;
    let mut tar = Tar::new();
    tar.raw_header(header(b"huge", ten_gib, b'0', b""));
    tar.bytes.extend_from_slice(&[0; 512]);
    assert_eq!(tar.bytes.len(), 1024);
    let (result, source) = open_counted(tar.bytes.clone(), OpenOptions::default());
    match result {
        Err(ArchiveError::EntryPastEnd { size, available, .. }) => {
            assert_eq!((size, available), (ten_gib, Some(512)))
        }
        other => panic!("{other:?}"),
    }
    // Found from the header alone.
    assert!(source.served.get() <= 1024, "read {} bytes", source.served.get());
    // The same claim through PAX.
    let mut tar = Tar::new();
    tar.pax_file("huge", &[("size", &ten_gib.to_string())], 0, b"");
    assert!(
        matches!(open_err(tar.bytes.clone()), ArchiveError::EntryPastEnd { size, .. } if size == ten_gib)
    );
    // And in a compressed archive, whose length is unknown until the end: refused from the
    // header, before anything is decompressed, because it exceeds the decompression limit.
    let mut tar = Tar::new();
    tar.raw_header(header(b"huge", ten_gib, b'0', b""));
    tar.bytes.extend_from_slice(&[0; 512]);
    let e = open_err(gzip(&tar.bytes));
    assert!(matches!(&e, ArchiveError::EntryTooLarge { size, .. } if *size == ten_gib), "{e:?}");
    assert!(e.to_string().contains("raise the limit") && !e.to_string().contains("--"), "{e}");
    assert_eq!(e.remedy(), Some(waybill_core::remedy::Remedy::RaiseDecompressionLimit));
}

/// A gzip stream of `mib` MiB of zeros made of 1-MiB members (~1 KiB each compressed).
fn zeros_gzip(mib: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).unwrap();
    e.finish().unwrap().repeat(mib)
}

#[test]
fn gzip_bomb_is_stopped_at_the_limit() {
    // A tar whose entries honestly declare 4 MiB each, 32 of them: 128 MiB of zeros from about
    // 150 KiB. With a 16 MiB limit the reader stops after 16 MiB. (Small enough for an
    // unoptimised wasm build in Chromium to finish well inside the test runner's timeout; the
    // CLI suite runs a 2 GiB bomb natively.)
    let entry = 4u64 << 20;
    let mut bomb = Vec::new();
    for i in 0..32 {
        bomb.extend(gzip(&header(format!("zeros-{i}").as_bytes(), entry, b'0', b"")));
        bomb.extend(zeros_gzip(4));
    }
    let compressed = bomb.len();
    assert!(compressed < 1 << 20, "the bomb is {compressed} bytes");
    let limit = 16 << 20;
    let (result, _) = open_counted(bomb, OpenOptions { max_uncompressed: Some(limit) });
    match result {
        Err(ArchiveError::Read { source: ReadError::TooLarge { limit: l, compressed: c }, offset }) => {
            assert_eq!((l, c), (limit, compressed as u64));
            assert!(offset <= limit + (1 << 20), "stopped at {offset}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn default_decompression_limit() {
    use waybill_core::archive::decompressed::default_limit;
    assert_eq!(default_limit(1000), 1 << 30);
    assert_eq!(default_limit(100 << 20), 10_000 << 20);
    assert_eq!(default_limit(u64::MAX), u64::MAX);
}

#[test]
fn bad_checksum_and_not_a_tar() {
    let mut h = header(b"a", 0, b'0', b"");
    h[0] = b'b';
    let e = open_err(Tar::new().raw_header(h).finish());
    assert!(matches!(e, ArchiveError::Header(HeaderError::Checksum { offset: 0, .. })), "{e:?}");
    assert!(e.to_string().contains("not a tar file"));
    let noise: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8 + 1).collect();
    assert!(matches!(open_err(noise), ArchiveError::Header(_)));
    let e = open_err(Vec::new());
    assert!(
        matches!(&e, ArchiveError::Truncated { what } if what == "there is no data in it at all"),
        "{e:?}"
    );
    assert!(matches!(
        open_err(Tar::new().file("repositories", b"{}").finish()),
        ArchiveError::NotAnImageArchive { legacy: true }
    ));
}

#[test]
fn duplicate_entries() {
    let bytes = Tar::new().file("manifest.json", b"[]").file("./manifest.json", b"[1]").finish();
    match open_err(bytes) {
        ArchiveError::DuplicateEntry { path, first, second } => {
            assert_eq!((path.as_str(), first, second), ("manifest.json", 0, 1024));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn manifest_json_pointing_at_missing_files() {
    let layer = layer_tar("l", 100);
    let config = config_json(&[sha256(&layer)], "linux");
    let manifest = r#"[{"Config":"nope.json","RepoTags":["a:b"],"Layers":["l.tar"]}]"#;
    let e = open_err(Tar::new().file("l.tar", &layer).file("manifest.json", manifest.as_bytes()).finish());
    assert_eq!(e.to_string(), "\"nope.json\" is not in the archive (named by manifest.json entry 1)");
    let manifest = r#"[{"Config":"c.json","RepoTags":["a:b"],"Layers":["gone.tar"]}]"#;
    let e = open_err(Tar::new().file("c.json", &config).file("manifest.json", manifest.as_bytes()).finish());
    assert_eq!(e.to_string(), "\"gone.tar\" is not in the archive (named by manifest.json entry 1)");
    // Pointing at a directory, through a link out of the archive, or round a loop.
    let manifest = r#"[{"Config":"c.json","RepoTags":["a:b"],"Layers":["d"]}]"#;
    let e = open_err(
        Tar::new().file("c.json", &config).dir("d/").file("manifest.json", manifest.as_bytes()).finish(),
    );
    assert!(matches!(e, ArchiveError::NotAFile { .. }), "{e:?}");
    let manifest = r#"[{"Config":"c.json","RepoTags":["a:b"],"Layers":["x/layer.tar"]}]"#;
    let bytes = Tar::new()
        .file("c.json", &config)
        .symlink("x/layer.tar", "../../../etc/shadow")
        .file("manifest.json", manifest.as_bytes())
        .finish();
    assert!(matches!(open_err(bytes), ArchiveError::LinkOutside { .. }));
    let bytes = Tar::new()
        .file("c.json", &config)
        .symlink("x/layer.tar", "loop.tar")
        .symlink("x/loop.tar", "layer.tar")
        .file("manifest.json", manifest.as_bytes())
        .finish();
    assert!(matches!(open_err(bytes), ArchiveError::LinkLoop { .. }));
}

#[test]
fn entries_naming_one_config_with_other_layer_files_are_other_images() {
    // Entries naming one config are one image under several names, unless their layer files
    // differ: folded in, the second entry's files would never be verified.
    let (layer, evil) = (layer_tar("good", 1000), layer_tar("evil", 1000));
    let config = config_json(&[sha256(&layer)], "linux");
    let manifest = br#"[{"Config":"c.json","RepoTags":["a:1"],"Layers":["a.tar"]},
        {"Config":"c.json","RepoTags":["a:2"],"Layers":["x/a.tar"]},
        {"Config":"c.json","RepoTags":["b:1"],"Layers":["evil.tar"]}]"#;
    let bytes = Tar::new()
        .file("c.json", &config)
        .file("a.tar", &layer)
        .symlink("x/a.tar", "../a.tar")
        .file("evil.tar", &evil)
        .file("manifest.json", manifest)
        .finish();
    let archive = block_on(Archive::open(bytes, OpenOptions::default())).unwrap();
    let names: Vec<_> = archive.images().iter().map(|i| i.names.join(" ")).collect();
    assert_eq!(names, ["a:1 a:2", "b:1"]);
    let images: Vec<_> = archive.images().iter().collect();
    let checks = block_on(waybill_core::archive::verify::verify(&archive, &images, &|_, _| {})).unwrap();
    assert!(checks[0].ok(), "{:?}", checks[0].failures());
    let failures = checks[1].failures();
    assert!(
        failures.len() == 1 && failures[0].contains("but the config's diff_id for this layer is"),
        "{failures:?}"
    );
}

#[test]
fn metadata_too_large_to_be_real() {
    let big = vec![b' '; 5 << 20];
    let e = open_err(Tar::new().file("manifest.json", &big).finish());
    assert!(matches!(&e, ArchiveError::MetadataTooLarge { size, .. } if *size == 5 << 20), "{e:?}");
}

#[test]
fn malformed_json_says_where() {
    let e = open_err(Tar::new().file("manifest.json", b"[{\"Config\": 5}]").finish());
    let text = e.to_string();
    assert!(text.starts_with("manifest.json is not valid: at `[0].Config`"), "{text}");
}

#[test]
fn extension_headers() {
    // A PAX header declaring a megabyte.
    let mut tar = Tar::new();
    tar.raw_header(header(b"PaxHeaders/x", 1 << 20, b'x', b""));
    tar.bytes.extend_from_slice(&vec![b'x'; 1 << 20]);
    let e = open_err(tar.finish());
    assert!(matches!(e, ArchiveError::ExtensionTooLarge { kind: "PAX header", .. }), "{e:?}");
    // Malformed records.
    let mut tar = Tar::new();
    tar.raw_header(header(b"PaxHeaders/x", 12, b'x', b"")).body(b"99 path=abc\n");
    tar.file("a", b"");
    assert!(matches!(open_err(tar.finish()), ArchiveError::BadPax { offset: 512, .. }));
    // An extension header that belongs to nothing.
    let mut tar = Tar::new();
    tar.raw_header(header(b"././@LongLink", 4, b'L', b"")).body(b"abc\0");
    let e = open_err(tar.finish());
    assert!(matches!(&e, ArchiveError::Truncated { what } if what.contains("belongs to no entry")), "{e:?}");
}

#[test]
fn a_source_shorter_than_it_claims() {
    let data = valid_archive();
    let claimed = data.len() as u64 + 10_000;
    let source = ShortSource { data: data[..data.len() - 2000].to_vec(), claimed };
    assert!(block_on(Archive::open(source, OpenOptions::default())).is_err());
}
