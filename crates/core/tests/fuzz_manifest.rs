//! Property tests for manifest parsing: arbitrary bytes, mutated fixtures and fixtures with
//! random JSON spliced into their fields never panic, and whatever parses has
//! digest == sha256(bytes) and flows through the report, the policy and platform selection.
//! Native only (proptest needs a clock and a file system for its regression files).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::ALL_MANIFESTS;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value};
use sha2::Digest as _;
use waybill_core::manifest::{Manifest, ManifestDocument};
use waybill_core::media;
use waybill_core::platform::{PlatformSpec, select as select_platform};
use waybill_core::policy;
use waybill_core::report::InspectReport;

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

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    Replace(Index, u8),
    Insert(Index, &'static str),
    Delete(Index, usize),
    Truncate(Index),
}

/// Snippets that tend to reach the interesting error paths.
const SNIPPETS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "-1",
    "1.5",
    "1e400",
    "9223372036854775808",
    "null",
    "true",
    "\"sha256:\"",
    "\\u0000",
    "\"size\":1,",
    "\"mediaType\":\"x\",",
    "\u{ff}",
    "\u{2028}",
    "\"a\":{},\"a\":{},",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::FlipBit(i, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<Index>(), select(SNIPPETS)).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match mutation {
        Mutation::FlipBit(i, bit) => bytes[i.index(len)] ^= 1 << bit,
        Mutation::Replace(i, b) => bytes[i.index(len)] = *b,
        Mutation::Insert(i, s) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, s.bytes());
        }
        Mutation::Delete(i, n) => {
            let at = i.index(bytes.len());
            bytes.drain(at..(at + n).min(bytes.len()));
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
    }
}

/// Arbitrary JSON, biased towards what manifests contain.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
        "[a-z0-9:./+-]{0,80}".prop_map(Value::String),
        select(
            &[
                media::DOCKER_FOREIGN_LAYER,
                media::OCI_NONDIST_ZSTD,
                media::OCI_INDEX,
                media::DOCKER_MANIFEST_V2,
                "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
                "sha512:00",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z.]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Walks `steps` into `document` (through objects and arrays only), then sets `key` there to
/// `value` (or appends `value` to an array).
fn splice(document: &mut Value, steps: &[Index], key: &str, value: Value) {
    if let Some((step, rest)) = steps.split_first() {
        let child = match document {
            Value::Object(map) if !map.is_empty() => {
                let n = step.index(map.len());
                map.values_mut().nth(n)
            }
            Value::Array(items) if !items.is_empty() => {
                let n = step.index(items.len());
                items.get_mut(n)
            }
            _ => None,
        };
        if let Some(child) = child.filter(|c| c.is_object() || c.is_array()) {
            return splice(child, rest, key, value);
        }
    }
    match document {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items.push(value),
        _ => {}
    }
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
        value in json_value(),
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
