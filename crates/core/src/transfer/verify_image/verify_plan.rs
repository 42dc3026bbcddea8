//! What verifying one image checks, decided once for every shell: its config first, then each
//! layer in manifest order with the diff ID the config gives it at its position, and what is
//! wrong with the image as a whole. `waybill verify` (and the Worker) run the plan with the
//! core's flow; the app runs it with its hashing workers, a blob when it is asked for.

use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageManifest};

/// What reading the config gave, as the plan needs it.
#[derive(Clone, Debug)]
pub enum ConfigRead<'a> {
    /// An image config: its diff IDs are compared.
    Image(&'a ImageConfig),
    /// An artifact's config (or the empty descriptor): no diff IDs, and nothing wrong.
    Artifact,
    /// It could not be read or parsed: this says why, as the report shows it.
    Unreadable(String),
}

/// One layer to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerCheck {
    /// Its descriptor.
    pub descriptor: Descriptor,
    /// The config's diff ID at its position, when the config gives one.
    pub expected_diff_id: Option<Digest>,
}

/// The checks of one image manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyPlan {
    /// The config blob: checked first, since the layers' diff IDs come from it.
    pub config: Descriptor,
    /// The layers, in manifest order.
    pub layers: Vec<LayerCheck>,
    /// What is wrong with the image as a whole: a config that cannot be read, diff IDs (or
    /// history steps) that do not count the layers.
    pub problems: Vec<String>,
}

impl VerifyPlan {
    /// The plan for `manifest`, its config read as `config` says.
    pub fn new(manifest: &ImageManifest, config: ConfigRead<'_>) -> VerifyPlan {
        let (diff_ids, problem) = match config {
            ConfigRead::Image(config) => (
                Some(&config.rootfs.diff_ids),
                config.check_layer_count(manifest.layers.len()).err().map(|e| e.to_string()),
            ),
            ConfigRead::Artifact => (None, None),
            ConfigRead::Unreadable(why) => (None, Some(why)),
        };
        let layers = manifest
            .layers
            .iter()
            .enumerate()
            .map(|(i, descriptor)| LayerCheck {
                descriptor: descriptor.clone(),
                expected_diff_id: diff_ids.and_then(|ids| ids.get(i)).cloned(),
            })
            .collect();
        VerifyPlan { config: manifest.config.clone(), layers, problems: problem.into_iter().collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Manifest, ManifestDocument};

    fn digest(n: u8) -> String {
        format!("sha256:{}", format!("{n:02x}").repeat(32))
    }

    fn manifest(layers: u8) -> ImageManifest {
        let layer = |n: u8| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{n}}}"#,
                digest(n)
            )
        };
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
            "config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},
            "layers":[{}]}}"#,
            digest(200),
            (1..=layers).map(layer).collect::<Vec<_>>().join(",")
        );
        match ManifestDocument::parse(json.into_bytes(), None).unwrap().manifest() {
            Manifest::Image(image) => image.clone(),
            other => panic!("not an image manifest: {other:?}"),
        }
    }

    fn config(diff_ids: &[u8]) -> ImageConfig {
        let ids: Vec<String> = diff_ids.iter().map(|&n| format!("\"{}\"", digest(n + 100))).collect();
        let json = format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
            ids.join(",")
        );
        ImageConfig::parse(json.as_bytes()).unwrap()
    }

    fn expected(plan: &VerifyPlan) -> Vec<Option<String>> {
        plan.layers.iter().map(|l| l.expected_diff_id.as_ref().map(ToString::to_string)).collect()
    }

    #[test]
    fn each_layer_is_compared_with_the_diff_id_at_its_position() {
        let plan = VerifyPlan::new(&manifest(2), ConfigRead::Image(&config(&[1, 2])));
        assert_eq!(plan.config.digest.to_string(), digest(200));
        assert_eq!(plan.layers.iter().map(|l| l.descriptor.size).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(expected(&plan), [Some(digest(101)), Some(digest(102))]);
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    }

    #[test]
    fn a_count_that_differs_is_a_problem_and_the_layers_past_it_have_no_diff_id() {
        let plan = VerifyPlan::new(&manifest(3), ConfigRead::Image(&config(&[1, 2])));
        assert_eq!(expected(&plan), [Some(digest(101)), Some(digest(102)), None]);
        assert_eq!(plan.problems.len(), 1);
        assert!(plan.problems[0].contains("diff_ids"), "{:?}", plan.problems);
    }

    #[test]
    fn an_artifact_has_no_diff_ids_and_an_unreadable_config_says_why() {
        let artifact = VerifyPlan::new(&manifest(2), ConfigRead::Artifact);
        assert_eq!(expected(&artifact), [None, None]);
        assert!(artifact.problems.is_empty());
        let unreadable =
            VerifyPlan::new(&manifest(1), ConfigRead::Unreadable("config unreadable: 404".into()));
        assert_eq!(expected(&unreadable), [None]);
        assert_eq!(unreadable.problems, ["config unreadable: 404"]);
    }
}
