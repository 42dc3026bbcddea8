use super::*;
use crate::manifest::Platform;
use crate::platform::PlatformSpec;

fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

/// An image manifest with config `n` and the given layers (`(n, foreign)`).
fn image(n: u8, layers: &[(u8, bool)]) -> ManifestDocument {
    let layer = |&(l, foreign): &(u8, bool)| {
        if foreign {
            format!(
                r#"{{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"{}","size":{l},
                "urls":["https://example.com/{l}"]}}"#,
                digest(l)
            )
        } else {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{l}}}"#,
                digest(l)
            )
        }
    };
    let json = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
        "config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{n}}},
        "layers":[{}]}}"#,
        digest(n),
        layers.iter().map(layer).collect::<Vec<_>>().join(",")
    );
    ManifestDocument::parse(json.into_bytes(), None).unwrap()
}

fn resolved(document: &ManifestDocument, platform: Option<&str>) -> ResolvedImage {
    let Manifest::Image(image) = document.manifest() else { panic!("not an image") };
    let platform = platform.map(|p| {
        let (os, architecture) = p.split_once('/').unwrap();
        serde_json::from_value::<Platform>(serde_json::json!({ "os": os, "architecture": architecture }))
            .unwrap()
    });
    ResolvedImage { document: document.clone(), image: image.clone(), platform }
}

/// An index of `images` at `platforms`, and one entry that is no platform's (a signature).
fn index(images: &[(&ManifestDocument, &str)]) -> ManifestDocument {
    let entry = |(document, platform): &(&ManifestDocument, &str)| {
        let (os, architecture) = platform.split_once('/').unwrap();
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},
            "platform":{{"os":"{os}","architecture":"{architecture}"}}}}"#,
            document.digest(),
            document.bytes().len()
        )
    };
    let mut entries: Vec<String> = images.iter().map(entry).collect();
    entries.push(format!(
        r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":9}}"#,
        digest(250)
    ));
    let json = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        entries.join(",")
    );
    ManifestDocument::parse(json.into_bytes(), None).unwrap()
}

fn to<'a>(destination: &'a str, platforms: &'a PlatformChoice) -> PlanFor<'a> {
    PlanFor { source: "src:1.0", destination, mount_from: None, platforms, allow_foreign_layers: false }
}

fn references(plan: &CopyPlan) -> Vec<&str> {
    plan.manifests.iter().map(|put| put.reference.as_str()).collect()
}

fn blob_sizes(plan: &CopyPlan) -> Vec<u64> {
    plan.blobs.iter().map(|step| step.blob.descriptor.size).collect()
}

#[test]
fn an_image_is_its_blobs_config_first_then_its_manifest_under_the_tag() {
    let document = image(100, &[(1, false), (2, false)]);
    let plan = CopyPlan::new(
        document.clone(),
        vec![resolved(&document, None)],
        to("1.0", &PlatformChoice::Unspecified),
    )
    .unwrap();
    assert_eq!(blob_sizes(&plan), [100, 1, 2]);
    assert!(plan.blobs.iter().all(|step| step.route == BlobRoute::Stream && !step.from_urls));
    assert_eq!(references(&plan), ["1.0"]);
    assert_eq!(plan.top().digest(), document.digest());
    assert_eq!(plan.bytes(), 103);
    assert!(plan.platforms.is_empty() && plan.warnings.is_empty(), "{plan:?}");
}

#[test]
fn a_whole_index_puts_its_images_by_digest_first_and_each_shared_blob_once() {
    let (amd, arm) = (image(100, &[(1, false), (2, false)]), image(101, &[(1, false), (3, false)]));
    let top = index(&[(&amd, "linux/amd64"), (&arm, "linux/arm64")]);
    let images = vec![resolved(&amd, Some("linux/amd64")), resolved(&arm, Some("linux/arm64"))];
    let plan = CopyPlan::new(top.clone(), images, to("1.0", &PlatformChoice::All)).unwrap();
    assert_eq!(blob_sizes(&plan), [100, 1, 2, 101, 3]);
    assert_eq!(references(&plan), [amd.digest().to_string().as_str(), &arm.digest().to_string(), "1.0"]);
    assert_eq!(plan.top().digest(), top.digest(), "the index as it is");
    assert_eq!(plan.platforms, ["linux/amd64", "linux/arm64"]);
    assert!(plan.warnings.is_empty(), "nothing left behind: {:?}", plan.warnings);
}

#[test]
fn platforms_picked_out_of_an_index_say_what_they_leave_behind() {
    let (amd, arm) = (image(100, &[(1, false)]), image(101, &[(2, false)]));
    let top = index(&[(&amd, "linux/amd64"), (&arm, "linux/arm64")]);

    let one = PlatformChoice::Only(PlatformSpec::parse("linux/arm64").unwrap());
    let plan =
        CopyPlan::new(top.clone(), vec![resolved(&arm, Some("linux/arm64"))], to("1.0", &one)).unwrap();
    assert_eq!(references(&plan), ["1.0"], "one platform is its image manifest, under the tag");
    assert_eq!(plan.top().digest(), arm.digest());
    assert_eq!(blob_sizes(&plan), [101, 2]);
    assert!(plan.warnings.iter().any(|w| w.contains(&digest(250))), "{:?}", plan.warnings);

    let both = PlatformChoice::Several(vec![
        PlatformSpec::parse("linux/amd64").unwrap(),
        PlatformSpec::parse("linux/arm64").unwrap(),
    ]);
    let images = vec![resolved(&amd, Some("linux/amd64")), resolved(&arm, Some("linux/arm64"))];
    let plan = CopyPlan::new(top.clone(), images, to("1.0", &both)).unwrap();
    assert_eq!(plan.manifests.len(), 3);
    assert_ne!(plan.top().digest(), top.digest(), "a new index of only the chosen images");
    assert!(!String::from_utf8_lossy(plan.top().bytes()).contains(&digest(250)[7..]));
    assert!(plan.warnings.iter().any(|w| w.contains(&digest(250))), "{:?}", plan.warnings);
}

#[test]
fn a_destination_digest_must_be_the_manifest_pushed() {
    let document = image(100, &[(1, false)]);
    let images = || vec![resolved(&document, None)];
    let wrong = digest(7);
    let refused = CopyPlan::new(document.clone(), images(), to(&wrong, &PlatformChoice::Unspecified));
    assert!(matches!(refused, Err(ImageError::DigestTarget { .. })), "{refused:?}");
    let right = document.digest().to_string();
    let plan = CopyPlan::new(document.clone(), images(), to(&right, &PlatformChoice::Unspecified)).unwrap();
    assert_eq!(references(&plan), [right.as_str()]);
}

#[test]
fn a_foreign_layer_is_refused_or_when_allowed_fetched_from_its_urls() {
    let document = image(100, &[(1, true), (2, false)]);
    let images = || vec![resolved(&document, None)];
    let refused = CopyPlan::new(document.clone(), images(), to("1.0", &PlatformChoice::Unspecified));
    let Err(ImageError::Rejected(rejections)) = refused else { panic!("not refused: {refused:?}") };
    assert_eq!(rejections.iter().map(|r| r.digest.to_string()).collect::<Vec<_>>(), [digest(1)]);

    let allowed = PlanFor {
        allow_foreign_layers: true,
        mount_from: Some("library/src"),
        ..to("1.0", &PlatformChoice::Unspecified)
    };
    let plan = CopyPlan::new(document.clone(), images(), allowed).unwrap();
    assert_eq!(plan.blobs.iter().map(|step| step.from_urls).collect::<Vec<_>>(), [false, true, false]);
    assert_eq!(plan.foreign_blobs().map(|b| b.descriptor.size).collect::<Vec<_>>(), [1]);
    let mount = BlobRoute::Mount { from: "library/src".to_owned() };
    assert!(plan.blobs.iter().all(|step| step.route == mount), "same registry: every blob mounted");
}
