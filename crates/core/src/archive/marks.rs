//! Foreign layers that lost their marks.
//!
//! A foreign layer is known by its media type, and a docker-save archive can only say it in
//! `LayerSources` (`docker save` writes it; skopeo's `docker-archive:` does not, and `docker
//! save` leaves it out where the daemon no longer knows the layer's source). Without it, a
//! Windows image's base layers are ordinary uncompressed tars in the archive, and a push would
//! upload Microsoft's layers as ordinary layers: that redistributes them, and the image's digests
//! change — with no word said. Nothing in the archive can prove it either way, so every Windows
//! image of a docker-save archive without `LayerSources` is suspected, and the layers whose
//! history has the shape of Windows base layers (`Apply image …`, `Install update …`, which is
//! what Microsoft's foreign layers were) are named.

use serde::{Deserialize, Serialize};

use super::model::{ArchiveImage, ArchiveManifest, ImageFormat};

/// A layer that was most likely foreign when it was published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostMark {
    /// Its position, 1-based, base layer first.
    pub position: usize,
    /// The path of its file in the archive.
    pub path: String,
    /// Its size in the archive (the uncompressed tar).
    pub size: u64,
    /// The history step that made it (`Apply image 10.0.14393.0`).
    pub created_by: String,
}

/// A Windows image whose archive keeps no foreign-layer marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostMarks {
    /// The image's platform, e.g. `windows(10.0.14393.1066)/amd64`.
    pub platform: String,
    /// How many layers the image has.
    pub layer_count: usize,
    /// The layers whose history says they are Windows base layers; may be empty (a history
    /// rewritten or squashed), and the image is suspected all the same.
    pub base_layers: Vec<LostMark>,
}

impl LostMarks {
    /// What is wrong, in words every shell can show (none names a flag or a control).
    pub fn describe(&self) -> String {
        let which = if self.base_layers.is_empty() {
            "its base layers".to_owned()
        } else {
            let named: Vec<String> = self
                .base_layers
                .iter()
                .map(|l| format!("layer {} of {} ({})", l.position, self.layer_count, l.created_by))
                .collect();
            named.join(", ")
        };
        format!(
            "this {} image comes from a docker-save archive without LayerSources, so its foreign \
             (non-distributable) layers may have lost their marks: skopeo's docker-archive: and docker \
             save without LayerSources write them as ordinary layers. Pushed as it is, {which} would go up \
             as ordinary layers — redistributing Microsoft's base layers and changing the image's digests. \
             Archives that keep the marks: docker save with LayerSources, or waybill save",
            self.platform
        )
    }
}

/// Whether `image` is a Windows image from a docker-save archive that records no foreign layer
/// (no `LayerSources`): the marks, if there were any, are lost.
pub fn lost_marks(image: &ArchiveImage) -> Option<LostMarks> {
    if image.format != ImageFormat::DockerSave || !image.unused_layer_sources.is_empty() {
        return None;
    }
    let windows = image.manifests.iter().find(|m| m.platform.os.eq_ignore_ascii_case("windows"))?;
    if image.manifests.iter().flat_map(|m| &m.layers).any(|l| l.declared.is_some()) {
        return None;
    }
    Some(LostMarks {
        platform: windows.platform.to_string(),
        layer_count: windows.layers.len(),
        base_layers: base_layers(windows),
    })
}

/// The layers whose history step has the shape of a Windows base layer.
fn base_layers(manifest: &ArchiveManifest) -> Vec<LostMark> {
    let Some(config) = &manifest.config.config else { return Vec::new() };
    // History entries that made a layer, in layer order.
    let steps = config.history.iter().filter(|h| !h.empty_layer);
    manifest
        .layers
        .iter()
        .zip(steps)
        .enumerate()
        .filter_map(|(i, (layer, step))| {
            let created_by = step.created_by.as_deref()?.trim();
            let base = created_by.starts_with("Apply image ") || created_by.starts_with("Install update ");
            base.then(|| LostMark {
                position: i + 1,
                path: layer.path.clone(),
                size: layer.stored.as_ref().map_or(0, |s| s.size),
                created_by: created_by.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::archive::{ArchiveConfig, ArchiveLayer, Stored};
    use crate::config::ImageConfig;
    use crate::manifest::{Descriptor, Platform};
    use crate::media::Compression;

    const FOREIGN: &str = r#"{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "size":5,"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}"#;

    fn stored(path: &str, size: u64) -> Stored {
        Stored { path: path.into(), offset: 0, size, compression: Compression::None, facts: None }
    }

    /// A docker-save image of `os`, its layers made by `steps` (a history step per layer).
    fn image(os: &str, steps: &[&str], declared: Option<&str>) -> ArchiveImage {
        let history: Vec<String> = steps
            .iter()
            .map(|s| format!(r#"{{"created_by":"{s}"}},{{"created_by":"ENV","empty_layer":true}}"#))
            .collect();
        let config = format!(
            r#"{{"architecture":"amd64","os":"{os}","rootfs":{{"type":"layers","diff_ids":[]}},"history":[{}]}}"#,
            history.join(",")
        );
        let parsed = ImageConfig::parse(config.as_bytes()).unwrap();
        let descriptor: Descriptor = serde_json::from_str(FOREIGN).unwrap();
        let layers = (0..steps.len())
            .map(|i| ArchiveLayer {
                declared: declared.filter(|_| i == 0).map(|_| descriptor.clone()),
                path: format!("{i}.tar"),
                stored: Some(stored(&format!("{i}.tar"), 100 + i as u64)),
                diff_id: None,
            })
            .collect();
        ArchiveImage {
            names: vec!["win:1".into()],
            format: ImageFormat::DockerSave,
            top: None,
            manifests: vec![ArchiveManifest {
                document: None,
                misnamed: Vec::new(),
                platform: Platform { os: os.into(), architecture: "amd64".into(), ..Platform::default() },
                attests: None,
                config: ArchiveConfig {
                    descriptor: descriptor.clone(),
                    path: "c.json".into(),
                    stored: stored("c.json", 10),
                    config: Some(Arc::new(parsed)),
                },
                layers,
            }],
            unused_layer_sources: Vec::new(),
        }
    }

    #[test]
    fn a_windows_docker_save_without_layer_sources_lost_its_marks() {
        let steps = ["Apply image 10.0.14393.0", "Install update 10.0.14393.1066", "cmd /S /C #(nop) COPY x"];
        let lost = lost_marks(&image("windows", &steps, None)).expect("suspected");
        assert_eq!(lost.layer_count, 3);
        let named: Vec<(usize, &str, u64)> =
            lost.base_layers.iter().map(|l| (l.position, l.created_by.as_str(), l.size)).collect();
        assert_eq!(named, [(1, steps[0], 100), (2, steps[1], 101)], "the empty steps are skipped");
        let text = lost.describe();
        for words in
            ["layer 1 of 3 (Apply image 10.0.14393.0)", "docker save with LayerSources", "waybill save"]
        {
            assert!(text.contains(words), "{words}: {text}");
        }
        assert!(!text.contains("--"), "no CLI flag: {text}");
    }

    #[test]
    fn any_windows_image_is_suspected_even_with_a_history_that_names_no_base() {
        let lost = lost_marks(&image("windows", &["squashed"], None)).expect("suspected");
        assert!(lost.base_layers.is_empty());
        assert!(lost.describe().contains("its base layers"));
    }

    #[test]
    fn marks_kept_or_never_there_are_not_suspected() {
        let steps = ["Apply image 10.0.14393.0", "cmd"];
        assert_eq!(
            lost_marks(&image("windows", &steps, Some("LayerSources"))),
            None,
            "LayerSources kept them"
        );
        assert_eq!(lost_marks(&image("linux", &steps, None)), None, "Linux layers were never foreign");
        let mut oci = image("windows", &steps, None);
        oci.format = ImageFormat::OciLayout;
        assert_eq!(lost_marks(&oci), None, "an OCI layout keeps the media types");
    }
}
