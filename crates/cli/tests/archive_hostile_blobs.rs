//! Hostile archives, part 2: the blobs — configs, manifests and layers named by digests and
//! sizes they do not have (up to 2^62 bytes), truncated gzip and zstd (archives and layers),
//! invalid streams, and decompression bombs at archive and at layer level (1 GiB of zeros from
//! a few KiB, generated here). Run like part 1 (archive_hostile): inspect, verify and push each
//! case; a clear error or a correct result, peak RSS under 64 MiB, nothing sent to the registry.

mod support;
use serde_json::json;
use support::generator::{Case, Expect::*, run_cases};
use support::hostile::*;
use support::tar::{end, entry, header};
use support::{noise, sha256};

/// What verify says of a layer whose content is not its diff ID.
const DIFF_ID: &str = "but the config's diff_id for this layer is";
/// What it says of a blob of another size than its descriptor's.
const SIZE_2_62: &str = "but the descriptor says 4611686018427387904";
/// A layer whose content is 1 GiB of zeros: it was decompressed to the end.
const ONE_GIB: &str =
    "its content hashes to sha256:49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14";
/// The default limit on decompressed data (the archives are far under 10 MiB).
const BOMB: &str = "decompresses to more than 1073741824 bytes";

/// A diff ID no layer has.
fn wrong() -> String {
    sha256(b"not this layer")
}

/// The small docker-save image, compressed whole by `compress`, cut to two thirds.
fn truncated(compress: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    let mut archive = compress(&docker_image(&layer, &diff_id));
    archive.truncate(archive.len() * 2 / 3);
    archive
}

const NAMES: &[Case] = &[
    Case {
        name: "index-json-names-a-manifest-by-another-digest",
        build: || oci_nested(0, Some((0, Lie::Digest))),
        expect: Fails("the index names this manifest sha256:"),
    },
    Case {
        name: "index-json-names-an-index-by-another-digest",
        build: || oci_nested(1, Some((0, Lie::Digest))),
        expect: Fails("the index names an index above this manifest sha256:"),
    },
    Case {
        name: "an-index-names-an-index-by-another-digest",
        build: || oci_nested(2, Some((1, Lie::Digest))),
        expect: Fails("the index names an index above this manifest sha256:"),
    },
    Case {
        name: "index-json-gives-a-manifest-2-62-bytes",
        build: || oci_nested(0, Some((0, Lie::Size(HUGE)))),
        expect: Fails("with size 4611686018427387904, but it is"),
    },
    Case {
        name: "an-index-gives-its-manifest-a-wrong-size",
        build: || oci_nested(1, Some((1, Lie::Size(100)))),
        expect: Fails("with size 100, but it is"),
    },
    Case {
        name: "manifest-names-its-config-by-another-digest",
        build: || {
            let (layer, diff_id) = small_layer();
            let (_, config) = config(&[&diff_id], 0);
            let other = sha256(b"another config");
            let mut manifest = image_manifest(&config, &[&layer]);
            manifest["config"]["digest"] = json!(other);
            let manifest = manifest.to_string().into_bytes();
            let index = image_index(vec![named_manifest(&manifest)]).to_string();
            let blobs =
                [(other.as_str(), &config[..]), (&sha256(&layer), &layer), (&sha256(&manifest), &manifest)];
            oci_archive(&blobs, index.as_bytes())
        },
        expect: Fails("but the descriptor says sha256:"),
    },
    Case {
        name: "config-file-named-by-another-digest",
        build: || {
            let (layer, diff_id) = small_layer();
            let (_, config) = config(&[&diff_id], 0);
            let name = config_name(b"another config");
            let manifest =
                json!([{"Config": name, "RepoTags": ["hostile:1"], "Layers": ["layer.tar"]}]).to_string();
            [
                entry(&name, &config),
                entry("layer.tar", &layer),
                entry("manifest.json", manifest.as_bytes()),
                end(),
            ]
            .concat()
        },
        expect: Fails("its file name promises sha256:"),
    },
    Case {
        name: "two-entries-of-one-config-naming-other-layers",
        build: || {
            let (layer, diff_id) = small_layer();
            let (name, config) = config(&[&diff_id], 0);
            let manifest = json!([
                {"Config": name, "RepoTags": ["hostile:1"], "Layers": ["layer.tar"]},
                {"Config": name, "RepoTags": ["hostile:2"], "Layers": ["evil.tar"]},
            ]);
            let evil = [entry("evil.sh", b"rm -rf /"), end()].concat();
            let members = [entry(&name, &config), entry("layer.tar", &layer), entry("evil.tar", &evil)];
            [members.concat(), entry("manifest.json", manifest.to_string().as_bytes()), end()].concat()
        },
        expect: FailsAndRefused(DIFF_ID, "the archive holds 2 images; pick one"),
    },
    Case {
        name: "wrong-diff-id",
        build: || docker_image(&small_layer().0, &wrong()),
        expect: Fails(DIFF_ID),
    },
    Case {
        name: "wrong-diff-id-of-a-gzip-layer",
        build: || docker_image(&system_gzip(&small_layer().0), &wrong()),
        expect: Fails(DIFF_ID),
    },
    Case {
        name: "layer-of-2-62-bytes",
        build: || {
            oci_image(
                |mut m| {
                    m["layers"][0]["size"] = json!(HUGE);
                    m.to_string()
                },
                as_is,
            )
        },
        expect: Fails(SIZE_2_62),
    },
    Case {
        name: "config-of-2-62-bytes",
        build: || {
            oci_image(
                |mut m| {
                    m["config"]["size"] = json!(HUGE);
                    m.to_string()
                },
                as_is,
            )
        },
        expect: Fails(SIZE_2_62),
    },
    Case {
        name: "five-layers-of-2-62-bytes",
        build: || {
            let (layer, diff_id) = small_layer();
            let (_, config) = config(&[diff_id.as_str(); 5], 0);
            let mut manifest = image_manifest(&config, &[&layer[..]; 5]);
            for i in 0..5 {
                manifest["layers"][i]["size"] = json!(HUGE);
            }
            let manifest = manifest.to_string().into_bytes();
            let index = image_index(vec![named_manifest(&manifest)]).to_string();
            let blobs = [
                (&sha256(&config)[..], &config[..]),
                (&sha256(&layer), &layer),
                (&sha256(&manifest), &manifest),
            ];
            oci_archive(&blobs, index.as_bytes())
        },
        expect: Fails(SIZE_2_62),
    },
    Case {
        name: "foreign-layer-of-2-62-bytes",
        build: || {
            let (layer, diff_id) = small_layer();
            let (name, config) = config(&[&diff_id], 0);
            let source = json!({
                "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                "digest": sha256(b"the compressed layer"),
                "size": HUGE,
                "urls": ["https://example.com/layer"],
            });
            let manifest = json!([{
                "Config": name, "RepoTags": ["hostile:1"], "Layers": ["layer.tar"],
                "LayerSources": {diff_id: source},
            }]);
            [
                entry(&name, &config),
                entry("layer.tar", &layer),
                entry("manifest.json", manifest.to_string().as_bytes()),
                end(),
            ]
            .concat()
        },
        expect: PushRefused("--fetch-foreign"),
    },
];

const STREAMS: &[Case] = &[
    Case {
        name: "truncated-gzip-archive",
        build: || truncated(system_gzip),
        expect: Refused("gzip data is invalid: the data ends in the middle of the stream (truncated)"),
    },
    Case { name: "truncated-zstd-archive", build: || truncated(zstd_raw), expect: Refused("(truncated)") },
    Case {
        name: "truncated-gzip-layer",
        build: || {
            let (layer, diff_id) = small_layer();
            let gz = system_gzip(&layer);
            docker_image(&gz[..gz.len() - 10], &diff_id)
        },
        expect: Fails("its gzip content cannot be decompressed"),
    },
    Case {
        name: "truncated-zstd-layer",
        build: || {
            let (layer, diff_id) = small_layer();
            let zst = zstd_raw(&layer);
            docker_image(&zst[..zst.len() / 2], &diff_id)
        },
        expect: Fails("its zstd content cannot be decompressed"),
    },
    Case {
        name: "gzip-archive-of-noise",
        build: || system_gzip(&noise(64 << 10, 9)),
        expect: Refused("this is not a tar file"),
    },
    Case {
        name: "zstd-archive-of-noise",
        build: || zstd_raw(&noise(64 << 10, 11)),
        expect: Refused("this is not a tar file"),
    },
    Case {
        name: "zstd-window-of-2-gib",
        build: || [&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3][..], &zstd_raw(&end())[6..]].concat(),
        expect: Refused("Waybill accepts zstd windows up to 32 MiB"),
    },
    Case {
        name: "zstd-block-over-128-kib",
        build: || [&zstd_raw(&end())[..6], &(200u32 << 13 | 1).to_le_bytes()[..3], &[0; 1024][..]].concat(),
        expect: Refused("over the 128 KiB maximum"),
    },
    Case {
        name: "random-bytes-after-gzip-magic",
        build: || [vec![0x1f, 0x8b], noise(64 << 10, 3)].concat(),
        expect: Refused("the archive's gzip data is invalid"),
    },
    Case {
        name: "random-bytes-after-zstd-magic",
        build: || [vec![0x28, 0xb5, 0x2f, 0xfd], noise(64 << 10, 5)].concat(),
        expect: Refused("the archive's zstd data is invalid"),
    },
    Case {
        name: "gzip-archive-declaring-2-62-bytes",
        build: || system_gzip(&[header("huge", HUGE, b'0'), vec![0; 512]].concat()),
        expect: Refused(
            "declares 4611686018427387904 bytes, over the 1073741824-byte limit on decompressed data",
        ),
    },
];

const BOMBS: &[Case] = &[
    Case { name: "gzip-archive-bomb", build: || gzip_tar_of_zeros(4), expect: Refused(BOMB) },
    Case { name: "zstd-archive-bomb", build: || zstd_tar_of_zeros(4), expect: Refused(BOMB) },
    Case {
        name: "gzip-layer-bomb",
        build: || docker_image(&gzip_zeros(1024), &wrong()),
        expect: Fails(ONE_GIB),
    },
    Case {
        name: "zstd-layer-bomb",
        build: || docker_image(&zstd_zeros(8192), &wrong()),
        expect: Fails(ONE_GIB),
    },
];

#[test]
fn digests_and_sizes() {
    run_cases(NAMES);
}

#[test]
fn compressed_streams() {
    run_cases(STREAMS);
}

#[test]
fn decompression_bombs() {
    for case in BOMBS {
        let size = (case.build)().len();
        assert!(size < 3 << 20, "{} is {size} bytes: a bomb should be small", case.name);
    }
    run_cases(BOMBS);
}
