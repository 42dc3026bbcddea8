//! Manifest parsing: the fixtures, the effective media type, and malformed input.
//! Runs natively and in Chromium (wasm32).

mod support;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use support::manifests::{ALL_MANIFESTS, DOCKER_LIST, OCI_INDEX, PORTAINER, SCHEMA1, document, index};
use waybill_core::digest::Digest;
use waybill_core::manifest::{
    Descriptor, MAX_JSON_DEPTH, MAX_MANIFEST_SIZE, Manifest, ManifestDocument, ManifestError, Platform,
};
use waybill_core::manifest_report::{InspectReport, ManifestKind};
use waybill_core::media;

const EMPTY_GZ: &str = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
const CONFIG: &str = r#"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4","size":32}"#;

/// A minimal OCI manifest around `layer` (a JSON descriptor), with `extra` top-level members.
fn oci_with_layer(layer: &str, extra: &str) -> String {
    format!(r#"{{"schemaVersion":2,{extra}"config":{CONFIG},"layers":[{layer}]}}"#)
}

fn layer_with(size: &str) -> String {
    format!(
        r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{EMPTY_GZ}","size":{size}}}"#
    )
}

fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<ManifestDocument, ManifestError> {
    ManifestDocument::parse(bytes.to_vec(), content_type)
}

#[test]
fn every_fixture_parses_and_keeps_its_bytes() {
    for (name, bytes) in ALL_MANIFESTS {
        let doc = parse(bytes, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.bytes(), *bytes, "{name}");
        assert_eq!(doc.descriptor().size, bytes.len() as u64, "{name}");
        assert_eq!(&doc.descriptor().digest, doc.digest(), "{name}");
        assert_eq!(doc.descriptor().media_type, doc.media_type(), "{name}");
    }
}

#[test]
fn a_fixture_cut_short_by_its_last_bytes_never_parses() {
    // The random prefixes of fuzz_manifest rarely land here: a fixture ending in a newline after
    // its closing brace would still parse without it, and the test would pass by luck.
    for (name, bytes) in ALL_MANIFESTS {
        for cut in 1..=3 {
            assert!(
                parse(&bytes[..bytes.len() - cut], None).is_err(),
                "{name} without its last {cut} byte(s)"
            );
        }
    }
}

#[test]
fn fixture_digests_are_the_sha256_of_their_bytes() {
    // `sha256sum tests/fixtures/manifests/*.json`
    let expected = [
        (OCI_INDEX, "sha256:864b6145661f9db2d049ebe61f34b0d37b26b4aba3426a9aafaaa8e10342d5d4"),
        (DOCKER_LIST, "sha256:edfc89d571df45bbbd57b2a532256bf30e41fb12ef998aa6d27cd620a66a9565"),
        (SCHEMA1, "sha256:b9e92fca0c7ab17767772c2982cc4b40af65f09125c71a1aa8382815b44ff13f"),
        (PORTAINER, "sha256:85e23a38d40eedd2363f997a5c1bc043beb68ca5c59431abe72f2272273ecdfe"),
    ];
    for (bytes, digest) in expected {
        assert_eq!(document(bytes).digest().to_string(), digest);
    }
}

#[test]
fn the_oci_index_lists_three_platforms() {
    let doc = document(OCI_INDEX);
    assert_eq!(doc.media_type(), media::OCI_INDEX);
    let index = index(OCI_INDEX);
    assert_eq!(index.schema_version, 2);
    let platforms: Vec<String> =
        index.manifests.iter().map(|d| d.platform.as_ref().unwrap().to_string()).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64/v8", "windows(10.0.17763.5458)/amd64"]);
    assert!(index.manifests.iter().all(|d| d.media_type == media::OCI_MANIFEST));
    assert_eq!(index.annotations["org.opencontainers.image.ref.name"], "1.0");
}

#[test]
fn the_docker_manifest_list_keeps_os_features() {
    let doc = document(DOCKER_LIST);
    assert_eq!(doc.media_type(), media::DOCKER_MANIFEST_LIST);
    let list = index(DOCKER_LIST);
    assert_eq!(list.media_type.as_deref(), Some(media::DOCKER_MANIFEST_LIST));
    let windows = list.manifests[2].platform.as_ref().unwrap();
    assert_eq!(windows.os_version.as_deref(), Some("10.0.17763.5458"));
    assert_eq!(windows.os_features, ["win32k"]);
    assert!(list.manifests.iter().all(|d| d.media_type == media::DOCKER_MANIFEST_V2));
    let report = InspectReport::from_document(&doc);
    assert_eq!(report.kind, ManifestKind::Index);
    assert_eq!(report.platforms.len(), 3);
    assert_eq!(report.platforms[1].platform.as_deref(), Some("linux/arm64/v8"));
    assert_eq!((report.layer_count, report.total_size), (0, 0));
}

#[test]
fn signed_schema1_is_read_as_legacy() {
    let doc = document(SCHEMA1);
    assert_eq!(doc.media_type(), media::DOCKER_MANIFEST_V1_SIGNED);
    assert!(doc.is_legacy());
    let Manifest::Schema1(schema1) = doc.manifest() else { panic!("not schema 1") };
    assert_eq!((schema1.name.as_str(), schema1.tag.as_str()), ("library/busybox", "1.24"));
    assert_eq!(schema1.architecture, "amd64");
    assert!(schema1.signed);
    assert_eq!(schema1.fs_layers.len(), 2);
    assert_eq!(schema1.fs_layers[0].to_string(), EMPTY_GZ);

    let report = InspectReport::from_document(&doc);
    assert!(report.legacy);
    assert_eq!(report.kind, ManifestKind::Schema1);
    // Base first: schema 1 lists the top layer first.
    assert_eq!(report.layers[0].digest, schema1.fs_layers[1]);
    assert_eq!(report.layers[1].digest.to_string(), EMPTY_GZ);
    assert!(report.layers[1].empty);
    assert_eq!(report.layers[0].size, None);
    assert_eq!(serde_json::to_value(&report).unwrap()["layers"][0]["size"], serde_json::Value::Null);
    assert!(report.warnings.iter().any(|w| w.contains("signed schema 1")), "{:?}", report.warnings);
}

#[test]
fn unsigned_schema1_without_media_type_is_found_by_shape() {
    let text = format!(
        r#"{{"schemaVersion":1,"name":"a","tag":"b","architecture":"arm","fsLayers":[{{"blobSum":"{EMPTY_GZ}"}}],"history":[{{"v1Compatibility":"{{}}"}}]}}"#
    );
    let doc = parse(text.as_bytes(), None).unwrap();
    assert_eq!(doc.media_type(), media::DOCKER_MANIFEST_V1);
    assert!(matches!(doc.manifest(), Manifest::Schema1(s) if !s.signed));
}

#[test]
fn the_document_media_type_wins_then_the_content_type_then_the_shape() {
    let without = oci_with_layer(&layer_with("32"), "");
    let with_docker =
        oci_with_layer(&layer_with("32"), &format!(r#""mediaType":"{}","#, media::DOCKER_MANIFEST_V2));
    let cases = [
        (&with_docker, Some(media::OCI_MANIFEST), media::DOCKER_MANIFEST_V2),
        (&without, Some(media::DOCKER_MANIFEST_V2), media::DOCKER_MANIFEST_V2),
        (
            &without,
            Some("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
            media::DOCKER_MANIFEST_V2,
        ),
        (&without, Some("application/json"), media::OCI_MANIFEST),
        (&without, Some("application/octet-stream"), media::OCI_MANIFEST),
        (&without, None, media::OCI_MANIFEST),
    ];
    for (text, content_type, expected) in cases {
        let doc = parse(text.as_bytes(), content_type).unwrap();
        assert_eq!(doc.media_type(), expected, "{content_type:?}");
    }
    let index = r#"{"schemaVersion":2,"manifests":[]}"#;
    assert_eq!(parse(index.as_bytes(), None).unwrap().media_type(), media::OCI_INDEX);
    assert_eq!(
        parse(index.as_bytes(), Some(media::DOCKER_MANIFEST_LIST)).unwrap().media_type(),
        media::DOCKER_MANIFEST_LIST
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let text = oci_with_layer(&layer_with("32"), r#""futureField":{"nested":[1,2,3]},"#);
    assert!(parse(text.as_bytes(), None).is_ok());
}

#[test]
fn the_largest_allowed_size_parses() {
    let text = oci_with_layer(&layer_with("9223372036854775807"), "");
    let doc = parse(text.as_bytes(), None).unwrap();
    let Manifest::Image(image) = doc.manifest() else { panic!() };
    assert_eq!(image.layers[0].size, 9_223_372_036_854_775_807);
}

#[test]
fn descriptors_serialise_without_empty_fields() {
    let digest: Digest = EMPTY_GZ.parse().unwrap();
    let json = serde_json::to_string(&Descriptor::new(media::DOCKER_LAYER_GZIP, digest, 32)).unwrap();
    assert_eq!(
        json,
        format!(r#"{{"mediaType":"{}","digest":"{EMPTY_GZ}","size":32}}"#, media::DOCKER_LAYER_GZIP)
    );
    let platform = Platform {
        architecture: "amd64".into(),
        os: "windows".into(),
        os_version: Some("10.0.17763.5458".into()),
        ..Platform::default()
    };
    assert_eq!(
        serde_json::to_string(&platform).unwrap(),
        r#"{"architecture":"amd64","os":"windows","os.version":"10.0.17763.5458"}"#
    );
}

#[test]
fn a_document_descriptor_carries_the_artifact_type() {
    let text = oci_with_layer(&layer_with("32"), r#""artifactType":"application/vnd.example.thing","#);
    let doc = parse(text.as_bytes(), None).unwrap();
    let descriptor = doc.descriptor();
    assert_eq!(descriptor.artifact_type.as_deref(), Some("application/vnd.example.thing"));
    assert_eq!(descriptor.size, text.len() as u64);
}

/// Each malformed input, the Content-Type it comes with, and a fragment its error must contain.
fn malformed() -> Vec<(&'static str, Vec<u8>, Option<&'static str>, &'static str)> {
    let ok_layer = layer_with("32");
    let image = |extra: &str| oci_with_layer(&ok_layer, extra).into_bytes();
    let with_layer = |layer: &str| oci_with_layer(layer, "").into_bytes();
    let digest_layer = |digest: &str| {
        with_layer(&format!(
            r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{digest}","size":1}}"#
        ))
    };
    let deep = format!(r#"{{"schemaVersion":2,"annotations":{}{}}}"#, "[".repeat(1000), "]".repeat(1000));
    let mut too_large = image("");
    too_large.resize(MAX_MANIFEST_SIZE + 1, b' ');
    vec![
        ("empty input", vec![], None, "EOF while parsing"),
        ("truncated", br#"{"schemaVersion": 2, "config": {"#.to_vec(), None, "at `config`: EOF while parsing an object"),
        ("truncated string", br#"{"schemaVersion": 2, "mediaType": "appl"#.to_vec(), None, "EOF while parsing a string"),
        ("top-level array", b"[]".to_vec(), None, "expected a JSON object at the top level"),
        ("top-level string", br#""manifest""#.to_vec(), None, "expected a JSON object at the top level"),
        ("top-level null", b"null".to_vec(), None, "expected a JSON object at the top level"),
        ("top-level number", b"2".to_vec(), None, "expected a JSON object at the top level"),
        ("trailing garbage", [image(""), b" x".to_vec()].concat(), None, "trailing characters"),
        ("two documents", [image(""), image("")].concat(), None, "trailing characters"),
        ("invalid UTF-8", [br#"{"schemaVersion":2,"mediaType":""#.as_slice(), &[0xff, 0xfe], br#""}"#].concat(), None, "not valid UTF-8: invalid byte at offset 32"),
        ("byte order mark", [b"\xef\xbb\xbf".as_slice(), &image("")].concat(), None, "expected value at line 1 column 1"),
        ("comment", b"{/* a manifest */}".to_vec(), None, "at the top level: key must be a string"),
        ("NaN", oci_with_layer(&layer_with("NaN"), "").into_bytes(), None, "expected value"),
        ("duplicate top-level key", image(r#""schemaVersion":2,"#), None, "duplicate key \"schemaVersion\""),
        ("duplicate key in annotations", image(r#""annotations":{"a":"1","a":"2"},"#), None, "at `annotations`: duplicate key \"a\""),
        ("duplicate key in a layer", with_layer(&format!(r#"{{"mediaType":"x","digest":"{EMPTY_GZ}","digest":"{EMPTY_GZ}","size":1}}"#)), None, "at `layers[0]`: duplicate key \"digest\""),
        ("duplicate key spelt with an escape", with_layer(&format!(r#"{{"mediaType":"x","digest":"{EMPTY_GZ}","size":1,"\u0073ize":2}}"#)), None, "duplicate key \"size\""),
        ("duplicate key deep inside an unknown field", image(r#""x":[{"y":{"z":1,"z":2}}],"#), None, "at `x[0].y`: duplicate key \"z\""),
        ("unknown schemaVersion", br#"{"schemaVersion":3,"manifests":[]}"#.to_vec(), None, "schemaVersion 3 is not supported for application/vnd.oci.image.index.v1+json: expected 2"),
        ("schemaVersion 1 on an OCI manifest", format!(r#"{{"schemaVersion":1,"mediaType":"{}","config":{CONFIG},"layers":[]}}"#, media::OCI_MANIFEST).into_bytes(), None, "schemaVersion 1 is not supported"),
        ("schemaVersion missing", format!(r#"{{"config":{CONFIG},"layers":[]}}"#).into_bytes(), None, "no schemaVersion (expected 2"),
        ("schemaVersion as a string", br#"{"schemaVersion":"2","manifests":[]}"#.to_vec(), None, "at `schemaVersion`: invalid type: string \"2\""),
        ("schemaVersion negative", br#"{"schemaVersion":-2,"manifests":[]}"#.to_vec(), None, "at `schemaVersion`: invalid value: integer `-2`"),
        ("negative size", with_layer(&layer_with("-1")), None, "at `layers[0].size`: invalid value: integer `-1`, expected a size in bytes: an integer from 0 to 2^63-1"),
        ("fractional size", with_layer(&layer_with("1.5")), None, "at `layers[0].size`: invalid type: floating point `1.5`"),
        ("exponent size", with_layer(&layer_with("1e3")), None, "at `layers[0].size`: invalid type: floating point `1000.0`"),
        ("size of 2^63", with_layer(&layer_with("9223372036854775808")), None, "invalid value: integer `9223372036854775808`, expected a size in bytes"),
        ("size of 2^64-1", with_layer(&layer_with("18446744073709551615")), None, "integer `18446744073709551615`"),
        ("size beyond u64", with_layer(&layer_with("18446744073709551616")), None, "at `layers[0].size`: invalid type: floating point"),
        ("size as a string", with_layer(&layer_with("\"32\"")), None, "at `layers[0].size`: invalid type: string \"32\""),
        ("size missing", with_layer(&format!(r#"{{"mediaType":"x","digest":"{EMPTY_GZ}"}}"#)), None, "at `layers[0]`: missing field `size`"),
        ("short digest", digest_layer("sha256:abc"), None, "sha256 digest must have 64 hex characters, found 3"),
        ("upper-case digest", digest_layer(&EMPTY_GZ.to_uppercase().replace("SHA256", "sha256")), None, "has 'A' at hex position 0"),
        ("digest without algorithm", digest_layer("a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"), None, "has no ':' between algorithm and hex"),
        ("unsupported digest algorithm", digest_layer("md5:d41d8cd98f00b204e9800998ecf8427e"), None, "digest algorithm \"md5\" is not supported"),
        ("digest not a string", with_layer(r#"{"mediaType":"x","digest":42,"size":1}"#), None, "at `layers[0].digest`: invalid type: integer `42`"),
        ("config missing", br#"{"schemaVersion":2,"layers":[]}"#.to_vec(), None, "missing field `config`"),
        ("layers missing", format!(r#"{{"schemaVersion":2,"config":{CONFIG}}}"#).into_bytes(), None, "missing field `layers`"),
        ("layers not an array", format!(r#"{{"schemaVersion":2,"config":{CONFIG},"layers":{{}}}}"#).into_bytes(), None, "at `layers`: invalid type: map, expected a sequence"),
        ("config null", br#"{"schemaVersion":2,"config":null,"layers":[]}"#.to_vec(), None, "at `config`: invalid type: null"),
        ("descriptor without mediaType", with_layer(&format!(r#"{{"digest":"{EMPTY_GZ}","size":1}}"#)), None, "missing field `mediaType`"),
        ("urls not strings", with_layer(&format!(r#"{{"mediaType":"x","digest":"{EMPTY_GZ}","size":1,"urls":[1]}}"#)), None, "at `layers[0].urls[0]`: invalid type: integer `1`"),
        ("index media type on an image", image(&format!(r#""mediaType":"{}","#, media::OCI_INDEX)), None, "media type application/vnd.oci.image.index.v1+json is an index (`manifests`), but the document has `config` and `layers`"),
        ("image media type on an index", format!(r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[]}}"#, media::DOCKER_MANIFEST_V2).into_bytes(), None, "is an image manifest (`config` and `layers`), but the document has `manifests`"),
        ("image content type on an index", br#"{"schemaVersion":2,"manifests":[]}"#.to_vec(), Some(media::OCI_MANIFEST), "but the document has `manifests`"),
        ("unknown manifest media type", image(r#""mediaType":"application/vnd.example.manifest+json","#), None, "mediaType \"application/vnd.example.manifest+json\" is not a manifest media type"),
        ("mediaType in another case", image(r#""mediaType":"application/vnd.OCI.image.manifest.v1+json","#), None, "must be written exactly \"application/vnd.oci.image.manifest.v1+json\""),
        ("mediaType with parameters", image(r#""mediaType":"application/vnd.oci.image.manifest.v1+json; charset=utf-8","#), None, "must be written exactly"),
        ("config media type as manifest type", image(&format!(r#""mediaType":"{}","#, media::OCI_CONFIG)), None, "is not a manifest media type"),
        ("mediaType not a string", br#"{"schemaVersion":2,"mediaType":7,"manifests":[]}"#.to_vec(), None, "at `mediaType`: invalid type: integer `7`"),
        ("no tell-tale fields", br#"{"schemaVersion":2}"#.to_vec(), None, "cannot tell what kind of manifest this is"),
        ("index entry platform without os", format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"x","digest":"{EMPTY_GZ}","size":1,"platform":{{"architecture":"amd64"}}}}]}}"#).into_bytes(), None, "at `manifests[0].platform`: missing field `os`"),
        ("manifests not an array", br#"{"schemaVersion":2,"manifests":"all"}"#.to_vec(), None, "at `manifests`: invalid type: string \"all\""),
        ("schema 1 history mismatch", format!(r#"{{"schemaVersion":1,"name":"a","tag":"b","architecture":"amd64","fsLayers":[{{"blobSum":"{EMPTY_GZ}"}}],"history":[]}}"#).into_bytes(), None, "1 fsLayers but 0 history entries"),
        ("schema 1 bad blobSum", br#"{"schemaVersion":1,"name":"a","tag":"b","architecture":"amd64","fsLayers":[{"blobSum":"sha256:zz"}],"history":[{}]}"#.to_vec(), None, "at `fsLayers[0].blobSum`"),
        ("deep nesting", deep.into_bytes(), None, "at `…[0][0][0]"),
        ("over 4 MiB", too_large, None, "manifest is 4194305 bytes, over the 4194304-byte (4 MiB) limit"),
    ]
}

#[test]
fn malformed_manifests_are_refused_with_clear_errors() {
    let cases = malformed();
    assert!(cases.len() >= 25);
    for (name, bytes, content_type, fragment) in cases {
        match parse(&bytes, content_type) {
            Ok(doc) => panic!("{name}: parsed as {}", doc.media_type()),
            Err(e) => assert!(
                e.to_string().contains(fragment),
                "{name}: {e:?}\n  message: {e}\n  expected: {fragment}"
            ),
        }
    }
}

#[test]
fn json_errors_keep_line_and_column() {
    let text = format!(
        "{{\n  \"schemaVersion\": 2,\n  \"config\": {CONFIG},\n  \"layers\": [{}]\n}}",
        layer_with("-1")
    );
    let error = parse(text.as_bytes(), None).unwrap_err();
    let ManifestError::Json(json) = &error else { panic!("{error:?}") };
    assert_eq!(json.path(), "layers[0].size");
    assert_eq!(json.line(), 4);
    assert!(error.to_string().contains("at line 4 column"), "{error}");
}

/// A valid OCI manifest with an unknown member nesting `depth` levels of objects and arrays
/// (distribution, on Go's encoding/json, accepts up to 10,000 levels and ignores the member).
fn nested(depth: usize) -> String {
    let open: String = (0..depth).map(|i| if i % 2 == 0 { r#"{"x":"# } else { "[" }).collect();
    let close: String = (0..depth).rev().map(|i| if i % 2 == 0 { "}" } else { "]" }).collect();
    oci_with_layer(&layer_with("32"), &format!(r#""x-nested":{open}1{close},"#))
}

#[test]
fn documents_nested_as_deep_as_distribution_takes_them_parse() {
    // The member's own levels, under the manifest's object.
    for depth in [200, MAX_JSON_DEPTH - 1] {
        let text = nested(depth);
        let doc = parse(text.as_bytes(), None).unwrap_or_else(|e| panic!("{depth} levels: {e}"));
        assert_eq!(doc.media_type(), media::OCI_MANIFEST);
    }
}

#[test]
fn very_deep_documents_fail_with_a_short_message() {
    // Past the limit, and far past it (a 4 MiB document of brackets): a clear error, found before
    // the stack of a test thread (2 MiB) runs out.
    for depth in [MAX_JSON_DEPTH, 100_000] {
        let message = parse(nested(depth).as_bytes(), None).unwrap_err().to_string();
        let expected = format!("nests deeper than {MAX_JSON_DEPTH} levels");
        assert!(message.contains(&expected), "{depth}: {message}");
        assert!(message.len() < 300, "{message}");
    }
}
