//! Property tests for manifest parsing: arbitrary bytes, mutated fixtures and fixtures with
//! random JSON spliced into their fields never panic, and whatever parses has
//! digest == sha256(bytes) and flows through the report, the policy and platform selection.
//! Native only (proptest needs a clock and a file system for its regression files).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;
use sha2::Digest as _;
use support::fuzzing::{apply, json_value, mutation, splice};
use support::manifests::ALL_MANIFESTS;
use waybill_core::manifest::{Manifest, ManifestDocument};
use waybill_core::manifest_report::InspectReport;
use waybill_core::media;
use waybill_core::platform::{PlatformSpec, select as select_platform};
use waybill_core::policy;

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some(media::DOCKER_MANIFEST_V2),
    Some(media::DOCKER_MANIFEST_LIST),
    Some(media::OCI_MANIFEST),
    Some(media::OCI_INDEX),
    Some(media::DOCKER_MANIFEST_V1_SIGNED),
    Some("application/json; charset=utf-8"),
];

/// Parses `bytes`; if that succeeds, checks the digest independently and runs everything that
/// consumes a manifest. Any panic fails the property.
fn check(bytes: Vec<u8>, content_type: Option<&str>) -> Result<(), TestCaseError> {
    let hex: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let expected = format!("sha256:{hex}");
    let Ok(doc) = ManifestDocument::parse(bytes.clone(), content_type) else { return Ok(()) };
    prop_assert_eq!(doc.digest().to_string(), expected);
    prop_assert_eq!(doc.bytes(), &bytes[..]);
    prop_assert_eq!(doc.descriptor().size, bytes.len() as u64);

    let report = InspectReport::from_document(&doc).allowing_foreign_layers(true);
    prop_assert_eq!(report.layer_count, report.layers.len());
    prop_assert!(report.foreign_size <= report.total_size);
    prop_assert!(report.foreign_count <= report.layer_count);
    let json = serde_json::to_string(&report).unwrap();
    prop_assert_eq!(&serde_json::from_str::<InspectReport>(&json).unwrap(), &report);

    match doc.manifest() {
        Manifest::Image(image) => {
            let foreign = image.layers.iter().filter(|l| media::classify(l).non_distributable).count();
            match policy::plan(image, false) {
                Ok(_) => prop_assert_eq!(foreign, 0),
                Err(rejections) => prop_assert_eq!(rejections.len(), foreign),
            }
            let plan = policy::plan(image, true).unwrap();
            prop_assert_eq!(&plan.blobs[0].descriptor, &image.config);
        }
        Manifest::Index(index) => {
            for wanted in ["linux/amd64", "linux/arm64", "windows(10.0.17763)/amd64"] {
                if let Ok(chosen) = select_platform(index, &PlatformSpec::parse(wanted).unwrap()) {
                    prop_assert!(index.manifests.contains(chosen));
                }
            }
        }
        Manifest::Schema1(schema1) => prop_assert_eq!(report.layer_count, schema1.fs_layers.len()),
    }
    Ok(())
}

const FIELDS: &[&str] = &[
    "schemaVersion",
    "mediaType",
    "artifactType",
    "config",
    "layers",
    "manifests",
    "subject",
    "size",
    "digest",
    "urls",
    "annotations",
    "platform",
    "os",
    "architecture",
    "variant",
    "os.version",
    "fsLayers",
    "blobSum",
    "history",
    "signatures",
    "name",
    "tag",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        content_type in select(CONTENT_TYPES),
    ) {
        check(bytes, content_type)?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        fixture in select(ALL_MANIFESTS),
        mutations in prop::collection::vec(mutation(), 1..6),
        content_type in select(CONTENT_TYPES),
    ) {
        let mut bytes = fixture.1.to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(bytes, content_type)?;
    }

    #[test]
    fn fixtures_with_random_json_in_their_fields_never_panic(
        fixture in select(ALL_MANIFESTS),
        steps in prop::collection::vec(any::<Index>(), 0..5),
        key in select(FIELDS),
        value in json_value(&["", "application/json"]),
        pretty in any::<bool>(),
    ) {
        let mut document: Value = serde_json::from_slice(fixture.1).unwrap();
        splice(&mut document, &steps, key, value);
        let bytes = if pretty {
            serde_json::to_vec_pretty(&document).unwrap()
        } else {
            serde_json::to_vec(&document).unwrap()
        };
        check(bytes, None)?;
    }

    #[test]
    fn strict_prefixes_of_a_fixture_never_parse(fixture in select(ALL_MANIFESTS), cut in any::<Index>()) {
        let bytes = fixture.1;
        let prefix = &bytes[..cut.index(bytes.len())];
        prop_assert!(ManifestDocument::parse(prefix.to_vec(), None).is_err());
    }
}

#[test]
fn the_fixtures_pass_the_same_checks() {
    for (name, bytes) in ALL_MANIFESTS {
        check(bytes.to_vec(), None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(ManifestDocument::parse(bytes.to_vec(), None).is_ok(), "{name}");
    }
}
