//! Image references against a table of inputs whose expected parts follow distribution's
//! `ParseNormalizedNamed` (and its normalize_test.go cases), plus the rest of the API.
//! Runs natively and in headless Chromium (scripts/lib/wasm-tests.sh).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use waybill_core::digest::Digest;
use waybill_core::reference::{Reference, ReferenceErrorKind};

/// sha256("abc") and sha512("abc") (FIPS 180-2): real digests, used here only as syntax.
const H256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const H512: &str = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                    2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

/// What one input should give.
enum Expect {
    /// Parses into these parts, prints as `canonical`, and shortens to `familiar`.
    Parts {
        registry: &'static str,
        repository: String,
        tag: Option<String>,
        digest: Option<String>,
        canonical: String,
        familiar: String,
    },
    /// Fails with a message containing every fragment.
    Error(Vec<String>),
}

struct Case {
    input: String,
    expect: Expect,
}

fn ok(
    input: impl Into<String>,
    registry: &'static str,
    repository: impl Into<String>,
    tag: Option<&str>,
    digest: Option<String>,
    canonical: impl Into<String>,
    familiar: impl Into<String>,
) -> Case {
    Case {
        input: input.into(),
        expect: Expect::Parts {
            registry,
            repository: repository.into(),
            tag: tag.map(str::to_owned),
            digest,
            canonical: canonical.into(),
            familiar: familiar.into(),
        },
    }
}

fn bad(input: impl Into<String>, fragments: &[&str]) -> Case {
    Case { input: input.into(), expect: Expect::Error(fragments.iter().map(|f| f.to_string()).collect()) }
}

fn d256() -> Option<String> {
    Some(format!("sha256:{H256}"))
}

fn cases() -> Vec<Case> {
    let tag128 = format!("v{}", "1".repeat(127));
    let tag129 = format!("v{}", "1".repeat(128));
    // Repository paths of exactly 255 and 256 characters (a 3-character namespace, '/', the rest).
    let path255 = format!("ns/{}", "a".repeat(252));
    let path256 = format!("ns/{}", "a".repeat(253));
    // On docker.io a single component gets "library/" (8 characters) before the length check.
    let hub248 = "b".repeat(248);
    let hub247 = "b".repeat(247);
    vec![
        // Docker Hub normalisation.
        ok("ubuntu", "docker.io", "library/ubuntu", None, None, "docker.io/library/ubuntu", "ubuntu"),
        ok(
            "ubuntu:22.04",
            "docker.io",
            "library/ubuntu",
            Some("22.04"),
            None,
            "docker.io/library/ubuntu:22.04",
            "ubuntu:22.04",
        ),
        ok("library/ubuntu", "docker.io", "library/ubuntu", None, None, "docker.io/library/ubuntu", "ubuntu"),
        ok(
            "docker.io/ubuntu",
            "docker.io",
            "library/ubuntu",
            None,
            None,
            "docker.io/library/ubuntu",
            "ubuntu",
        ),
        ok(
            "index.docker.io/library/ubuntu",
            "docker.io",
            "library/ubuntu",
            None,
            None,
            "docker.io/library/ubuntu",
            "ubuntu",
        ),
        ok(
            "index.docker.io/debian",
            "docker.io",
            "library/debian",
            None,
            None,
            "docker.io/library/debian",
            "debian",
        ),
        ok(
            "portainer/portainer:windows-amd64-1.13.0",
            "docker.io",
            "portainer/portainer",
            Some("windows-amd64-1.13.0"),
            None,
            "docker.io/portainer/portainer:windows-amd64-1.13.0",
            "portainer/portainer:windows-amd64-1.13.0",
        ),
        ok(
            "library/foo/bar",
            "docker.io",
            "library/foo/bar",
            None,
            None,
            "docker.io/library/foo/bar",
            "library/foo/bar",
        ),
        ok(
            format!("busybox:latest@sha256:{H256}"),
            "docker.io",
            "library/busybox",
            Some("latest"),
            d256(),
            format!("docker.io/library/busybox:latest@sha256:{H256}"),
            format!("busybox:latest@sha256:{H256}"),
        ),
        // Registries: localhost, IPv4, IPv6, ports, upper-case host names.
        ok("localhost/foo", "localhost", "foo", None, None, "localhost/foo", "localhost/foo"),
        ok(
            "localhost:5000/foo/bar:tag",
            "localhost:5000",
            "foo/bar",
            Some("tag"),
            None,
            "localhost:5000/foo/bar:tag",
            "localhost:5000/foo/bar:tag",
        ),
        ok(
            format!("127.0.0.1:24817/ns/repo@sha256:{H256}"),
            "127.0.0.1:24817",
            "ns/repo",
            None,
            d256(),
            format!("127.0.0.1:24817/ns/repo@sha256:{H256}"),
            format!("127.0.0.1:24817/ns/repo@sha256:{H256}"),
        ),
        ok("[::1]:5000/x", "[::1]:5000", "x", None, None, "[::1]:5000/x", "[::1]:5000/x"),
        ok("[::1]/x", "[::1]", "x", None, None, "[::1]/x", "[::1]/x"),
        ok(
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "[fc00:1:2:3:4:5:6:7]:5000",
            "library/debian",
            None,
            None,
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
        ),
        ok(
            "192.168.0.1:8/debian",
            "192.168.0.1:8",
            "debian",
            None,
            None,
            "192.168.0.1:8/debian",
            "192.168.0.1:8/debian",
        ),
        ok(
            "xn--n3h.com:18080/foo",
            "xn--n3h.com:18080",
            "foo",
            None,
            None,
            "xn--n3h.com:18080/foo",
            "xn--n3h.com:18080/foo",
        ),
        ok("Example.COM/foo", "Example.COM", "foo", None, None, "Example.COM/foo", "Example.COM/foo"),
        ok("test-com:8080/foo", "test-com:8080", "foo", None, None, "test-com:8080/foo", "test-com:8080/foo"),
        ok(
            format!("ghcr.io/o/r:t@sha256:{H256}"),
            "ghcr.io",
            "o/r",
            Some("t"),
            d256(),
            format!("ghcr.io/o/r:t@sha256:{H256}"),
            format!("ghcr.io/o/r:t@sha256:{H256}"),
        ),
        ok(
            "mcr.microsoft.com/windows/servercore:ltsc2019",
            "mcr.microsoft.com",
            "windows/servercore",
            Some("ltsc2019"),
            None,
            "mcr.microsoft.com/windows/servercore:ltsc2019",
            "mcr.microsoft.com/windows/servercore:ltsc2019",
        ),
        ok(
            format!("quay.io/a/b@sha512:{H512}"),
            "quay.io",
            "a/b",
            None,
            Some(format!("sha512:{H512}")),
            format!("quay.io/a/b@sha512:{H512}"),
            format!("quay.io/a/b@sha512:{H512}"),
        ),
        ok(
            format!("registry.example.com:443/a/b/c/d:v1.2.3-rc_1@sha512:{H512}"),
            "registry.example.com:443",
            "a/b/c/d",
            Some("v1.2.3-rc_1"),
            Some(format!("sha512:{H512}")),
            format!("registry.example.com:443/a/b/c/d:v1.2.3-rc_1@sha512:{H512}"),
            format!("registry.example.com:443/a/b/c/d:v1.2.3-rc_1@sha512:{H512}"),
        ),
        // No '/' means no registry, whatever the first component looks like (distribution's rule).
        ok(
            "localhost",
            "docker.io",
            "library/localhost",
            None,
            None,
            "docker.io/library/localhost",
            "localhost",
        ),
        ok(
            "localhost:5000",
            "docker.io",
            "library/localhost",
            Some("5000"),
            None,
            "docker.io/library/localhost:5000",
            "localhost:5000",
        ),
        // A Docker Hub namespace that looks like a registry keeps "docker.io/" in the familiar form.
        ok(
            "docker.io/foo.com/bar",
            "docker.io",
            "foo.com/bar",
            None,
            None,
            "docker.io/foo.com/bar",
            "docker.io/foo.com/bar",
        ),
        // Separators.
        ok("foo__bar", "docker.io", "library/foo__bar", None, None, "docker.io/library/foo__bar", "foo__bar"),
        ok("a---b", "docker.io", "library/a---b", None, None, "docker.io/library/a---b", "a---b"),
        ok(
            "team/app.v2_x-y",
            "docker.io",
            "team/app.v2_x-y",
            None,
            None,
            "docker.io/team/app.v2_x-y",
            "team/app.v2_x-y",
        ),
        ok(
            "ubuntu-12.04-base",
            "docker.io",
            "library/ubuntu-12.04-base",
            None,
            None,
            "docker.io/library/ubuntu-12.04-base",
            "ubuntu-12.04-base",
        ),
        ok("d/t", "docker.io", "d/t", None, None, "docker.io/d/t", "d/t"),
        // Tags: upper case and a leading '_' are allowed; 128 characters is the limit.
        ok(
            "foo:_Tag.1-X",
            "docker.io",
            "library/foo",
            Some("_Tag.1-X"),
            None,
            "docker.io/library/foo:_Tag.1-X",
            "foo:_Tag.1-X",
        ),
        ok(
            format!("foo:{tag128}"),
            "docker.io",
            "library/foo",
            Some(&tag128),
            None,
            format!("docker.io/library/foo:{tag128}"),
            format!("foo:{tag128}"),
        ),
        // Lengths: the limit applies to the repository path, after "library/" is added.
        ok(
            format!("example.com/{path255}"),
            "example.com",
            path255.clone(),
            None,
            None,
            format!("example.com/{path255}"),
            format!("example.com/{path255}"),
        ),
        ok(
            hub247.clone(),
            "docker.io",
            format!("library/{hub247}"),
            None,
            None,
            format!("docker.io/library/{hub247}"),
            hub247.clone(),
        ),
        // 64 hex characters are only an image ID on their own.
        ok(
            format!("docker.io/{H256}"),
            "docker.io",
            format!("library/{H256}"),
            None,
            None,
            format!("docker.io/library/{H256}"),
            format!("docker.io/library/{H256}"),
        ),
        // Invalid: upper case in the repository.
        bad("Ubuntu", &["repository name must be lowercase", "'U' at column 1"]),
        bad("UPPER/case", &["repository name must be lowercase", "\"UPPER/case\"", "column 1"]),
        bad("docker/Docker", &["repository name must be lowercase", "'D' at column 8"]),
        bad("ghcr.io/Owner/app", &["repository name must be lowercase", "\"Owner/app\"", "column 9"]),
        // Invalid: tag and name separators.
        bad("foo:", &["tag after the ':' at column 4 is empty"]),
        bad(":tag", &["no repository name before the ':' at column 1"]),
        bad(format!("@sha256:{H256}"), &["no repository name before the '@' at column 1"]),
        bad("foo:tag:tag", &["second ':' at column 8", "at most one tag"]),
        bad("foo:-tag", &["'-' at column 5", "tag \"-tag\""]),
        bad("foo:.tag", &["'.' at column 5"]),
        bad("foo:ta g", &["' ' at column 7"]),
        bad(format!("foo:{tag129}"), &["tag is 129 characters long; at most 128"]),
        // Invalid: digests.
        bad("foo@sha256:short", &["digest at column 5", "must have 64 hex characters, found 5"]),
        bad("foo@md5:d41d8cd98f00b204e9800998ecf8427e", &["digest at column 5", "\"md5\" is not supported"]),
        bad(format!("foo@sha256:{}", H256.to_uppercase()), &["'B' at hex position 0"]),
        bad("foo@", &["digest at column 5", "no ':' between algorithm and hex"]),
        bad(format!("foo@sha512:{H256}"), &["must have 128 hex characters, found 64"]),
        bad(format!("foo@sha256:{H256}@x"), &["found 66"]),
        // Invalid: path components.
        bad("foo/../bar", &["\"..\" must start and end with a lowercase letter or digit", "column 5"]),
        bad("foo//bar", &["empty path component at column 5"]),
        bad("foo/", &["empty path component at column 5"]),
        bad("docker.io/", &["empty path component at column 11"]),
        bad("-foo", &["\"-foo\" must start and end", "'-' at column 1"]),
        bad("foo-", &["\"foo-\" must start and end", "'-' at column 4"]),
        bad("foo..bar", &["\"..\" at column 4", "not a valid separator"]),
        bad("foo___bar", &["\"___\" at column 4"]),
        bad("foo_.bar", &["\"_.\" at column 4"]),
        bad("foo bar", &["' ' at column 4", "not allowed in a repository name"]),
        bad("ubuntu ", &["' ' at column 7"]),
        bad("a/b:tag/c", &["':' at column 4"]),
        // Columns count characters, not bytes.
        bad("üx/Foo", &["repository name must be lowercase", "'F' at column 4"]),
        bad("üx/foo", &["'ü' at column 1"]),
        bad(format!("example.com/{path256}"), &["is 256 characters long; at most 255"]),
        bad(hub248.clone(), &["is 256 characters long; at most 255"]),
        // Invalid: registries.
        bad("http://foo/bar", &["remove \"http://\""]),
        bad("https://ghcr.io/o/r", &["remove \"https://\""]),
        bad("-docker.io/docker", &["invalid label \"-docker\" at column 1"]),
        bad("foo..com/bar", &["invalid label \"\" at column 5"]),
        bad("localhost:/foo", &["invalid port \"\" at column 11"]),
        bad("localhost:abc/foo", &["invalid port \"abc\" at column 11"]),
        bad("fc00::1:5000/debian", &["invalid port \":1:5000\" at column 6"]),
        bad("[fe80::1%eth0]:5000/debian", &["IPv6", "column 9"]),
        bad("[::1/x", &["IPv6", "column 1"]),
        bad("[]:5000/x", &["IPv6", "column 2"]),
        bad("[::1]x:5000/y", &["IPv6", "column 6"]),
        bad("my_registry.com/x", &["'_' at column 3", "registry \"my_registry.com\""]),
        bad("[fc00::1]:5000", &["'[' at column 1"]),
        // Invalid: whole input.
        bad("", &["it is empty"]),
        bad(H256, &["image ID, not a repository name"]),
    ]
}

#[test]
fn table_has_enough_cases() {
    assert!(cases().len() >= 45, "{} cases", cases().len());
}

#[test]
fn reference_table() {
    let mut failures = Vec::new();
    for case in cases() {
        let parsed = Reference::parse(&case.input);
        match (&case.expect, parsed) {
            (Expect::Parts { registry, repository, tag, digest, canonical, familiar }, Ok(r)) => {
                let got = (
                    r.registry(),
                    r.repository(),
                    r.tag(),
                    r.digest().map(ToString::to_string),
                    r.to_string(),
                    r.familiar(),
                );
                let want = (
                    *registry,
                    repository.as_str(),
                    tag.as_deref(),
                    digest.clone(),
                    canonical.clone(),
                    familiar.clone(),
                );
                if got != want {
                    failures.push(format!("{:?}: got {got:?}, want {want:?}", case.input));
                }
            }
            (Expect::Parts { .. }, Err(e)) => {
                failures.push(format!("{:?}: unexpected error: {e}", case.input))
            }
            (Expect::Error(fragments), Err(e)) => {
                let message = e.to_string();
                if e.input() != case.input || !message.starts_with("invalid image reference") {
                    failures.push(format!("{:?}: error does not name the input: {message}", case.input));
                }
                for fragment in fragments {
                    if !message.contains(fragment.as_str()) {
                        failures.push(format!("{:?}: {message:?} lacks {fragment:?}", case.input));
                    }
                }
            }
            (Expect::Error(_), Ok(r)) => {
                failures.push(format!("{:?}: parsed as {r}, expected an error", case.input))
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn error_kinds_are_typed() {
    let err = Reference::parse("UPPER/case").unwrap_err();
    assert_eq!(
        err.kind(),
        &ReferenceErrorKind::Uppercase { repository: "UPPER/case".into(), ch: 'U', column: 1 }
    );
    let err = Reference::parse("foo//bar").unwrap_err();
    assert_eq!(err.kind(), &ReferenceErrorKind::EmptyComponent { column: 5 });
    let err = Reference::parse("foo@sha256:abc").unwrap_err();
    assert!(matches!(err.kind(), ReferenceErrorKind::Digest { column: 5, .. }), "{err:?}");
}

#[test]
fn manifest_reference_prefers_digest_then_tag_then_latest() {
    assert_eq!(Reference::parse("ubuntu").unwrap().reference(), "latest");
    assert_eq!(Reference::parse("ubuntu:22.04").unwrap().reference(), "22.04");
    let both = Reference::parse(&format!("ubuntu:22.04@sha256:{H256}")).unwrap();
    assert_eq!(both.reference(), format!("sha256:{H256}"));
    assert_eq!(both.tag(), Some("22.04"));
}

#[test]
fn api_host_maps_only_docker_hub() {
    assert_eq!(Reference::parse("ubuntu").unwrap().api_host(), "registry-1.docker.io");
    assert_eq!(Reference::parse("index.docker.io/a/b").unwrap().api_host(), "registry-1.docker.io");
    assert_eq!(Reference::parse("localhost:5000/a").unwrap().api_host(), "localhost:5000");
    assert_eq!(Reference::parse("[::1]:5000/a").unwrap().api_host(), "[::1]:5000");
    assert_eq!(Reference::parse("ghcr.io/o/r").unwrap().api_host(), "ghcr.io");
}

#[test]
fn with_tag_and_with_digest_keep_the_other_part() {
    let digest: Digest = format!("sha256:{H256}").parse().unwrap();
    let base = Reference::parse("localhost:5000/a/b:old").unwrap();

    let pinned = base.with_digest(digest.clone());
    assert_eq!(pinned.to_string(), format!("localhost:5000/a/b:old@sha256:{H256}"));
    assert_eq!(pinned.digest(), Some(&digest));

    let retagged = pinned.with_tag("new").unwrap();
    assert_eq!(retagged.to_string(), format!("localhost:5000/a/b:new@sha256:{H256}"));
    assert_eq!(base.to_string(), "localhost:5000/a/b:old", "the original is unchanged");
}

#[test]
fn with_tag_rejects_a_bad_tag_and_says_where() {
    let base = Reference::parse("ubuntu").unwrap();
    let err = base.with_tag("bad tag").unwrap_err();
    assert_eq!(err.input(), "docker.io/library/ubuntu:bad tag");
    assert!(err.to_string().contains("' ' at column 29"), "{err}");
    assert!(base.with_tag("").unwrap_err().to_string().contains("tag after the ':' at column 25 is empty"));
    assert!(base.with_tag(&"x".repeat(129)).is_err());
    assert_eq!(base.with_tag(&"x".repeat(128)).unwrap().tag().map(str::len), Some(128));
}

#[test]
fn equality_is_after_normalisation() {
    let short = Reference::parse("ubuntu").unwrap();
    let long = Reference::parse("docker.io/library/ubuntu").unwrap();
    let legacy = Reference::parse("index.docker.io/library/ubuntu").unwrap();
    assert_eq!(short, long);
    assert_eq!(short, legacy);
    assert_ne!(short, Reference::parse("ubuntu:latest").unwrap(), "an explicit tag is kept");
}

#[test]
fn from_str_and_debug() {
    let r: Reference = "ghcr.io/o/r:t".parse().unwrap();
    assert_eq!(format!("{r:?}"), "Reference(ghcr.io/o/r:t)");
    assert!("Bad".parse::<Reference>().is_err());
}

#[test]
fn serde_uses_the_canonical_string() {
    let r = Reference::parse("ubuntu:22.04").unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(json, "\"docker.io/library/ubuntu:22.04\"");
    assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), r);
    assert_eq!(serde_json::from_str::<Reference>("\"ubuntu:22.04\"").unwrap(), r);
    let err = serde_json::from_str::<Reference>("\"Ubuntu\"").unwrap_err();
    assert!(err.to_string().contains("repository name must be lowercase"), "{err}");
}
