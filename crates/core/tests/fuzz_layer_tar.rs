//! A fuzz target for the layer explorer's streaming tar reader (issue 14), run by `cargo test`
//! for a fixed budget of cases like the other property suites, printing its executions and their
//! rate (docs/benchmarks.md keeps the figures).
//!
//! Seeds are real tars written once per run by Python's tarfile (ustar, GNU and PAX forms: long
//! names, links, whiteouts, an opaque marker, devices), then mutated byte by byte, optionally
//! gzip'd, and fed to `LayerReader` in random chunk sizes with hashing and a capture on.
//! Properties: never a panic; the outcome (entries, or the error's text) does not depend on the
//! chunking; every entry emitted has a normalised name (no `..`, not absolute, no NUL, no `.` or
//! empty segment), a header offset on a block boundary that grows, and a size the body had; the
//! captured bytes are exactly the captured entry's body. Native only (proptest needs a clock and
//! a file system, and the seeds come from python3).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::Cell;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::select;
use support::fuzzing::{Mutation, fuzz, mutated, mutation};
use support::layer_tars::{Read, gzip, python_tar, read};
use waybill_core::layers::{Kind, ReadOptions};

/// The seed tars, written once.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let body = format!(
            r#"
add("etc", kind=DIRTYPE, mode=0o755)
add("etc/hosts", b"127.0.0.1 localhost\n")
add("etc/.wh.motd")
add("usr/share/doc/.wh..wh..opq")
add("{long}/file.txt", b"long" * 40)
add("bin/sh", kind=SYMTYPE, link="/bin/{long}")
add("bin/ash", kind=LNKTYPE, link="etc/hosts")
add("dev/null", kind=CHRTYPE)
add("last", b"x" * 700)
"#,
            long = "l".repeat(130)
        );
        ["USTAR_FORMAT", "GNU_FORMAT", "PAX_FORMAT"]
            .iter()
            .map(|format| {
                // ustar cannot hold the long names: its seed keeps the short entries only.
                let body = if *format == "USTAR_FORMAT" {
                    body.lines().filter(|l| !l.contains(&"l".repeat(130))).collect::<Vec<_>>().join("\n")
                } else {
                    body.clone()
                };
                python_tar(format, &body)
            })
            .collect()
    })
}

/// What a read ended in, comparable across chunkings.
fn outcome(result: &Result<Read, waybill_core::layers::LayerError>) -> Result<Vec<String>, String> {
    match result {
        Ok(read) => Ok(read.entries.iter().map(|e| format!("{e:?}")).collect()),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn layer_tar_reader() {
    let strategy = (
        select((0..3).collect::<Vec<usize>>()),
        prop::collection::vec(mutation(), 0..5),
        any::<bool>(),
        prop_oneof![1usize..600, 600usize..20_000],
        0usize..12,
    );
    // How many inputs listed whole (the rest were refused): printed with the run's figures.
    let (listed, tried) = (Cell::new(0u32), Cell::new(0u32));
    fuzz(
        "layer tar reader",
        1200,
        strategy,
        |(seed, mutations, compress, chunk, capture): (usize, Vec<Mutation>, bool, usize, usize)| {
            let tar = mutated(&seeds()[seed], &mutations);
            let layer = if compress { gzip(&tar) } else { tar };
            let capture = Some(capture as u64 * 512);
            let options = ReadOptions { hash_files: true, capture };
            let whole = read(&layer, layer.len(), options);
            let chunked = read(&layer, chunk, options);
            prop_assert_eq!(outcome(&whole), outcome(&chunked), "chunk {}", chunk);
            tried.set(tried.get() + 1);
            let Ok(read) = chunked else { return Ok(()) };
            listed.set(listed.get() + 1);
            let mut last = None;
            for e in &read.entries {
                let segments_ok = e.path.split('/').all(|s| !s.is_empty() && s != "." && s != "..");
                prop_assert!(
                    segments_ok || (e.path.is_empty() && e.kind == Kind::Opaque),
                    "path {:?}",
                    e.path
                );
                prop_assert!(!e.path.contains('\0'));
                prop_assert_eq!(e.offset % 512, 0);
                prop_assert!(last.is_none_or(|l| e.offset > l), "offsets grow");
                last = Some(e.offset);
                if let Some(link) = &e.link {
                    prop_assert!(!link.contains('\0'));
                }
                prop_assert_eq!(e.sha256.is_some(), e.kind == Kind::File);
            }
            let captured = read.entries.iter().find(|e| Some(e.offset) == capture).map_or(0, |e| e.size);
            prop_assert_eq!(read.captured.len() as u64, captured);
            Ok(())
        },
    );
    eprintln!(
        "fuzz layer tar reader: {} of {} inputs listed whole, the rest refused",
        listed.get(),
        tried.get()
    );
}
