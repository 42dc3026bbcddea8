//! Hostile archive files through the CLI: each gives exit 1 and a message saying what is wrong
//! and where — never a panic (exit 101), never a read of what the archive only claims. Built
//! here byte by byte (and with the system gzip); no server involved.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::tar::{end, entry, file, header};
use common::{sha256, waybill};

/// Runs waybill and checks it failed cleanly (exit 1, no panic) with `expected` in stderr.
fn fails_with(args: &[&str], expected: &str) {
    let run = waybill(args, &[]);
    assert_ne!(run.code, 101, "waybill panicked: {}", run.stderr);
    assert_eq!(run.code, 1, "{args:?}: exit {}\n{}{}", run.code, run.stdout, run.stderr);
    assert!(run.stderr.contains(expected), "{args:?}: wanted {expected:?} in:\n{}", run.stderr);
}

#[test]
fn truncated_archive() {
    let layer = vec![7u8; 20_000];
    let mut tar = entry("manifest.json", b"[]");
    tar.extend(entry(&format!("{}.tar", sha256(&layer).trim_start_matches("sha256:")), &layer));
    tar.truncate(tar.len() - 9000);
    let path = file("truncated.tar", &tar);
    fails_with(&["inspect", &path], "the archive is truncated, or the header lies");
    fails_with(&["verify", &path], "declares 20000 bytes at tar byte 1536, but only 11480 remain");
}

#[test]
fn path_traversal() {
    let mut tar = entry("manifest.json", b"[]");
    tar.extend(entry("../../etc/cron.d/evil", b"* * * * * root sh\n"));
    tar.extend(end());
    let path = file("traversal.tar", &tar);
    fails_with(&["inspect", &path], "entry \"../../etc/cron.d/evil\" at tar byte 1024 contains '..'");
    let mut tar = entry("/etc/passwd", b"x");
    tar.extend(end());
    fails_with(&["inspect", &file("absolute.tar", &tar)], "entry \"/etc/passwd\" at tar byte 0 is absolute");
}

#[test]
fn entry_larger_than_the_file_and_ten_gib_in_one_kib() {
    let mut tar = header("layer.tar", 5000, b'0');
    tar.extend(vec![1u8; 1024]);
    fails_with(
        &["inspect", &file("too-big.tar", &tar)],
        "declares 5000 bytes at tar byte 512, but only 1024 remain",
    );
    let mut tar = header("huge.tar", 10 << 30, b'0');
    tar.extend(vec![0u8; 512]);
    assert_eq!(tar.len(), 1024);
    fails_with(
        &["inspect", &file("ten-gib.tar", &tar)],
        "declares 10737418240 bytes at tar byte 512, but only 512 remain",
    );
}

/// `gzip -9` of `data`, by the system gzip.
fn system_gzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run gzip");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data).expect("feed gzip"));
    let output = child.wait_with_output().expect("gzip output");
    writer.join().expect("writer");
    assert!(output.status.success());
    output.stdout
}

#[test]
fn gzip_bomb_is_bounded() {
    // 2 GiB of zeros in about 2 MiB: four tar entries honestly declaring 512 MiB each,
    // compressed as 1-MiB gzip members (a valid multi-member gzip file).
    let entry_size = 512u64 << 20;
    let member = system_gzip(&vec![0u8; 1 << 20]);
    let mut bomb = Vec::new();
    for i in 0..4 {
        bomb.extend(system_gzip(&header(&format!("zeros-{i}"), entry_size, b'0')));
        for _ in 0..(entry_size >> 20) {
            bomb.extend_from_slice(&member);
        }
    }
    bomb.extend(system_gzip(&end()));
    assert!(bomb.len() < 4 << 20, "the bomb is {} bytes", bomb.len());
    let path = file("bomb.tar.gz", &bomb);
    // The default limit (100 times the file, at least 1 GiB) stops decompression at 1 GiB.
    fails_with(&["inspect", &path], "decompresses to more than 1073741824 bytes");
    fails_with(&["verify", &path], "refusing a likely decompression bomb");
    // A smaller limit refuses the first entry's claim from its header.
    fails_with(
        &["inspect", "--max-uncompressed-size", "64MiB", &path],
        "declares 536870912 bytes, over the 67108864-byte limit on decompressed data",
    );
}

#[test]
fn wrong_digest_in_index_json() {
    let layer_tar = entry("hello.txt", b"hello\n");
    let layer = system_gzip(&layer_tar);
    let diff_id = sha256(&layer_tar);
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}}}}"#
    );
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}}]}}"#,
        sha256(config.as_bytes()),
        config.len(),
        sha256(&layer),
        layer.len()
    );
    // index.json names the manifest by the digest of other bytes; the file under that name
    // holds this manifest.
    let named = sha256(b"not the manifest");
    let blob = |d: &str| format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));
    let mut tar = entry("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    tar.extend(entry(&blob(&sha256(&layer)), &layer));
    tar.extend(entry(&blob(&sha256(config.as_bytes())), config.as_bytes()));
    tar.extend(entry(&blob(&named), manifest.as_bytes()));
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{named}","size":{}}}]}}"#,
        manifest.len()
    );
    tar.extend(entry("index.json", index.as_bytes()));
    tar.extend(end());
    let path = file("wrong-index-digest.tar", &tar);
    let run = waybill(&["inspect", &path], &[]).expect(0);
    assert!(run.stdout.contains("`waybill verify` fails it"), "{}", run.stdout);
    let run = waybill(&["verify", &path], &[]).expect(1);
    let expected = format!(
        "the index names this manifest {named}, but its bytes hash to {}",
        sha256(manifest.as_bytes())
    );
    assert!(run.stdout.contains(&expected) && run.stdout.contains("verification FAILED"), "{}", run.stdout);
    assert!(run.stderr.contains("verification failed (1 problem(s))"), "{}", run.stderr);
    fails_with(
        &["push", &path, "127.0.0.1:9/never/used:1"],
        "the archive failed verification; nothing was uploaded",
    );
}

#[test]
fn manifest_json_pointing_at_a_missing_file() {
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let mut tar = entry("c.json", config);
    tar.extend(entry("manifest.json", br#"[{"Config":"missing.json","RepoTags":["a:b"],"Layers":[]}]"#));
    tar.extend(end());
    fails_with(
        &["inspect", &file("missing-config.tar", &tar)],
        "\"missing.json\" is not in the archive (named by manifest.json entry 1)",
    );
}

#[test]
fn not_an_archive_and_no_such_file() {
    fails_with(&["inspect", &file("noise.tar", &[0x5a; 2048])], "this is not a tar file");
    fails_with(&["inspect", "./definitely-not-here.tar"], "no such file: ./definitely-not-here.tar");
    fails_with(&["push", "definitely-not-here.tar", "127.0.0.1:9/x:1"], "no such file");
}
