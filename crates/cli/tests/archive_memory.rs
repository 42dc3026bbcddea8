//! Hostile archives that cost little to make and much to read: each must give a correct result
//! or a clear error with `waybill`'s peak memory (its own, from the kernel) under [`RSS_LIMIT`].
//! Built here byte by byte; no server involved.

mod common;

use common::tar::{end, entry, file};
use common::{Run, sha256, waybill_peak_rss};

/// What any archive may cost: docs/architecture.md's invariant 5, memory is bounded.
const RSS_LIMIT: u64 = 64 << 20;

/// Runs waybill, checks its peak memory, and returns what it did.
fn bounded(args: &[&str]) -> Run {
    let (run, peak) = waybill_peak_rss(args);
    eprintln!("waybill {args:?}: peak RSS {} KiB, exit {}", peak >> 10, run.code);
    assert_ne!(run.code, 101, "waybill panicked: {}", run.stderr);
    assert!(peak < RSS_LIMIT, "waybill {args:?} peaked at {} MiB\n{}", peak >> 20, run.stderr);
    run
}

/// A config for an amd64 image with these diff IDs, and the name docker save gives it.
fn config(diff_ids: &[&str]) -> (String, Vec<u8>) {
    let ids = diff_ids.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(",");
    let bytes =
        format!(r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{ids}]}}}}"#);
    let name = format!("{}.json", sha256(bytes.as_bytes()).trim_start_matches("sha256:"));
    (name, bytes.into_bytes())
}

/// One zstd frame of `blocks` RLE blocks of 128 KiB of zeros each: 4 bytes per 128 KiB.
fn zstd_zeros(blocks: usize) -> Vec<u8> {
    // Magic; frame header descriptor 0 (no checksum, no content size); a 2 MiB window.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
    for i in 0..blocks {
        let last = u32::from(i == blocks - 1);
        let header = last | 1 << 1 | (128 * 1024) << 3;
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0);
    }
    frame
}

/// sha256 of 2^30 zero bytes (`head -c 1G /dev/zero | sha256sum`).
const ONE_GIB_OF_ZEROS: &str = "sha256:49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14";

#[test]
fn a_zstd_layer_inflating_to_one_gib_is_hashed_in_bounded_memory() {
    let layer = zstd_zeros(8192);
    assert!(layer.len() < 40 << 10, "the layer is {} bytes", layer.len());
    let (config_name, config) = config(&[ONE_GIB_OF_ZEROS]);
    let manifest =
        format!(r#"[{{"Config":"{config_name}","RepoTags":["bomb:1"],"Layers":["bomb.tar.zst"]}}]"#);
    let mut tar = entry(&config_name, &config);
    tar.extend(entry("bomb.tar.zst", &layer));
    tar.extend(entry("manifest.json", manifest.as_bytes()));
    tar.extend(end());
    let path = file("zstd-layer-bomb.tar", &tar);
    let run = bounded(&["verify", &path]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
