//! BuildKit's attestation manifests in an index: recognised by their annotations, never offered
//! or chosen as a platform, kept with their images in a cut-down index, and named — with any
//! entry that is no platform's image — when a copy leaves them behind. Runs natively and in
//! Chromium (wasm32).

mod support;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use support::manifests::{ATTESTED_INDEX, OCI_INDEX, index};
use waybill_core::digest::Digest;
use waybill_core::manifest::{
    ATTESTATION_MANIFEST, Descriptor, REFERENCE_DIGEST, REFERENCE_TYPE, left_behind,
};
use waybill_core::manifest_report::InspectReport;
use waybill_core::platform::{PlatformError, PlatformSpec, available, select};

fn spec(s: &str) -> PlatformSpec {
    PlatformSpec::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn an_attestation_names_the_image_it_describes() {
    let attested = index(ATTESTED_INDEX);
    let [amd64, arm64, for_amd64, for_arm64] = &attested.manifests[..] else { panic!("four entries") };
    assert_eq!(amd64.attests(), None);
    assert_eq!(arm64.attests(), None);
    assert_eq!(for_amd64.attests().as_ref(), Some(&amd64.digest));
    assert_eq!(for_arm64.attests().as_ref(), Some(&arm64.digest));
    assert_eq!(attested.attestations_of(&amd64.digest).collect::<Vec<_>>(), vec![for_amd64]);
    assert_eq!(attested.attestations_of(&for_amd64.digest).count(), 0);

    // Both annotations are needed, and the digest must be one.
    let mut entry = Descriptor::new(amd64.media_type.clone(), amd64.digest.clone(), 1);
    entry.annotations.insert(REFERENCE_DIGEST.into(), arm64.digest.to_string());
    assert_eq!(entry.attests(), None, "no reference type");
    entry.annotations.insert(REFERENCE_TYPE.into(), "something-else".into());
    assert_eq!(entry.attests(), None, "another reference type");
    entry.annotations.insert(REFERENCE_TYPE.into(), ATTESTATION_MANIFEST.into());
    assert_eq!(entry.attests().as_ref(), Some(&arm64.digest));
    entry.annotations.insert(REFERENCE_DIGEST.into(), "sha256:not-hex".into());
    assert_eq!(entry.attests(), None, "an unparsable digest attests nothing");
}

#[test]
fn attestations_are_not_platforms() {
    let attested = index(ATTESTED_INDEX);
    assert_eq!(available(&attested), ["linux/amd64", "linux/arm64/v8"]);
    // `unknown/unknown` is their platform field, but not one to pick.
    let error = select(&attested, &spec("unknown/unknown")).unwrap_err();
    assert!(matches!(&error, PlatformError::NoMatch { available, .. } if available.len() == 2), "{error}");
    assert_eq!(select(&attested, &spec("linux/arm64")).unwrap().digest, attested.manifests[1].digest);
    // An index without attestations is unchanged.
    assert_eq!(available(&index(OCI_INDEX)).len(), 3);
}

#[test]
fn the_inspect_report_marks_attestations() {
    let report = InspectReport::from_document(&support::manifests::document(ATTESTED_INDEX));
    let attests: Vec<Option<String>> =
        report.platforms.iter().map(|p| p.attests.as_ref().map(Digest::to_string)).collect();
    let images: Vec<String> = report.platforms[..2].iter().map(|p| p.digest.to_string()).collect();
    assert_eq!(attests, [None, None, Some(images[0].clone()), Some(images[1].clone())]);
    let json = serde_json::to_value(&report).expect("JSON");
    assert_eq!(json["platforms"][2]["attests"], images[0].as_str());
    assert!(json["platforms"][0].get("attests").is_none(), "absent, not null, for an image");
}

#[test]
fn a_copy_of_some_platforms_names_what_it_leaves_behind() {
    let attested = index(ATTESTED_INDEX);
    let [amd64, arm64, for_amd64, for_arm64] = &attested.manifests[..] else { panic!("four entries") };

    // One platform: its attestation stays behind, and is named with its image; the other
    // image's attestation goes unmentioned (that image was not asked for).
    let warnings = left_behind(&attested, std::slice::from_ref(&arm64.digest));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("1 attestation manifest(s) of {}", arm64.digest)),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains(&for_arm64.digest.to_string()), "{}", warnings[0]);
    assert!(!warnings[0].contains(&for_amd64.digest.to_string()), "{}", warnings[0]);

    // Two platforms with their attestations (what a copy of several keeps): nothing left behind.
    let kept =
        [amd64.digest.clone(), arm64.digest.clone(), for_amd64.digest.clone(), for_arm64.digest.clone()];
    assert!(left_behind(&attested, &kept).is_empty());
    assert!(left_behind(&index(OCI_INDEX), &[index(OCI_INDEX).manifests[0].digest.clone()]).is_empty());

    // An entry with no platform that attests nothing (a signature, say) is named whenever it is
    // not copied.
    let mut with_signature = attested.clone();
    let signature = "sha256:5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f";
    let signature = Descriptor::new(amd64.media_type.clone(), signature.parse().unwrap(), 300);
    with_signature.manifests.push(signature.clone());
    let warnings = left_behind(&with_signature, &kept);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("no platform") && warnings[0].contains(&signature.digest.to_string()),
        "{}",
        warnings[0]
    );
}
