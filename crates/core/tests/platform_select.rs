//! Platform specifiers and selection from an index. Runs natively and in Chromium (wasm32).

mod support;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use support::manifests::{DOCKER_LIST, OCI_INDEX, index};
use waybill_core::manifest::{Descriptor, ImageIndex, Platform};
use waybill_core::platform::{PlatformError, PlatformSpec, available, select};

/// The entries' digests in the fixtures: `sha256("waybill fixture: multi <platform>")`.
const LINUX_AMD64: &str = "sha256:81d2ba4863aa48e32506510919ce08e89a83297fe4b60278bb4bb0bebe7f2528";
const EMPTY_GZ: &str = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

fn spec(s: &str) -> PlatformSpec {
    PlatformSpec::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn platform(os: &str, architecture: &str, variant: Option<&str>, os_version: Option<&str>) -> Platform {
    Platform {
        architecture: architecture.into(),
        os: os.into(),
        variant: variant.map(Into::into),
        os_version: os_version.map(Into::into),
        ..Platform::default()
    }
}

fn entry(platform: Platform, size: u64) -> Descriptor {
    let mut d =
        Descriptor::new("application/vnd.oci.image.manifest.v1+json", EMPTY_GZ.parse().unwrap(), size);
    d.platform = Some(platform);
    d
}

fn index_of(entries: Vec<Descriptor>) -> ImageIndex {
    ImageIndex {
        schema_version: 2,
        media_type: None,
        artifact_type: None,
        manifests: entries,
        subject: None,
        annotations: Default::default(),
    }
}

#[test]
fn specifiers_are_parsed_and_normalised() {
    let cases = [
        ("linux/amd64", "linux", "amd64", None, None, "linux/amd64"),
        ("linux/amd64/v1", "linux", "amd64", None, None, "linux/amd64"),
        ("linux/amd64/v3", "linux", "amd64", Some("v3"), None, "linux/amd64/v3"),
        ("linux/arm64", "linux", "arm64", Some("v8"), None, "linux/arm64/v8"),
        ("linux/arm64/v8", "linux", "arm64", Some("v8"), None, "linux/arm64/v8"),
        ("linux/aarch64/8", "linux", "arm64", Some("v8"), None, "linux/arm64/v8"),
        ("Linux/X86_64", "linux", "amd64", None, None, "linux/amd64"),
        ("linux/x86-64", "linux", "amd64", None, None, "linux/amd64"),
        ("linux/i386", "linux", "386", None, None, "linux/386"),
        ("linux/arm", "linux", "arm", Some("v7"), None, "linux/arm/v7"),
        ("linux/armhf", "linux", "arm", Some("v7"), None, "linux/arm/v7"),
        ("linux/armel", "linux", "arm", Some("v6"), None, "linux/arm/v6"),
        ("linux/arm/6", "linux", "arm", Some("v6"), None, "linux/arm/v6"),
        ("macos/arm64", "darwin", "arm64", Some("v8"), None, "darwin/arm64/v8"),
        (
            "windows(10.0.17763)/amd64",
            "windows",
            "amd64",
            None,
            Some("10.0.17763"),
            "windows(10.0.17763)/amd64",
        ),
        ("windows()/amd64", "windows", "amd64", None, None, "windows/amd64"),
        (" linux/s390x ", "linux", "s390x", None, None, "linux/s390x"),
    ];
    for (input, os, arch, variant, os_version, shown) in cases {
        let parsed = spec(input);
        assert_eq!(parsed.os, os, "{input}");
        assert_eq!(parsed.architecture, arch, "{input}");
        assert_eq!(parsed.variant.as_deref(), variant, "{input}");
        assert_eq!(parsed.os_version.as_deref(), os_version, "{input}");
        assert_eq!(parsed.to_string(), shown, "{input}");
        assert_eq!(spec(shown), parsed, "{input} does not round-trip");
    }
}

#[test]
fn bad_specifiers_say_what_is_wrong() {
    let cases = [
        ("linux", "both an os and an architecture are needed"),
        ("", "both an os and an architecture are needed"),
        ("linux/arm64/v8/extra", "too many '/'-separated parts"),
        ("linux/", "the architecture is empty"),
        ("/amd64", "the os is empty"),
        ("linux/arm64/", "the variant is empty"),
        ("windows(10.0/amd64", "'(' without a closing ')'"),
        ("windows(10 0)/amd64", "the os.version may contain only"),
        ("linux/am d64", "the architecture \"am d64\" may contain only"),
        ("linux*/amd64", "the os \"linux*\" may contain only"),
    ];
    for (input, fragment) in cases {
        let message = PlatformSpec::parse(input).unwrap_err().to_string();
        assert!(message.contains(fragment), "{input}: {message}");
        assert!(message.contains("e.g. linux/amd64"), "{input}: {message}");
    }
}

#[test]
fn selection_from_the_oci_index() {
    let index = index(OCI_INDEX);
    let cases = [
        ("linux/amd64", 0),
        ("linux/x86_64", 0),
        ("linux/arm64", 1),
        ("linux/arm64/v8", 1),
        ("linux/aarch64", 1),
        ("windows/amd64", 2),
        ("windows(10.0.17763)/amd64", 2),
        ("windows(10.0.17763.5458)/amd64", 2),
    ];
    for (wanted, position) in cases {
        let chosen = select(&index, &spec(wanted)).unwrap_or_else(|e| panic!("{wanted}: {e}"));
        assert_eq!(chosen, &index.manifests[position], "{wanted}");
    }
    assert_eq!(select(&index, &spec("linux/amd64")).unwrap().digest.to_string(), LINUX_AMD64);
}

#[test]
fn selection_from_the_docker_manifest_list_matches_the_oci_index() {
    let (list, oci) = (index(DOCKER_LIST), index(OCI_INDEX));
    for wanted in ["linux/amd64", "linux/arm64", "windows(10.0.17763)/amd64"] {
        let from_list = select(&list, &spec(wanted)).unwrap();
        let from_oci = select(&oci, &spec(wanted)).unwrap();
        assert_eq!(from_list.digest, from_oci.digest, "{wanted}");
        assert_eq!(from_list.media_type, "application/vnd.docker.distribution.manifest.v2+json");
    }
}

#[test]
fn no_match_lists_what_is_available() {
    let index = index(OCI_INDEX);
    let available_here = "linux/amd64, linux/arm64/v8, windows(10.0.17763.5458)/amd64";
    for wanted in [
        "linux/s390x",
        "linux/arm64/v9",
        "linux/arm",
        "windows(10.0.20348)/amd64",
        "windows(10.0.1776)/amd64",
    ] {
        let error = select(&index, &spec(wanted)).unwrap_err();
        let PlatformError::NoMatch { available, .. } = &error else { panic!("{wanted}: {error:?}") };
        assert_eq!(available.join(", "), available_here);
        let shown = spec(wanted).to_string();
        assert_eq!(
            error.to_string(),
            format!("no manifest for {shown} in this index; available: {available_here}")
        );
    }
    assert_eq!(available(&index), ["linux/amd64", "linux/arm64/v8", "windows(10.0.17763.5458)/amd64"]);
}

#[test]
fn os_version_matches_whole_parts_only() {
    let index = index_of(vec![entry(platform("windows", "amd64", None, Some("10.0.17763.5458")), 1)]);
    assert!(select(&index, &spec("windows(10.0.17763.5458)/amd64")).is_ok());
    assert!(select(&index, &spec("windows(10.0)/amd64")).is_ok());
    assert!(select(&index, &spec("windows(10.0.1776)/amd64")).is_err());
    assert!(select(&index, &spec("windows(10.0.17763.54)/amd64")).is_err());
    assert!(select(&index, &spec("windows(10.0.17763.5458.1)/amd64")).is_err());
}

#[test]
fn two_windows_builds_need_an_os_version() {
    let index = index_of(vec![
        entry(platform("windows", "amd64", None, Some("10.0.17763.5458")), 1),
        entry(platform("windows", "amd64", None, Some("10.0.20348.2322")), 2),
        entry(platform("linux", "amd64", None, None), 3),
    ]);
    let error = select(&index, &spec("windows/amd64")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "windows/amd64 matches 2 manifests with different os.version: windows(10.0.17763.5458)/amd64, \
         windows(10.0.20348.2322)/amd64; add the os.version, e.g. windows(10.0.17763.5458)/amd64"
    );
    assert_eq!(select(&index, &spec("windows(10.0.20348)/amd64")).unwrap().size, 2);
    assert_eq!(select(&index, &spec("windows(10.0.17763)/amd64")).unwrap().size, 1);
}

#[test]
fn identical_platforms_resolve_to_the_first_entry() {
    let index = index_of(vec![
        entry(platform("linux", "arm64", None, None), 1),
        entry(platform("linux", "arm64", Some("v8"), None), 2),
    ]);
    assert_eq!(select(&index, &spec("linux/arm64/v8")).unwrap().size, 1);
}

#[test]
fn entries_without_a_platform_are_never_selected() {
    let mut attestation = entry(platform("linux", "amd64", None, None), 9);
    attestation.platform = None;
    let index = index_of(vec![attestation]);
    let error = select(&index, &spec("linux/amd64")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no manifest for linux/amd64 in this index; available: none (the index declares no platforms)"
    );
}

#[test]
fn entry_platforms_are_normalised_too() {
    let index = index_of(vec![
        entry(platform("Linux", "x86_64", None, None), 1),
        entry(platform("linux", "aarch64", Some("8"), None), 2),
        entry(platform("linux", "arm", None, None), 3),
    ]);
    assert_eq!(select(&index, &spec("linux/amd64")).unwrap().size, 1);
    assert_eq!(select(&index, &spec("linux/arm64")).unwrap().size, 2);
    assert_eq!(select(&index, &spec("linux/arm/v7")).unwrap().size, 3);
}

#[test]
fn platforms_print_in_specifier_syntax() {
    assert_eq!(platform("linux", "arm64", Some("v8"), None).to_string(), "linux/arm64/v8");
    assert_eq!(
        platform("windows", "amd64", None, Some("10.0.17763.5458")).to_string(),
        "windows(10.0.17763.5458)/amd64"
    );
    assert_eq!(platform("linux", "amd64", Some(""), Some("")).to_string(), "linux/amd64");
}
