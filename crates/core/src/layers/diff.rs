//! What differs between two images: their layers (by identity), the parts of their configs that
//! decide how a container runs, and the files of their merged views.
//!
//! Two layers are the same layer when their diff IDs (the uncompressed content) are equal, so a
//! layer stored gzip'd in a registry and uncompressed in a `docker save` is shared; without diff
//! IDs, when their digests are. Layers are listed by digest (A's, for shared ones).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::entry::Kind;
use super::merged::{MergedEntry, MergedFs};
use crate::config::{ContainerConfig, ImageConfig};
use crate::digest::Digest;

/// A layer as the diff compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerId {
    /// The blob's digest, as listed.
    pub digest: Digest,
    /// The config's diff ID for it.
    pub diff_id: Option<Digest>,
}

impl LayerId {
    /// The same layer: equal diff IDs when both have one, else equal digests.
    pub fn same(&self, other: &LayerId) -> bool {
        match (&self.diff_id, &other.diff_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.digest == other.digest,
        }
    }
}

/// `diff --json`: `{"layers": {"shared", "only_a", "only_b"}, "config": [{"field", "a", "b"}],
/// "files": {"added", "removed", "changed"}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDiff {
    /// Layers by digest.
    pub layers: LayerDiff,
    /// Config fields that differ.
    pub config: Vec<ConfigChange>,
    /// Files of the merged views, by path.
    pub files: FileDiff,
}

/// Layers in both images, only in A, only in B (each in its image's order).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDiff {
    /// In both (A's digests).
    pub shared: Vec<Digest>,
    /// Only in A.
    pub only_a: Vec<Digest>,
    /// Only in B.
    pub only_b: Vec<Digest>,
}

/// One config difference: `env.NAME` and `labels.KEY` per variable and label; `entrypoint`,
/// `cmd`, `user`, `working_dir`, `exposed_ports` whole. Absent (or empty) is `null`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChange {
    /// Which field.
    pub field: String,
    /// A's value.
    pub a: Value,
    /// B's value.
    pub b: Value,
}

/// Paths added in B, removed from A, and changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDiff {
    /// Paths only in B.
    pub added: Vec<String>,
    /// Paths only in A.
    pub removed: Vec<String>,
    /// Paths in both whose type, size, mode, content or link target differ.
    pub changed: Vec<FileChange>,
}

/// A path in both images that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    /// The path.
    pub path: String,
    /// What differs: any of `type`, `size`, `mode`, `sha256`, `link`.
    pub fields: Vec<String>,
    /// The path in A.
    pub a: FileFacts,
    /// The path in B.
    pub b: FileFacts,
}

/// What the diff compares of a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    /// file, dir, symlink, …
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Content bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Content sha256 (regular files, and hard links through their target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Digest>,
    /// Link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The 1-based layer that last wrote it.
    pub layer: usize,
}

impl FileFacts {
    fn of(e: &MergedEntry) -> FileFacts {
        FileFacts {
            kind: e.entry.kind,
            size: e.content.as_ref().map_or(e.entry.size, |c| c.size),
            mode: e.entry.mode,
            sha256: e.content.as_ref().and_then(|c| c.sha256.clone()),
            link: e.entry.link.clone(),
            layer: e.layer,
        }
    }
}

/// The layers of A and B compared.
pub fn diff_layers(a: &[LayerId], b: &[LayerId]) -> LayerDiff {
    let in_b = |l: &LayerId| b.iter().any(|o| o.same(l));
    let in_a = |l: &LayerId| a.iter().any(|o| o.same(l));
    LayerDiff {
        shared: a.iter().filter(|l| in_b(l)).map(|l| l.digest.clone()).collect(),
        only_a: a.iter().filter(|l| !in_b(l)).map(|l| l.digest.clone()).collect(),
        only_b: b.iter().filter(|l| !in_a(l)).map(|l| l.digest.clone()).collect(),
    }
}

/// The run-time config of A and B compared (a missing config compares as an empty one).
pub fn diff_config(a: Option<&ImageConfig>, b: Option<&ImageConfig>) -> Vec<ConfigChange> {
    let empty = ContainerConfig::default();
    let a = a.and_then(|c| c.config.as_ref()).unwrap_or(&empty);
    let b = b.and_then(|c| c.config.as_ref()).unwrap_or(&empty);
    let mut changes = Vec::new();
    let mut compare = |field: String, a: Value, b: Value| {
        if a != b {
            changes.push(ConfigChange { field, a, b });
        }
    };
    let text = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map_or(Value::Null, Value::from);
    let list =
        |v: Option<&Vec<String>>| v.filter(|l| !l.is_empty()).map_or(Value::Null, |l| Value::from(l.clone()));
    let (env_a, env_b) = (env_map(&a.env), env_map(&b.env));
    for name in keys(&env_a, &env_b) {
        compare(format!("env.{name}"), opt(env_a.get(name)), opt(env_b.get(name)));
    }
    compare("entrypoint".into(), list(a.entrypoint.as_ref()), list(b.entrypoint.as_ref()));
    compare("cmd".into(), list(a.cmd.as_ref()), list(b.cmd.as_ref()));
    for key in keys(&a.labels, &b.labels) {
        compare(format!("labels.{key}"), opt(a.labels.get(key)), opt(b.labels.get(key)));
    }
    compare("user".into(), text(&a.user), text(&b.user));
    compare("working_dir".into(), text(&a.working_dir), text(&b.working_dir));
    let ports = |c: &ContainerConfig| {
        let mut ports = c.exposed_ports.clone();
        ports.sort();
        list(Some(&ports))
    };
    compare("exposed_ports".into(), ports(a), ports(b));
    changes
}

/// `NAME=value` strings as a map (the last one wins, as at run time; no `=` is an empty value).
fn env_map(env: &[String]) -> BTreeMap<String, String> {
    env.iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (pair.clone(), String::new()),
        })
        .collect()
}

fn keys<'a>(a: &'a BTreeMap<String, String>, b: &'a BTreeMap<String, String>) -> Vec<&'a String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys
}

fn opt(value: Option<&String>) -> Value {
    value.map_or(Value::Null, |v| Value::from(v.as_str()))
}

/// The merged views of A and B compared, path by path (both are sorted, so one walk does it).
pub fn diff_files(a: &MergedFs, b: &MergedFs) -> FileDiff {
    let mut diff = FileDiff::default();
    let (mut a, mut b) = (a.entries().peekable(), b.entries().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => return diff,
            (Some(x), None) => {
                diff.removed.push(x.entry.path.clone());
                a.next();
            }
            (None, Some(y)) => {
                diff.added.push(y.entry.path.clone());
                b.next();
            }
            (Some(x), Some(y)) => match x.entry.path.cmp(&y.entry.path) {
                std::cmp::Ordering::Less => {
                    diff.removed.push(x.entry.path.clone());
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    diff.added.push(y.entry.path.clone());
                    b.next();
                }
                std::cmp::Ordering::Equal => {
                    let (fa, fb) = (FileFacts::of(x), FileFacts::of(y));
                    let fields = changed_fields(&fa, &fb);
                    if !fields.is_empty() {
                        diff.changed.push(FileChange { path: x.entry.path.clone(), fields, a: fa, b: fb });
                    }
                    a.next();
                    b.next();
                }
            },
        }
    }
}

fn changed_fields(a: &FileFacts, b: &FileFacts) -> Vec<String> {
    let mut fields = Vec::new();
    if a.kind != b.kind {
        fields.push("type");
    }
    // A directory's size says nothing about its contents.
    if a.size != b.size && a.kind != Kind::Dir && b.kind != Kind::Dir {
        fields.push("size");
    }
    if a.mode != b.mode {
        fields.push("mode");
    }
    if let (Some(x), Some(y)) = (&a.sha256, &b.sha256)
        && x != y
    {
        fields.push("sha256");
    }
    if a.link != b.link {
        fields.push("link");
    }
    fields.into_iter().map(str::to_owned).collect()
}

/// Everything compared.
pub fn diff_images(
    layers: (&[LayerId], &[LayerId]),
    configs: (Option<&ImageConfig>, Option<&ImageConfig>),
    files: (&MergedFs, &MergedFs),
) -> ImageDiff {
    ImageDiff {
        layers: diff_layers(layers.0, layers.1),
        config: diff_config(configs.0, configs.1),
        files: diff_files(files.0, files.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> ImageConfig {
        ImageConfig::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn config_fields_compare_per_variable_and_label() {
        let a = config(
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},
            "config":{"Env":["PATH=/bin","VERSION=1"],"Cmd":["run"],"Labels":{"v":"1","same":"x"},
            "User":"","WorkingDir":"/app","ExposedPorts":{"80/tcp":{}}}}"#,
        );
        let b = config(
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},
            "config":{"Env":["PATH=/bin","VERSION=2","NEW"],"Entrypoint":["/init"],"Cmd":["run"],
            "Labels":{"v":"2","same":"x"},"User":"app","WorkingDir":"/app",
            "ExposedPorts":{"443/tcp":{},"80/tcp":{}}}}"#,
        );
        let changes: Vec<(String, Value, Value)> =
            diff_config(Some(&a), Some(&b)).into_iter().map(|c| (c.field, c.a, c.b)).collect();
        assert_eq!(
            changes,
            [
                ("env.NEW".into(), Value::Null, Value::from("")),
                ("env.VERSION".into(), Value::from("1"), Value::from("2")),
                ("entrypoint".into(), Value::Null, serde_json::json!(["/init"])),
                ("labels.v".into(), Value::from("1"), Value::from("2")),
                ("user".into(), Value::Null, Value::from("app")),
                (
                    "exposed_ports".into(),
                    serde_json::json!(["80/tcp"]),
                    serde_json::json!(["443/tcp", "80/tcp"])
                ),
            ]
        );
        assert!(diff_config(Some(&a), Some(&a)).is_empty());
    }

    #[test]
    fn layers_are_the_same_by_diff_id_else_by_digest() {
        let d = |s: &str| Digest::sha256_of(s.as_bytes());
        let id = |digest: &str, diff_id: Option<&str>| LayerId { digest: d(digest), diff_id: diff_id.map(d) };
        // The base is gzip'd in A and stored plain in B: same diff ID, other digests.
        let a = [id("base.gz", Some("base")), id("a-only", Some("a")), id("no-diff-id", None)];
        let b = [id("base.tar", Some("base")), id("b-only", Some("b")), id("no-diff-id", None)];
        let diff = diff_layers(&a, &b);
        assert_eq!(diff.shared, [d("base.gz"), d("no-diff-id")]);
        assert_eq!((diff.only_a, diff.only_b), (vec![d("a-only")], vec![d("b-only")]));
    }
}
