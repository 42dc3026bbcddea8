//! Foreign layers in archives against the real Pulp, where nothing must be uploaded: refused by
//! default (exit 3), refused when allowed but the archive lacks their blobs (docker save keeps
//! only the uncompressed tar; skopeo's oci-archive leaves them out), and `--fetch-foreign`
//! refusing URLs it must not fetch or cannot reach. After each, Pulp's REST API shows no
//! repository or distribution of the target's name, and no more of the image's blobs than before.

mod support;
use serde_json::Value;
use support::archives::{Foreign, docker_archive, oci_archive, registry_blob, with_layer_sources, work_dir};
use support::{Pulp, Registries, foreign_layers, unique, waybill};

/// What Pulp holds of this test's image: each of its blobs (counted by digest, so that other work
/// on the same Pulp — another suite, a developer — does not move the numbers).
struct Counts {
    blobs: Vec<(String, u64)>,
}

fn counts(pulp: &Pulp, digests: &[String]) -> Counts {
    let blobs = digests
        .iter()
        .map(|d| (d.clone(), pulp.count(&format!("content/container/blobs/?digest={d}&limit=1"))))
        .collect();
    Counts { blobs }
}

fn assert_untouched(pulp: &Pulp, before: &Counts, repository: &str, case: &str) {
    let digests: Vec<String> = before.blobs.iter().map(|(d, _)| d.clone()).collect();
    assert_eq!(counts(pulp, &digests).blobs, before.blobs, "{case}: blobs of the image appeared");
    let named = |path: &str| pulp.count(&format!("{path}{repository}"));
    assert_eq!(named("repositories/container/container/?name="), 0, "{case}: a repository appeared");
    assert_eq!(named("distributions/container/container/?base_path="), 0, "{case}: a distribution appeared");
}

fn foreign_sources(
    registries: &Registries,
    fixture: &Value,
    with_blob: bool,
    urls: Option<Vec<String>>,
) -> Vec<Foreign> {
    fixture["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter(|l| l["foreign"] == true)
        .map(|l| {
            let digest = l["digest"].as_str().expect("digest");
            let urls = urls.clone().map_or_else(|| l["urls"].clone(), |u| serde_json::json!(u));
            Foreign {
                diff_id: l["diffId"].as_str().expect("diffId").to_owned(),
                descriptor: serde_json::json!({"mediaType": l["mediaType"], "size": l["size"], "digest": digest, "urls": urls}),
                with_blob: with_blob.then(|| registry_blob(registries, "fixtures/origin-story", digest)),
            }
        })
        .collect()
}

#[test]
fn foreign_layers_in_archives_leave_pulp_untouched_unless_pushable() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let name = "fixtures/origin-story:windows-amd64-1.13.0";
    let fixture = registries.fixture(name);
    let dir = work_dir("policy");
    let saved = dir.join("saved.tar");
    docker_archive(&registries, name, &saved, &[]);
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let mut watched = support::fixture_blobs(fixture);
    watched.extend(support::fixture_blobs(registries.fixture("fixtures/oci-nondist:v1")));
    let before = counts(&pulp, &watched);

    // 1. Foreign layers with their blobs, no flag: exit 3, both layers named.
    let with_blobs = dir.join("with-blobs.tar");
    with_layer_sources(&saved, &with_blobs, &foreign_sources(&registries, fixture, true, None));
    let repository = unique("archive-refused");
    let destination = format!("{}/{repository}:w", pulp.host());
    let run = waybill(&["push", &with_blobs.display().to_string(), &destination], &login).expect(3);
    for digest in foreign_layers(fixture) {
        assert!(run.stderr.contains(&digest), "the refusal names {digest}: {}", run.stderr);
    }
    assert!(
        run.stderr.contains("--allow-foreign-layers") && run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
    assert_untouched(&pulp, &before, &repository, "refused by default");

    // 2. Allowed, but the archive holds only the uncompressed tars (as `docker save` writes
    //    them): Pulp needs the blobs, so the push is refused and says how to fetch them.
    let tars_only = dir.join("tars-only.tar");
    with_layer_sources(&saved, &tars_only, &foreign_sources(&registries, fixture, false, None));
    let tars_path = tars_only.display().to_string();
    let report: Value =
        serde_json::from_str(&waybill(&["inspect", "--json", &tars_path], &[]).expect(0).stdout)
            .expect("JSON");
    let rows = report["images"][0]["manifests"][0]["layers"].as_array().expect("layers");
    assert_eq!(rows[0]["presence"], "uncompressed-only");
    assert_eq!(rows[0]["foreign"], true);
    let repository = unique("archive-absent");
    let destination = format!("{}/{repository}:w", pulp.host());
    let run = waybill(&["push", "--allow-foreign-layers", &tars_path, &destination], &login).expect(1);
    assert!(run.stderr.contains("2 foreign layers are not in the archive"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--fetch-foreign") && run.stderr.contains("uncompressed tar"),
        "{}",
        run.stderr
    );
    assert_untouched(&pulp, &before, &repository, "blobs absent");

    // 3. --fetch-foreign with the fixtures' urls (https, under .invalid, which never resolves):
    //    the download fails before any upload starts.
    let run =
        waybill(&["push", "--allow-foreign-layers", "--fetch-foreign", &tars_path, &destination], &login)
            .expect(1);
    assert!(run.stderr.contains("mcr.microsoft.com.invalid"), "{}", run.stderr);
    assert_untouched(&pulp, &before, &repository, "unreachable urls");

    // 4. --fetch-foreign never goes to a loopback address or over plain http.
    for url in ["https://127.0.0.1:5301/v2/x", "http://example.com/blob", "https://user:pw@example.com/blob"]
    {
        let archive = dir.join("private-urls.tar");
        with_layer_sources(
            &saved,
            &archive,
            &foreign_sources(&registries, fixture, false, Some(vec![url.to_owned()])),
        );
        let path = archive.display().to_string();
        let run =
            waybill(&["push", "--allow-foreign-layers", "--fetch-foreign", &path, &destination], &login)
                .expect(1);
        assert!(run.stderr.contains(&format!("refusing to use {url}")), "{url}: {}", run.stderr);
        assert_untouched(&pulp, &before, &repository, url);
    }

    // 5. skopeo's oci-archive leaves the nondistributable blob out: allowed, still refused.
    let oci = dir.join("nondist.oci.tar");
    oci_archive(&registries, "fixtures/oci-nondist:v1", &oci, false);
    let run = waybill(&["push", "--allow-foreign-layers", &oci.display().to_string(), &destination], &login)
        .expect(1);
    assert!(run.stderr.contains("1 foreign layer is not in the archive"), "{}", run.stderr);
    assert!(run.stderr.contains("the archive does not have it"), "{}", run.stderr);
    assert_untouched(&pulp, &before, &repository, "oci-archive without the blob");
}
