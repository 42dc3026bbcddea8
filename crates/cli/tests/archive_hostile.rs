//! Hostile archives, part 1: the tar itself (traversal and absolute members, links out of the
//! archive and round loops, duplicates, truncation, sizes that lie, noise, an empty file) and
//! the metadata (duplicate keys, oversized and deeply nested JSON, fan-out). Each case runs
//! through inspect, verify and push (`support::generator`): a clear error or a correct result,
//! peak RSS under 64 MiB, nothing sent to the registry. Part 2, the blobs: archive_hostile_blobs.
//! Needs the distribution registry (`scripts/registry up`, its `env` exported).

mod support;
use serde_json::json;
use support::generator::{Case, Expect::*, run_cases};
use support::hostile::*;
use support::tar::{end, entry, gnu_long_entry, header, pax_entry};
use support::{noise, sha256};

/// The cap on configs and manifests named again.
const NAMED_AGAIN: &str = "names the same configs and manifests over and over";
/// The JSON nesting limit.
const TOO_DEEP: &str = "the document nests deeper than 500 levels of objects and arrays";
/// Where a link may not lead.
const OUTSIDE: &str = "outside the archive";
/// Links that never reach a file.
const LOOP: &str = "is a chain of more than 8 links (a loop?)";

/// `[[[…]]]`, `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A docker-save archive with this member added before the image's own.
fn with_member(name: &str, data: &[u8]) -> Vec<u8> {
    let (layer, diff_id) = small_layer();
    [entry(name, data), docker_image(&layer, &diff_id)].concat()
}

const TAR: &[Case] = &[
    Case {
        name: "traversal-member",
        build: || with_member("../../etc/cron.d/evil", b"* * * * * root sh\n"),
        expect: Refused("entry \"../../etc/cron.d/evil\" at tar byte 0 contains '..'"),
    },
    Case {
        name: "traversal-inside-a-path",
        build: || with_member("layers/../../evil", b"x"),
        expect: Refused("entry \"layers/../../evil\" at tar byte 0 contains '..'"),
    },
    Case {
        name: "absolute-member",
        build: || with_member("/etc/passwd", b"x"),
        expect: Refused("entry \"/etc/passwd\" at tar byte 0 is absolute"),
    },
    Case {
        name: "traversal-in-a-gnu-long-name",
        build: || {
            let name = format!("{}/../../../../etc/cron.d/x", "d".repeat(120));
            [gnu_long_entry(&name, b"x"), docker_with_manifest_json(b"[]")].concat()
        },
        expect: Refused("/../../../../etc/cron.d/x\" at tar byte 0 contains '..'"),
    },
    Case {
        name: "traversal-in-a-pax-path",
        build: || [pax_entry("innocent", &[("path", "../../x")], 1, b"x"), end()].concat(),
        expect: Refused("entry \"../../x\" at tar byte 0 contains '..'"),
    },
    Case {
        name: "backslash-member",
        build: || with_member("a\\..\\b", b"x"),
        expect: Refused("entry \"a\\\\..\\\\b\" at tar byte 0"),
    },
    Case {
        name: "symlink-out-of-the-archive",
        build: || docker_through_links(&[("x/layer.tar", b'2', "../../../etc/shadow")]),
        expect: Refused(OUTSIDE),
    },
    Case {
        name: "absolute-symlink",
        build: || docker_through_links(&[("x/layer.tar", b'2', "/etc/passwd")]),
        expect: Refused("link \"x/layer.tar\" points to \"/etc/passwd\", outside the archive"),
    },
    Case {
        name: "hardlink-out-of-the-archive",
        build: || docker_through_links(&[("x/layer.tar", b'1', "../etc/passwd")]),
        expect: Refused("link \"x/layer.tar\" points to \"../etc/passwd\", outside the archive"),
    },
    Case {
        name: "symlink-loop",
        build: || {
            docker_through_links(&[("x/layer.tar", b'2', "loop.tar"), ("x/loop.tar", b'2', "layer.tar")])
        },
        expect: Refused(LOOP),
    },
    Case {
        name: "symlink-to-itself",
        build: || docker_through_links(&[("x/layer.tar", b'2', "layer.tar")]),
        expect: Refused(LOOP),
    },
    Case {
        name: "chain-of-twelve-links",
        build: || {
            let names: Vec<String> = (0..12).map(|i| format!("x/l{i}")).collect();
            let mut links = vec![("x/layer.tar", b'2', "l0")];
            links.extend((0..11).map(|i| (names[i].as_str(), b'2', &names[i + 1][2..])));
            docker_through_links(&links)
        },
        expect: Refused(LOOP),
    },
    Case {
        name: "duplicate-member",
        build: || with_member("./manifest.json", b"[]"),
        expect: Refused("entry \"manifest.json\" appears twice"),
    },
    Case {
        name: "duplicate-layer-member",
        build: || with_member("layer.tar", &noise(3000, 1)),
        expect: Refused("entry \"layer.tar\" appears twice"),
    },
    Case {
        name: "truncated-inside-a-body",
        build: || {
            let layer = vec![7u8; 20_000];
            let mut tar = entry("manifest.json", b"[]");
            tar.extend(entry(&format!("{}.tar", &sha256(&layer)[7..]), &layer));
            tar.truncate(tar.len() - 9000);
            tar
        },
        expect: Refused("declares 20000 bytes at tar byte 1536, but only 11480 remain"),
    },
    Case {
        name: "truncated-inside-a-header",
        build: || [entry("a", b"hello"), header("b", 1, b'0')[..100].to_vec()].concat(),
        expect: Refused("the archive is truncated: the archive ends inside the tar header at byte 1024"),
    },
    Case {
        name: "entry-larger-than-the-file",
        build: || [header("layer.tar", 5000, b'0'), vec![1u8; 1024]].concat(),
        expect: Refused("declares 5000 bytes at tar byte 512, but only 1024 remain"),
    },
    Case {
        name: "ten-gib-declared-in-one-kib",
        build: || [header("huge.tar", 10 << 30, b'0'), vec![0u8; 512]].concat(),
        expect: Refused("declares 10737418240 bytes at tar byte 512, but only 512 remain"),
    },
    Case {
        name: "header-declaring-2-62-bytes",
        build: || [header("huge", HUGE, b'0'), vec![0u8; 512]].concat(),
        expect: Refused("declares 4611686018427387904 bytes at tar byte 512, but only 512 remain"),
    },
    Case {
        name: "pax-size-of-2-62-bytes",
        build: || [pax_entry("huge", &[("size", &HUGE.to_string())], 0, b""), end()].concat(),
        expect: Refused("declares 4611686018427387904 bytes at tar byte 1536, but only 1024 remain"),
    },
    Case { name: "random-bytes", build: || noise(64 << 10, 7), expect: Refused("this is not a tar file") },
    Case {
        name: "empty-file",
        build: Vec::new,
        expect: Refused("the archive is truncated: there is no data in it at all"),
    },
    Case {
        name: "tar-without-image-metadata",
        build: || [entry("README", b"hello"), end()].concat(),
        expect: Refused("it has neither manifest.json (docker save) nor index.json"),
    },
    Case {
        name: "manifest-json-names-a-missing-config",
        build: || docker_with_manifest_json(br#"[{"Config":"missing.json","RepoTags":["a:b"],"Layers":[]}]"#),
        expect: Refused("\"missing.json\" is not in the archive (named by manifest.json entry 1)"),
    },
];

const JSON: &[Case] = &[
    Case {
        name: "duplicate-key-in-manifest-json",
        build: || {
            docker_with_manifest_json(br#"[{"Config":"a.json","Config":"b.json","RepoTags":[],"Layers":[]}]"#)
        },
        expect: Refused("duplicate key \"Config\""),
    },
    Case {
        name: "duplicate-key-in-a-config",
        build: || {
            let config =
                json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}});
            docker_with_config(config.to_string().replacen('{', r#"{"os":"windows","#, 1).as_bytes())
        },
        expect: Refused("duplicate key \"os\""),
    },
    Case {
        name: "duplicate-key-in-index-json",
        build: || oci_image(as_is, |i| i.to_string().replacen('{', r#"{"manifests":[],"#, 1)),
        expect: Refused("duplicate key \"manifests\""),
    },
    Case {
        name: "duplicate-key-in-a-manifest",
        build: || oci_image(|m| m.to_string().replacen('{', r#"{"layers":[],"#, 1), as_is),
        expect: Refused("duplicate key \"layers\""),
    },
    Case {
        name: "manifest-json-over-4-mib",
        build: || docker_with_manifest_json(format!("[{}]", " ".repeat(5 << 20)).as_bytes()),
        expect: Refused("\"manifest.json\" is 5242882 bytes, over the 4194304-byte limit"),
    },
    Case {
        name: "config-over-16-mib",
        build: || docker_with_config(&config(&[], 17 << 20).1),
        expect: Refused("over the 16777216-byte limit"),
    },
    Case {
        name: "index-json-over-4-mib",
        build: || oci_image(as_is, |i| format!("{i}{}", " ".repeat(5 << 20))),
        expect: Refused("over the 4194304-byte limit"),
    },
    Case {
        name: "manifest-json-nested-100000-deep",
        build: || docker_with_manifest_json(nested(100_000).as_bytes()),
        expect: Refused(TOO_DEEP),
    },
    Case {
        name: "config-nested-2000-deep",
        build: || {
            let labels = format!("{}1{}", r#"{"a":"#.repeat(2000), "}".repeat(2000));
            let config =
                json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}});
            docker_with_config(
                config
                    .to_string()
                    .replacen('{', &format!(r#"{{"config":{{"Labels":{labels}}},"#), 1)
                    .as_bytes(),
            )
        },
        expect: Refused(TOO_DEEP),
    },
    Case {
        name: "index-json-nested-100000-deep",
        build: || {
            oci_image(as_is, |i| i.to_string().replacen('{', &format!(r#"{{"x":{},"#, nested(100_000)), 1))
        },
        expect: Refused(TOO_DEEP),
    },
    Case {
        name: "manifest-nested-100000-deep",
        build: || {
            oci_image(|m| m.to_string().replacen('{', &format!(r#"{{"x":{},"#, nested(100_000)), 1), as_is)
        },
        expect: Refused(TOO_DEEP),
    },
];

const FAN_OUT: &[Case] = &[
    Case {
        name: "2000-images-naming-one-1-mib-config",
        build: || docker_naming_one_config(2000, 1 << 20),
        expect: Refused(NAMED_AGAIN),
    },
    Case {
        name: "2000-images-naming-one-small-config",
        build: || docker_naming_one_config(2000, 0),
        expect: PushRefused("the archive holds 2 images; pick one"),
    },
    Case {
        name: "10001-manifest-json-entries",
        build: || docker_naming_one_config(10_000, 0),
        expect: Refused("more than 10000 images and index entries"),
    },
    Case {
        name: "100001-layers",
        build: || {
            let (layer, diff_id) = small_layer();
            let (name, config) = config(&[&diff_id], 0);
            let manifest =
                json!([{"Config": name, "RepoTags": ["hostile:1"], "Layers": vec!["layer.tar"; 100_001]}]);
            [
                entry(&name, &config),
                entry("layer.tar", &layer),
                entry("manifest.json", manifest.to_string().as_bytes()),
                end(),
            ]
            .concat()
        },
        expect: Refused("more than 100000 layers"),
    },
    Case {
        name: "index-of-300-indexes-of-300",
        build: || oci_fan_out(300, 300, 0),
        expect: Refused(NAMED_AGAIN),
    },
    Case {
        name: "index-of-40-indexes-naming-a-1-mib-config",
        build: || oci_fan_out(40, 40, 1 << 20),
        expect: Refused(NAMED_AGAIN),
    },
    Case {
        name: "index-of-40-indexes-of-40",
        build: || oci_fan_out(40, 40, 0),
        expect: PushRefused("the archive holds 40 images; pick one"),
    },
    Case {
        name: "indexes-nested-5-deep",
        build: || oci_nested(5, None),
        expect: Refused("indexes nest more than 4 levels deep"),
    },
];

#[test]
fn tar_structure() {
    run_cases(TAR);
}

#[test]
fn json_documents() {
    run_cases(JSON);
}

#[test]
fn fan_out() {
    run_cases(FAN_OUT);
}
