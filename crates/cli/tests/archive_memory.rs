//! An archive that costs little to make and much to read, and is genuine: a 33 KB zstd layer
//! of 1 GiB of zeros must verify with `waybill`'s peak memory (its own, from the kernel) under
//! [`RSS_LIMIT`]. The hostile ones (fan-out, bombs, …) are archive_hostile's cases, run the same
//! way. No server involved.

mod support;
use support::generator::RSS_LIMIT;
use support::hostile::{ONE_GIB_OF_ZEROS, config, zstd_zeros};
use support::tar::{end, entry, file};
use support::waybill_peak_rss;

#[test]
fn a_zstd_layer_inflating_to_one_gib_is_hashed_in_bounded_memory() {
    let layer = zstd_zeros(8192);
    assert!(layer.len() < 40 << 10, "the layer is {} bytes", layer.len());
    let (config_name, config) = config(&[ONE_GIB_OF_ZEROS], 0);
    let manifest =
        format!(r#"[{{"Config":"{config_name}","RepoTags":["bomb:1"],"Layers":["bomb.tar.zst"]}}]"#);
    let mut tar = entry(&config_name, &config);
    tar.extend(entry("bomb.tar.zst", &layer));
    tar.extend(entry("manifest.json", manifest.as_bytes()));
    tar.extend(end());
    let path = file("zstd-layer-bomb.tar", &tar);
    let (run, peak) = waybill_peak_rss(&["verify", &path]);
    eprintln!("waybill verify: peak RSS {} KiB, exit {}", peak >> 10, run.code);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(peak < RSS_LIMIT, "waybill verify peaked at {} MiB", peak >> 20);
}
