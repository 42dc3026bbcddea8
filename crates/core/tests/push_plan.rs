//! What pushing an archive image does, decided by the core before the shell moves a byte: the
//! admission from the metadata alone (the foreign-layer policy, foreign blobs the archive lacks
//! and their urls), then the plan from the shell's hashes (verification, the manifest, the order
//! the blobs move in). Runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod support;

use support::*;
use waybill_core::archive::build::BlobOrigin;
use waybill_core::archive::compress::LayerCompression;
use waybill_core::archive::verify::hash_files;
use waybill_core::archive::{Archive, OpenOptions};
use waybill_core::media;
use waybill_core::registry::Error;
use waybill_core::transfer::push_archive::{PushAdmission, PushError, PushOptions};

/// A Windows-style docker-save archive: a foreign base layer (only its tar kept, as docker save
/// does) listing `url`, and an ordinary layer. Also the foreign blob.
fn foreign_archive(url: &str) -> (Archive<Vec<u8>>, Vec<u8>) {
    let (base, app) = (layer_tar("base", 9000), layer_tar("app", 700));
    let blob = gzip(&base);
    let mut image = SavedImage::new(&["win:1"], vec![base, app]);
    image.sources = vec![(
        0,
        format!(
            r#"{{"mediaType":"{}","size":{},"digest":"{}","urls":["{url}"]}}"#,
            media::DOCKER_FOREIGN_LAYER,
            blob.len(),
            sha256(&blob),
        ),
    )];
    (block_on(Archive::open(docker_save(&[image]), OpenOptions::default())).unwrap(), blob)
}

const URL: &str = "https://mcr.microsoft.com.invalid/base";

fn allowed() -> PushOptions {
    PushOptions { allow_foreign_layers: true, fetch_foreign: true, ..PushOptions::default() }
}

#[test]
fn a_foreign_layer_is_refused_then_needs_fetching_then_its_urls_must_be_safe() {
    let (archive, blob) = foreign_archive(URL);
    let image = &archive.images()[0];
    let refused = PushAdmission::new(image, &PushOptions::default());
    assert!(matches!(&refused, Err(PushError::Rejected(r)) if r[0].digest == sha256(&blob)), "{refused:?}");
    let unfetched = PushOptions { fetch_foreign: false, ..allowed() };
    let absent = PushAdmission::new(image, &unfetched);
    assert!(matches!(&absent, Err(PushError::ForeignAbsent(a)) if a[0].urls == [URL]), "{absent:?}");
    assert!(PushAdmission::new(image, &allowed()).is_ok());

    for unsafe_url in
        ["http://mcr.microsoft.com.invalid/base", "https://127.0.0.1/base", "https://intranet/base"]
    {
        let (archive, _) = foreign_archive(unsafe_url);
        let admitted = PushAdmission::new(&archive.images()[0], &allowed());
        assert!(
            matches!(&admitted, Err(PushError::Blob { source: Error::UnsafeUrl { url, .. }, .. }) if url == unsafe_url),
            "{unsafe_url}: {admitted:?}"
        );
    }
}

#[test]
fn the_plan_moves_the_blobs_from_urls_first_then_the_archives_in_archive_order() {
    let (archive, blob) = foreign_archive(URL);
    let image = &archive.images()[0];
    let admission = PushAdmission::new(image, &allowed()).unwrap();
    let offsets: Vec<u64> = admission.to_hash.iter().map(|f| f.stored.offset).collect();
    assert_eq!(offsets.len(), 3, "the config and both tars are verified: {offsets:?}");
    assert!(offsets.is_sorted(), "hashed in archive order: {offsets:?}");

    let facts = block_on(hash_files(&archive, &admission.to_hash, &|_, _| {}));
    let plan = admission.plan(image, &facts, &allowed(), "win:1").unwrap();
    let origins: Vec<Option<u64>> = plan
        .blobs()
        .map(|b| match &b.origin {
            BlobOrigin::Urls(_) => None,
            BlobOrigin::Stored(s) | BlobOrigin::Compressed(s, _) => Some(s.offset),
        })
        .collect();
    assert_eq!(origins[0], None, "the foreign blob, from its urls, first: {origins:?}");
    assert_eq!(plan.blobs().next().unwrap().descriptor.digest, sha256(&blob));
    assert!(origins[1..].iter().all(Option::is_some) && origins[1..].is_sorted(), "{origins:?}");
    assert_eq!(plan.blobs().len(), plan.image.blobs.len());
}

#[test]
fn a_tampered_layer_or_another_digest_is_refused_by_the_plan() {
    let (archive, _) = foreign_archive(URL);
    let image = &archive.images()[0];
    let admission = PushAdmission::new(image, &allowed()).unwrap();
    let facts = block_on(hash_files(&archive, &admission.to_hash, &|_, _| {}));

    // Stored as it is, the manifest is known before any upload (compressed, only after them).
    let as_stored = PushOptions { compress: LayerCompression::None, ..allowed() };
    let wrong = format!("sha256:{}", "0".repeat(64));
    let refused = admission.clone().plan(image, &facts, &as_stored, &wrong);
    assert!(
        matches!(&refused, Err(PushError::DigestTarget { wanted, .. }) if *wanted == wrong),
        "{refused:?}"
    );

    let mut tampered = facts.clone();
    let last = *tampered.keys().last().unwrap();
    tampered.insert(last, Err("the file could not be read".into()));
    let refused = admission.plan(image, &tampered, &allowed(), "win:1");
    assert!(matches!(&refused, Err(PushError::Verification(f)) if !f.is_empty()), "{refused:?}");
}
