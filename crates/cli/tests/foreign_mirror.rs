//! Foreign blobs only at their urls (issue 13, test 5): a Windows-like image whose two foreign
//! layers the source registry lacks, their urls under a `.invalid` host (which never resolves,
//! like the public internet from an air-gapped site), served instead by a site mirror — an HTTPS
//! server with a CA made by the test (tests/support/https_blob_server.py, openssl) — through
//! `--foreign-mirror` and `--ca-file`. Into the real Pulp: fetched, verified and pushed by `copy`
//! and `sync`; wrong bytes on the mirror refused before any manifest PUT (a counting relay in
//! front of Pulp sees every request); and no registry credential ever in the mirror's log.

mod support;
#[allow(dead_code)] // push_blob and put_manifest only
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use support::mirror::{push_blob, put_manifest};
use support::relay::{Fault, Relay};
use support::{Pulp, Registries, head_status, sha256, skopeo_raw, unique, waybill};

const FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
const LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const SCHEMA2: &str = "application/vnd.docker.distribution.manifest.v2+json";

fn run(program: &str, args: &[&str], dir: &Path) {
    let output = Command::new(program).args(args).current_dir(dir).output().expect(program);
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A CA of the test's own, and a certificate for 127.0.0.1 signed by it: `(ca.pem, cert, key)`.
fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509", "-days", "1", "-subj", "/CN=Waybill test CA", "-keyout", "ca.key"];
    ca.extend(ec);
    ca.extend(["-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE"]);
    ca.extend(["-addext", "keyUsage=critical,keyCertSign"]);
    run("openssl", &ca, dir);
    let mut request = vec!["req", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"];
    request.extend(ec);
    run("openssl", &request, dir);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        "openssl",
        &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"]
            .into_iter()
            .chain(["-days", "1", "-extfile", "server.ext", "-out", "server.pem"])
            .collect::<Vec<_>>(),
        dir,
    );
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

/// The site mirror: serves `root` over HTTPS on 127.0.0.1, logging every request to `log`.
struct MirrorServer {
    child: Child,
    port: u16,
    root: PathBuf,
    log: PathBuf,
}

impl MirrorServer {
    fn start(dir: &Path, cert: &Path, key: &Path) -> MirrorServer {
        let (root, log) = (dir.join("root"), dir.join("requests.jsonl"));
        std::fs::create_dir_all(root.join("layers")).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/https_blob_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args([cert, key, &root, &log])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        // It prints its port once it accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the mirror did not start: {line:?}"));
        MirrorServer { child, port, root, log }
    }

    /// Serves `bytes` at `/layers/<digest>`.
    fn serve(&self, digest: &str, bytes: &[u8]) {
        std::fs::write(self.root.join("layers").join(digest), bytes).unwrap();
    }

    /// Every request it received.
    fn requests(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// The paths it was asked for with GET.
    fn gets(&self) -> Vec<String> {
        let gets = self.requests().into_iter().filter(|r| r["method"] == "GET");
        gets.map(|r| r["path"].as_str().unwrap().to_owned()).collect()
    }

    /// No request carried credentials of any kind.
    fn assert_no_credentials(&self) {
        for request in self.requests() {
            let headers = request["headers"].as_object().unwrap();
            for name in headers.keys().map(|k| k.to_ascii_lowercase()) {
                assert!(
                    !["authorization", "proxy-authorization", "cookie"].contains(&name.as_str()),
                    "the mirror received {name}: {request}"
                );
            }
        }
    }
}

impl Drop for MirrorServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `len` bytes that no other run produces (the noise of a seed mixed with the clock).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    support::noise(len, (nanos as u64) ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut child =
        Command::new("gzip").args(["-n", "-c"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    output.stdout
}

/// A Windows-like image in a fresh repository of the urls-allowing registry: two foreign layers
/// whose blobs only the mirror has (their urls under a host of the `.invalid` TLD), and one
/// ordinary layer. Returns the repository, the url prefix, and the foreign blobs.
fn image_without_its_foreign_blobs(registries: &Registries) -> (String, String, Vec<(String, Vec<u8>)>) {
    let path = unique("foreign-mirror-src");
    let base = &registries.foreign_url;
    let prefix = format!("https://{}.layers.invalid/", path.rsplit('/').next().unwrap());
    let tars: Vec<Vec<u8>> = (0..3).map(|i| noise(i, 20_000 + 7_000 * i as usize)).collect();
    let blobs: Vec<Vec<u8>> = tars.iter().map(|t| gzip(t)).collect();
    let mut layers = Vec::new();
    for (i, blob) in blobs.iter().enumerate() {
        let digest = sha256(blob);
        layers.push(if i < 2 {
            json!({ "mediaType": FOREIGN, "digest": digest, "size": blob.len(), "urls": [format!("{prefix}layers/{digest}")] })
        } else {
            let pushed = push_blob(base, &path, blob);
            json!({ "mediaType": LAYER, "digest": pushed["digest"], "size": pushed["size"] })
        });
    }
    let diff_ids: Vec<String> = tars.iter().map(|t| sha256(t)).collect();
    let config = serde_json::to_vec(
        &json!({ "architecture": "amd64", "os": "windows", "os.version": "10.0.17763.5122",
        "rootfs": { "type": "layers", "diff_ids": diff_ids }, "config": {} }),
    )
    .unwrap();
    let config = push_blob(base, &path, &config);
    let manifest = json!({ "schemaVersion": 2, "mediaType": SCHEMA2,
        "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "digest": config["digest"], "size": config["size"] },
        "layers": layers });
    put_manifest(base, &path, "win", SCHEMA2, &manifest);
    let foreign: Vec<(String, Vec<u8>)> = blobs.into_iter().take(2).map(|b| (sha256(&b), b)).collect();
    for (digest, _) in &foreign {
        assert_eq!(
            head_status(&format!("{base}/v2/{path}/blobs/{digest}"), None),
            "404",
            "the source lacks it"
        );
    }
    (format!("{}/{path}", registries.foreign()), prefix, foreign)
}

struct Setup {
    pulp: Pulp,
    src: String,
    foreign: Vec<(String, Vec<u8>)>,
    server: MirrorServer,
    mirror_flags: Vec<String>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_ca(dir.path());
    let server = MirrorServer::start(dir.path(), &cert, &key);
    let (src, prefix, foreign) = image_without_its_foreign_blobs(&registries);
    let mirror_flags = vec![
        "--foreign-mirror".to_owned(),
        format!("{prefix}=https://127.0.0.1:{}/", server.port),
        "--ca-file".to_owned(),
        ca.display().to_string(),
    ];
    Setup { pulp, src, foreign, server, mirror_flags, _dir: dir }
}

fn flags(setup: &Setup) -> Vec<&str> {
    setup.mirror_flags.iter().map(String::as_str).collect()
}

#[test]
fn foreign_blobs_only_at_their_urls_come_from_the_mirror_into_pulp() {
    let setup = setup();
    let (pulp, src) = (&setup.pulp, &setup.src);
    for (digest, bytes) in &setup.foreign {
        setup.server.serve(digest, bytes);
    }
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let creds = pulp.creds();

    // Without the test CA the mirror's certificate is refused: --ca-file is what trusts it.
    let path = unique("foreign-mirror-dst");
    let untrusted: Vec<&str> = flags(&setup).into_iter().take(2).collect();
    let (source, dst) = (format!("{src}:win"), format!("{}/{path}:win", pulp.host()));
    let mut args = vec!["copy", "--allow-foreign-layers", &source, &dst];
    args.extend(&untrusted);
    let refused = waybill(&args, &login).expect(1);
    assert!(
        refused.stderr.contains("certificate") && refused.stderr.contains("mirror"),
        "{}",
        refused.stderr
    );

    // copy: both foreign blobs fetched from the mirror, verified, pushed; the manifest unchanged.
    args.truncate(4);
    args.extend(flags(&setup));
    let copied = waybill(&args, &login).expect(0);
    assert!(copied.stdout.contains("2 from urls"), "{}", copied.stdout);
    assert_eq!(skopeo_raw(&dst, Some(&creds)), skopeo_raw(&source, None));
    for (digest, _) in &setup.foreign {
        let status = head_status(&format!("{}/v2/{path}/blobs/{digest}", pulp.url), Some(&creds));
        assert_eq!(status, "302", "{digest} in Pulp");
    }
    let mut wanted: Vec<String> = setup.foreign.iter().map(|(d, _)| format!("/layers/{d}")).collect();
    let mut gets = setup.server.gets();
    wanted.sort();
    gets.sort();
    assert_eq!(gets, wanted, "each foreign blob fetched once from the mirror");

    // sync, into the Pulp that hands out Bearer tokens: the same, tag by tag.
    let path = unique("foreign-mirror-sync");
    let dst_repo = format!("{}/{path}", pulp.token_host());
    let mut args = vec!["sync", src.as_str(), &dst_repo, "--allow-foreign-layers", "--json"];
    args.extend(flags(&setup));
    let report: Value = serde_json::from_str(&waybill(&args, &login).expect(0).stdout).unwrap();
    assert_eq!(report["tags"][0]["outcome"], "copied", "{report}");
    assert_eq!(skopeo_raw(&format!("{dst_repo}:win"), Some(&creds)), skopeo_raw(&source, None));
    for (digest, _) in &setup.foreign {
        let status = head_status(&format!("{}/v2/{path}/blobs/{digest}", pulp.url), Some(&creds));
        assert_eq!(status, "302", "{digest} in Pulp");
    }
    assert_eq!(setup.server.gets().len(), 4, "{:?}", setup.server.gets());
    setup.server.assert_no_credentials();
}

#[test]
fn a_mirror_serving_wrong_bytes_is_refused_before_any_manifest_put() {
    let setup = setup();
    let pulp = &setup.pulp;
    // The right sizes, the wrong bytes.
    for (i, (digest, bytes)) in setup.foreign.iter().enumerate() {
        setup.server.serve(digest, &noise(100 + i as u64, bytes.len()));
    }
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let relay = Relay::start(&pulp.host(), Fault::None);
    let path = unique("foreign-mirror-wrong");
    let (source, dst) = (format!("{}:win", setup.src), format!("{}/{path}:win", relay.host()));
    let mut args = vec!["copy", "--allow-foreign-layers", &source, &dst];
    args.extend(flags(&setup));
    let failed = waybill(&args, &login).expect(1);
    let said = &failed.stderr;
    assert!(
        said.contains("does not match its digest") && said.contains("from the mirror https://127.0.0.1:"),
        "{said}"
    );
    assert!(setup.foreign.iter().any(|(digest, _)| said.contains(digest.as_str())), "{said}");

    let requests = relay.requests();
    assert!(!requests.iter().any(|r| r.starts_with("PUT") && r.contains("/manifests/")), "{requests:#?}");
    // Blobs that fit a chunk are verified before their one PUT: not a byte of the wrong ones
    // reached Pulp (HEADs name them too, so only uploads count).
    let uploads = requests.iter().filter(|r| r.starts_with("PUT") || r.starts_with("PATCH"));
    let foreign_uploads = uploads.filter(|r| setup.foreign.iter().any(|(d, _)| r.contains(&d[7..])));
    assert_eq!(foreign_uploads.count(), 0, "{requests:#?}");
    assert!(!requests.iter().any(|r| r.starts_with("PATCH")), "{requests:#?}");
    let creds = pulp.creds();
    assert_eq!(head_status(&format!("{}/v2/{path}/manifests/win", pulp.url), Some(&creds)), "404");
    assert!(!setup.server.gets().is_empty(), "the mirror was asked");
    setup.server.assert_no_credentials();
}
