//! The foreign-layer policy against the real Pulp: without --allow-foreign-layers the copy of the
//! origin-story image is refused with exit 3, names both foreign layers, and Pulp shows no new
//! repository, distribution or blob. In a test binary of its own, so that no other test of this
//! suite changes Pulp's counts meanwhile.

mod support;
use support::{Pulp, Registries, foreign_layers, unique, waybill};

#[test]
fn copy_into_pulp_without_the_flag_is_refused_and_uploads_nothing() {
    let pulp = Pulp::from_env();
    let registries = Registries::from_env();
    let fixture = registries.fixture("fixtures/origin-story:windows-amd64-1.13.0");
    let foreign = foreign_layers(fixture);
    assert_eq!(foreign.len(), 2, "the fixture has two foreign layers");

    let repositories = pulp.count("repositories/?limit=1");
    let distributions = pulp.count("distributions/?limit=1");
    let blobs = pulp.count("content/container/blobs/?limit=1");

    let repository = unique("refused");
    let destination = format!("{}/{repository}:1", pulp.host());
    let run = waybill(
        &["copy", &registries.source("fixtures/origin-story:windows-amd64-1.13.0"), &destination],
        &[("WAYBILL_USERNAME", &pulp.user), ("WAYBILL_PASSWORD", &pulp.password)],
    )
    .expect(3);
    for digest in &foreign {
        assert!(run.stderr.contains(digest.as_str()), "the refusal names {digest}:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("--allow-foreign-layers"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was uploaded"), "{}", run.stderr);

    assert_eq!(pulp.count("repositories/?limit=1"), repositories, "a repository appeared");
    assert_eq!(pulp.count("distributions/?limit=1"), distributions, "a distribution appeared");
    assert_eq!(pulp.count("content/container/blobs/?limit=1"), blobs, "blobs appeared");
    assert_eq!(pulp.count(&format!("distributions/container/container/?base_path={repository}")), 0);
}
