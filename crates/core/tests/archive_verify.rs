//! Verifying archive blobs and building the manifest to push: diff IDs against the config,
//! descriptor digests and sizes, file names that promise a digest, a tampered index.json; the
//! docker-save manifest as stored and with `--compress gzip`; the foreign-layer policy decided from
//! the metadata alone; a buildx layout's attestation manifest. Runs natively and in headless
//! Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod support;

use std::io::Read as _;

use support::*;
use waybill_core::archive::build::check_policy;
use waybill_core::archive::build::{BlobOrigin, Top, build};
use waybill_core::archive::compress::{Codec, InPlace, LayerCompression};
use waybill_core::archive::report::ArchiveReport;
use waybill_core::archive::verify::{BlobStatus, ImageVerification, verify};
use waybill_core::archive::{Archive, OpenOptions, Presence};
use waybill_core::digest::Digest;
use waybill_core::digest::Verified;
use waybill_core::manifest::Manifest;
use waybill_core::media::{self, Compression};
use waybill_core::policy::BlobRole;
use waybill_core::transfer::push_archive::absent_foreign;

fn open(bytes: Vec<u8>) -> Archive<Vec<u8>> {
    block_on(Archive::open(bytes, OpenOptions::default())).unwrap()
}

fn verify_all(archive: &Archive<Vec<u8>>) -> Vec<ImageVerification> {
    let images: Vec<_> = archive.images().iter().collect();
    block_on(verify(archive, &images, &|_, _| {})).unwrap()
}

/// Flips one byte of a file's content in the tar, keeping every size.
fn flip_byte_in(tar: &mut [u8], content: &[u8]) {
    let at = tar.windows(content.len()).position(|w| w == content).expect("content in the tar");
    tar[at + content.len() / 2] ^= 0x55;
}

#[test]
fn a_sound_docker_save_verifies() {
    let layers = vec![layer_tar("a", 50_000), layer_tar("b", 10)];
    let archive = open(docker_save(&[SavedImage::new(&["x/y:1"], layers.clone())]));
    let checks = verify_all(&archive);
    assert!(checks[0].ok(), "{:?}", checks[0].failures());
    let blobs = &checks[0].manifests[0].blobs;
    assert_eq!(blobs.len(), 3);
    assert_eq!(blobs[0].role, BlobRole::Config);
    for (check, tar) in blobs[1..].iter().zip(&layers) {
        assert_eq!(check.status, BlobStatus::Verified);
        assert_eq!(check.digest.as_ref(), Some(&sha256(tar)));
        assert_eq!(check.diff_id.as_ref(), Some(&sha256(tar)));
        assert_eq!(check.expected_diff_id.as_ref(), Some(&sha256(tar)));
    }
}

#[test]
fn a_tampered_layer_fails_its_diff_id_and_its_name() {
    let layer = layer_tar("a", 50_000);
    let mut bytes = docker_save(&[SavedImage::new(&["x/y:1"], vec![layer.clone()])]);
    flip_byte_in(&mut bytes, &layer[600..2000]);
    let archive = open(bytes);
    let checks = verify_all(&archive);
    let failures = checks[0].failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains(&format!("the config's diff_id for this layer is {}", sha256(&layer))),
        "{}",
        failures[0]
    );
}

#[test]
fn gzip_and_zstd_layer_files_are_decompressed_for_their_diff_id() {
    let (a, b) = (layer_tar("gz", 30_000), layer_tar("zst", 20_000));
    let mut bytes = docker_save(&[SavedImage::new(&["x/y:1"], vec![a.clone(), b.clone()])]);
    let (a_gz, b_zst) = (gzip(&a), zstd(&b));
    bytes = rename_and_replace(&bytes, &format!("{}.tar", sha256(&a).hex()), &a_gz);
    bytes = rename_and_replace(&bytes, &format!("{}.tar", sha256(&b).hex()), &b_zst);
    let archive = open(bytes);
    let layers = &archive.images()[0].manifests[0].layers;
    assert_eq!(layers[0].stored.as_ref().unwrap().compression, Compression::Gzip);
    assert_eq!(layers[1].stored.as_ref().unwrap().compression, Compression::Zstd);
    let checks = verify_all(&archive);
    // The files are named for the diff ID, which their compressed content does not hash to.
    let failures = checks[0].failures();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(|f| f.contains("file name promises")), "{failures:?}");
    let blobs = &checks[0].manifests[0].blobs;
    assert_eq!(blobs[1].diff_id.as_ref(), Some(&sha256(&a)));
    assert_eq!(blobs[1].digest.as_ref(), Some(&sha256(&a_gz)));
    assert_eq!(blobs[2].diff_id.as_ref(), Some(&sha256(&b)));
}

/// Replaces a file's content (any size) keeping its name.
fn rename_and_replace(tar: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut out = Tar::new();
    let mut offset = 0;
    while offset + 512 <= tar.len() {
        let block: [u8; 512] = tar[offset..offset + 512].try_into().unwrap();
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let entry = String::from_utf8_lossy(&block[..100]).trim_end_matches('\0').to_owned();
        let size = usize::from_str_radix(String::from_utf8_lossy(&block[124..135]).trim_end_matches('\0'), 8)
            .unwrap();
        let data = &tar[offset + 512..offset + 512 + size];
        out.file(&entry, if entry == name { content } else { data });
        offset += 512 + size.div_ceil(512) * 512;
    }
    out.finish()
}

/// An OCI layout with one image; `edit` may change the blobs before the index is written.
fn oci_single(tamper_layer: bool, wrong_index_digest: bool) -> Vec<u8> {
    let layer = layer_tar("oci", 8000);
    let gz = gzip(&layer);
    let config = config_json(&[sha256(&layer)], "linux");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":{}}},"layers":[{{"mediaType":"{}","digest":"{}","size":{}}}]}}"#,
        media::OCI_MANIFEST,
        media::OCI_CONFIG,
        sha256(&config),
        config.len(),
        media::OCI_LAYER_GZIP,
        sha256(&gz),
        gz.len()
    );
    let mut stored_layer = gz.clone();
    if tamper_layer {
        let n = stored_layer.len();
        stored_layer[n - 1] ^= 1; // the gzip trailer's size byte
    }
    // The manifest file is stored under a name; with `wrong_index_digest` the index names that
    // file but the file's bytes are another manifest's (a later edit of the layout).
    let stored_manifest = if wrong_index_digest {
        manifest.replace("\"schemaVersion\":2", "\"schemaVersion\": 2")
    } else {
        manifest.clone()
    };
    let named = sha256(manifest.as_bytes());
    Tar::new()
        .file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)
        .file(&format!("blobs/sha256/{}", sha256(&gz).hex()), &stored_layer)
        .file(&format!("blobs/sha256/{}", sha256(&config).hex()), &config)
        .file(&format!("blobs/sha256/{}", named.hex()), stored_manifest.as_bytes())
        .file(
            "index.json",
            format!(
                r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{}","digest":"{named}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"v1"}}}}]}}"#,
                media::OCI_MANIFEST,
                manifest.len()
            )
            .as_bytes(),
        )
        .finish()
}

#[test]
fn oci_blobs_are_checked_against_their_descriptors() {
    let archive = open(oci_single(false, false));
    assert!(verify_all(&archive)[0].ok());

    let archive = open(oci_single(true, false));
    let failures = verify_all(&archive)[0].failures();
    assert!(!failures.is_empty());
    assert!(failures.iter().any(|f| f.contains("but the descriptor says")), "{failures:?}");
}

#[test]
fn a_wrong_digest_in_index_json_fails_verify_clearly() {
    let archive = open(oci_single(false, true));
    let manifest = &archive.images()[0].manifests[0];
    assert!(manifest.misnamed.first().is_some_and(|m| m.hashes_to.is_some()));
    let report = waybill_core::archive::report::ArchiveReport::new(&archive);
    assert!(report.images[0].warnings.iter().any(|w| w.contains("`waybill verify` fails it")));
    let failures = verify_all(&archive)[0].failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("the index names this manifest") && failures[0].contains("fix index.json"),
        "{}",
        failures[0]
    );
}

fn foreign_archive() -> (Vec<u8>, Vec<Vec<u8>>, Vec<u8>) {
    let (base, app) = (layer_tar("base", 9000), layer_tar("app", 700));
    let blob = gzip(&base);
    let mut image = SavedImage::new(&["win:1"], vec![base.clone(), app.clone()]);
    image.sources = vec![(
        0,
        format!(
            r#"{{"mediaType":"{}","size":{},"digest":"{}","urls":["https://mcr.microsoft.com.invalid/{}"]}}"#,
            media::DOCKER_FOREIGN_LAYER,
            blob.len(),
            sha256(&blob),
            sha256(&blob).hex()
        ),
    )];
    (docker_save(&[image]), vec![base, app], blob)
}

#[test]
fn the_policy_is_decided_from_metadata_alone() {
    let (bytes, _, blob) = foreign_archive();
    let archive = open(bytes);
    let image = &archive.images()[0];
    let rejections = check_policy(image, false).unwrap_err();
    assert_eq!(rejections.len(), 1);
    assert_eq!(rejections[0].digest, sha256(&blob));
    assert_eq!(rejections[0].media_type, media::DOCKER_FOREIGN_LAYER);
    assert_eq!(rejections[0].remedy, waybill_core::remedy::Remedy::AllowForeignLayers);
    assert!(check_policy(image, true).is_ok());
    // docker save kept the uncompressed tar only: the blob Pulp needs is absent.
    let absent = absent_foreign(image);
    assert_eq!(absent.len(), 1);
    assert_eq!((absent[0].presence, absent[0].size), (Presence::UncompressedOnly, blob.len() as u64));
    // Its tar verifies against the diff ID, and verify says the blob is not there.
    let checks = verify_all(&archive);
    assert!(checks[0].ok());
    assert!(
        matches!(&checks[0].manifests[0].blobs[1].status, BlobStatus::Absent(why) if why.contains("fetched from its urls"))
    );
}

#[test]
fn building_a_docker_save_manifest_as_stored() {
    let (bytes, layers, blob) = foreign_archive();
    let archive = open(bytes);
    let image = &archive.images()[0];
    let checks = verify_all(&archive);
    let pushed = build(image, &checks[0], LayerCompression::None).unwrap();
    let top = pushed.top.ready().expect("nothing to compress: ready before any upload");
    assert_eq!(top.media_type(), media::DOCKER_MANIFEST_V2);
    let Manifest::Image(m) = top.manifest() else { panic!("not an image manifest") };
    assert_eq!(m.config.media_type, media::DOCKER_CONFIG);
    // The foreign layer keeps its LayerSources descriptor: type, digest, size, urls.
    assert_eq!(m.layers[0].media_type, media::DOCKER_FOREIGN_LAYER);
    assert_eq!((&m.layers[0].digest, m.layers[0].size), (&sha256(&blob), blob.len() as u64));
    assert_eq!(m.layers[0].urls, [format!("https://mcr.microsoft.com.invalid/{}", sha256(&blob).hex())]);
    // The ordinary layer is the stored tar: digest = diff ID.
    assert_eq!(m.layers[1].media_type, media::DOCKER_LAYER_TAR);
    assert_eq!((&m.layers[1].digest, m.layers[1].size), (&sha256(&layers[1]), layers[1].len() as u64));
    // Pushed bytes are the document's bytes, whose digest is the manifest's identity.
    assert_eq!(top.digest(), &sha256(top.bytes()));
    assert_eq!(pushed.blobs.len(), 3);
    assert!(matches!(pushed.blobs[1].origin, BlobOrigin::Urls(ref urls) if urls.len() == 1));
    assert!(pushed.notes.is_empty());
}

#[test]
fn compressed_layers_are_written_into_the_manifest_once_uploaded() {
    for (compression, media_type) in
        [(LayerCompression::Gzip, media::DOCKER_LAYER_GZIP), (LayerCompression::Zstd, media::OCI_LAYER_ZSTD)]
    {
        let layers = vec![layer_tar("a", 2_500_000), layer_tar("b", 3000)];
        let archive = open(docker_save(&[SavedImage::new(&["x/y:1"], layers.clone())]));
        let image = &archive.images()[0];
        let checks = verify_all(&archive);
        let pushed = build(image, &checks[0], compression).unwrap();
        assert!(matches!(pushed.top, Top::Pending { .. }), "the digests are learned by the uploads");
        // What the uploads send: produced by the upload source, hashed and decompressed here
        // independently.
        let mut made = Vec::new();
        for (i, tar) in layers.iter().enumerate() {
            let blob = &pushed.blobs[i + 1];
            assert_eq!(blob.descriptor.digest, sha256(tar), "named by its diff ID until uploaded");
            let BlobOrigin::Compressed(stored, codec) = &blob.origin else { panic!("not compressed") };
            let sent = block_on(read_compressed_source(&archive, stored, *codec));
            assert_eq!(&decompress(*codec, &sent), tar);
            let verified = Verified { digest: sha256(&sent), size: sent.len() as u64 };
            made.push((blob.descriptor.digest.clone(), verified));
        }
        let top = pushed.top_with(&made).unwrap();
        let Manifest::Image(m) = top.manifest() else { panic!("not an image manifest") };
        for (i, (_, verified)) in made.iter().enumerate() {
            assert_eq!(m.layers[i].media_type, media_type);
            assert_eq!((&m.layers[i].digest, m.layers[i].size), (&verified.digest, verified.size));
        }
        if compression == LayerCompression::Zstd {
            assert_eq!(top.media_type(), media::OCI_MANIFEST, "Docker has no zstd layer type");
        }
        assert_eq!(top.digest(), &sha256(top.bytes()));
        // A layer the uploads did not report is an error, never a manifest naming a diff ID.
        assert!(pushed.top_with(&made[..1]).is_err());
    }
}

fn decompress(codec: Codec, data: &[u8]) -> Vec<u8> {
    let mut back = Vec::new();
    match codec {
        Codec::Gzip => {
            flate2::read::MultiGzDecoder::new(data).read_to_end(&mut back).unwrap();
        }
        Codec::Zstd => {
            let mut rest = data;
            while !rest.is_empty() {
                ruzstd::decoding::StreamingDecoder::new(&mut rest).unwrap().read_to_end(&mut back).unwrap();
            }
        }
    }
    back
}

async fn read_compressed_source(
    archive: &Archive<Vec<u8>>,
    stored: &waybill_core::archive::Stored,
    codec: Codec,
) -> Vec<u8> {
    use waybill_core::archive::archive_source::{CompressedBytes, Producer};
    let mut producer = CompressedBytes::new(archive, stored.clone(), codec, &InPlace, &|_| {});
    let mut out = Vec::new();
    loop {
        let before = out.len();
        producer.produce(64 * 1024, &mut out).await.unwrap();
        if out.len() == before {
            return out;
        }
    }
}

#[test]
fn blobs_named_by_sha512_digests_verify() {
    use waybill_core::digest::{Algorithm, Digest};
    let sha512 = |data: &[u8]| Digest::of(Algorithm::Sha512, data);
    let layer = layer_tar("512", 3000);
    let config = config_json(&[sha256(&layer)], "linux");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":{}}},"layers":[{{"mediaType":"{}","digest":"{}","size":{}}}]}}"#,
        media::OCI_MANIFEST,
        media::OCI_CONFIG,
        sha512(&config),
        config.len(),
        media::OCI_LAYER_TAR,
        sha512(&layer),
        layer.len()
    );
    let layout = |stored_layer: &[u8]| {
        Tar::new()
            .file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)
            .file(&format!("blobs/sha512/{}", sha512(&layer).hex()), stored_layer)
            .file(&format!("blobs/sha512/{}", sha512(&config).hex()), &config)
            .file(&format!("blobs/sha256/{}", sha256(manifest.as_bytes()).hex()), manifest.as_bytes())
            .file(
                "index.json",
                format!(
                    r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{}","digest":"{}","size":{}}}]}}"#,
                    media::OCI_MANIFEST,
                    sha256(manifest.as_bytes()),
                    manifest.len()
                )
                .as_bytes(),
            )
            .finish()
    };
    let archive = open(layout(&layer));
    let checks = verify_all(&archive);
    assert!(checks[0].ok(), "{:?}", checks[0].failures());
    let mut tampered = layer.clone();
    tampered[700] ^= 1;
    let failures = verify_all(&open(layout(&tampered)))[0].failures();
    assert!(
        failures.iter().any(|f| f.contains(&format!("the descriptor says {}", sha512(&layer)))),
        "{failures:?}"
    );
}

/// A layout as `docker buildx build --sbom --output type=oci` writes it: an index of one image and
/// its attestation manifest (one uncompressed in-toto layer, platform unknown/unknown).
fn attested_layout() -> (Vec<u8>, Digest) {
    let mut tar = Tar::new();
    tar.file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    let mut blob = |data: &[u8]| {
        tar.file(&format!("blobs/sha256/{}", sha256(data).hex()), data);
        (sha256(data), data.len())
    };
    let manifest = |config: (Digest, usize), layer: (Digest, usize), layer_type: &str| {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":{}}},"layers":[{{"mediaType":"{layer_type}","digest":"{}","size":{}}}]}}"#,
            media::OCI_MANIFEST,
            media::OCI_CONFIG,
            config.0,
            config.1,
            layer.0,
            layer.1
        )
    };
    let tar_layer = layer_tar("app", 4000);
    let layer = blob(&gzip(&tar_layer));
    let config = blob(&config_json(&[sha256(&tar_layer)], "linux"));
    let image = blob(manifest(config, layer, media::OCI_LAYER_GZIP).as_bytes());
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v0.1","subject":[{{"digest":{{"sha256":"{}"}}}}]}}"#,
        image.0.hex()
    );
    let in_toto = blob(statement.as_bytes());
    let unknown = format!(
        r#"{{"architecture":"unknown","os":"unknown","rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#,
        in_toto.0
    );
    let unknown = blob(unknown.as_bytes());
    let attestation = blob(manifest(unknown, in_toto, "application/vnd.in-toto+json").as_bytes());
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{0}","manifests":[{{"mediaType":"{1}","digest":"{2}","size":{3},"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"{1}","digest":"{4}","size":{5},"annotations":{{"vnd.docker.reference.digest":"{2}","vnd.docker.reference.type":"attestation-manifest"}},"platform":{{"architecture":"unknown","os":"unknown"}}}}]}}"#,
        media::OCI_INDEX,
        media::OCI_MANIFEST,
        image.0,
        image.1,
        attestation.0,
        attestation.1
    );
    let index = blob(index.as_bytes());
    let top = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{}","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"example.com/attested:1"}}}}]}}"#,
        media::OCI_INDEX,
        index.0,
        index.1
    );
    tar.file("index.json", top.as_bytes());
    (tar.finish(), image.0)
}

#[test]
fn an_attestation_in_a_layout_is_named_for_its_image_and_verifies() {
    let (bytes, image) = attested_layout();
    let archive = open(bytes);
    let manifests = &archive.images()[0].manifests;
    assert_eq!(manifests.len(), 2, "the image and its attestation, both pushed with the index");
    assert_eq!(manifests[0].attests, None);
    assert_eq!(manifests[1].attests.as_ref(), Some(&image));

    let report = ArchiveReport::new(&archive);
    let titles: Vec<String> = report.images[0].manifests.iter().map(|m| m.title()).collect();
    assert_eq!(titles, ["linux/amd64".to_owned(), format!("attestation of {}…", image.short())]);
    let headings: Vec<String> = report.images[0].manifests.iter().map(|m| m.heading()).collect();
    assert_eq!(headings, ["Platform linux/amd64".to_owned(), format!("Attestation of {}…", image.short())]);

    let checks = verify_all(&archive);
    assert!(checks[0].ok(), "{:?}", checks[0].failures());
    assert_eq!(checks[0].manifests[1].platform, titles[1]);
}
