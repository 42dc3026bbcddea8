//! Cutting an index down to some of its entries (a copy of several platforms). Runs natively and
//! in Chromium (wasm32).

mod support;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::Value;
use support::manifests::{DOCKER_LIST, OCI_INDEX, PORTAINER, document};
use waybill_core::digest::Digest;
use waybill_core::manifest::{MAX_JSON_DEPTH, Manifest, ManifestDocument, SubsetError};

fn entries(bytes: &[u8]) -> Vec<Value> {
    let value: Value = serde_json::from_slice(bytes).expect("JSON");
    value["manifests"].as_array().expect("manifests").clone()
}

fn digest(entry: &Value) -> Digest {
    entry["digest"].as_str().expect("digest").parse().expect("a digest")
}

#[test]
fn keeps_the_chosen_entries_as_written_in_the_index_order() {
    for source in [OCI_INDEX, DOCKER_LIST] {
        let index = document(source);
        let all = entries(source);
        // Asked for in reverse: the result still follows the index.
        let keep = [digest(&all[2]), digest(&all[0])];
        let subset = index.index_subset(&keep).expect("a subset");
        assert_eq!(entries(subset.bytes()), vec![all[0].clone(), all[2].clone()]);
        assert_eq!(subset.media_type(), index.media_type());
        assert_eq!(subset.digest(), &Digest::sha256_of(subset.bytes()), "its digest is of its own bytes");
        assert_ne!(subset.digest(), index.digest());
        let Manifest::Index(parsed) = subset.manifest() else { panic!("an index") };
        assert_eq!(parsed.manifests.len(), 2);
    }
}

#[test]
fn keeps_everything_but_the_dropped_entries() {
    let index = document(OCI_INDEX);
    let all = entries(OCI_INDEX);
    let subset = index.index_subset(&[digest(&all[1])]).expect("a subset");
    let mut before: Value = serde_json::from_slice(OCI_INDEX).expect("JSON");
    let after: Value = serde_json::from_slice(subset.bytes()).expect("JSON");
    before["manifests"] = Value::Array(vec![all[1].clone()]);
    assert_eq!(after, before, "annotations, mediaType and schemaVersion unchanged");
}

#[test]
fn refuses_what_cannot_be_cut_down() {
    let index = document(OCI_INDEX);
    assert!(matches!(index.index_subset(&[]), Err(SubsetError::Empty { .. })));
    let stranger = Digest::sha256_of(b"not an entry");
    let error = index.index_subset(std::slice::from_ref(&stranger)).expect_err("not an entry");
    assert!(matches!(&error, SubsetError::NotAnEntry { wanted, .. } if *wanted == stranger));
    assert!(error.to_string().contains(&stranger.to_string()), "{error}");
    let image = document(PORTAINER);
    let error = image.index_subset(&[stranger]).expect_err("an image is not an index");
    assert!(matches!(error, SubsetError::NotAnIndex { .. }), "{error}");
}

#[test]
fn an_index_nested_as_deep_as_parsing_allows_is_cut_down() {
    // An unknown member nesting down to the last level allowed (the index itself is level 1).
    let depth = MAX_JSON_DEPTH - 1;
    let member = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let all = entries(OCI_INDEX);
    let text = format!(
        r#"{{"schemaVersion":2,"x-nested":{member},"manifests":{}}}"#,
        serde_json::to_string(&all).expect("JSON")
    );
    let index = ManifestDocument::parse(text.into_bytes(), None).expect("an index");
    let subset = index.index_subset(&[digest(&all[1])]).expect("a subset");
    let Manifest::Index(parsed) = subset.manifest() else { panic!("an index") };
    assert_eq!(parsed.manifests.len(), 1);
    assert!(String::from_utf8_lossy(subset.bytes()).contains(&member), "the member is kept");
}
