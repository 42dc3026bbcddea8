//! The config's `history` lined up with the manifest's layers: each step that made a layer
//! (`empty_layer` false) describes the next layer; ENV, CMD and the like made none and are marked
//! so. When the counts disagree, the steps are still lined up as far as they go, and the
//! disagreement is reported rather than hidden.

use serde::{Deserialize, Serialize};

use crate::config::ImageConfig;

/// One history step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The command (`/bin/sh -c #(nop) ADD file:… in /`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When (RFC 3339, as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The step made no layer.
    pub empty_layer: bool,
    /// The 1-based layer the step made; `None` for empty steps and for steps beyond the layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

/// The history of an image, lined up with its layers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// How the config and the layers disagree (layer-making steps or diff_ids against layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<String>,
}

impl History {
    /// Lines up `config`'s history with `layers` layers (no config: no steps).
    pub fn align(config: Option<&ImageConfig>, layers: usize) -> History {
        let Some(config) = config else { return History::default() };
        let mut next = 0;
        let steps = config
            .history
            .iter()
            .map(|step| {
                let layer = (!step.empty_layer && next < layers).then(|| {
                    next += 1;
                    next
                });
                Step {
                    created_by: step.created_by.clone(),
                    created: step.created.clone(),
                    comment: step.comment.clone(),
                    empty_layer: step.empty_layer,
                    layer,
                }
            })
            .collect();
        History { steps, mismatch: config.check_layer_count(layers).err().map(|e| e.to_string()) }
    }

    /// The step that made layer `layer` (1-based), if the history names one.
    pub fn for_layer(&self, layer: usize) -> Option<&Step> {
        self.steps.iter().find(|s| s.layer == Some(layer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn config(steps: &[(&str, bool)], diff_ids: usize) -> ImageConfig {
        let digest = crate::digest::Digest::sha256_of(b"x");
        ImageConfig {
            history: steps
                .iter()
                .map(|(by, empty)| config::History {
                    created_by: Some((*by).into()),
                    empty_layer: *empty,
                    ..Default::default()
                })
                .collect(),
            rootfs: config::RootFs { fs_type: "layers".into(), diff_ids: vec![digest; diff_ids] },
            ..Default::default()
        }
    }

    #[test]
    fn steps_line_up_with_layers() {
        let c = config(&[("ADD a", false), ("ENV x=1", true), ("RUN b", false)], 2);
        let h = History::align(Some(&c), 2);
        assert_eq!(h.steps.iter().map(|s| s.layer).collect::<Vec<_>>(), [Some(1), None, Some(2)]);
        assert_eq!(h.for_layer(2).and_then(|s| s.created_by.as_deref()), Some("RUN b"));
        assert_eq!(h.mismatch, None);
    }

    #[test]
    fn a_mismatch_is_reported_and_the_steps_still_line_up() {
        let c = config(&[("ADD a", false), ("RUN b", false), ("RUN c", false)], 2);
        let h = History::align(Some(&c), 2);
        assert_eq!(h.steps.iter().map(|s| s.layer).collect::<Vec<_>>(), [Some(1), Some(2), None]);
        assert!(h.mismatch.unwrap().contains("3 steps that made a layer"));
        assert_eq!(History::align(None, 3), History::default());
    }
}
