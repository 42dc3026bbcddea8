//! Strict JSON for documents whose bytes are their identity (manifests, configs).
//!
//! serde_json accepts a JSON object with the same key twice and silently keeps the last one
//! when it fills a map (and in `flatten`ed structs). Two parsers that disagree on which value
//! wins can be made to see two different images behind one digest, so Waybill refuses duplicate
//! keys anywhere in the document. [`check_strict`] walks the whole document once for that; then
//! [`from_slice`] parses the typed form, recording the path (`layers[2].size`) of any error next
//! to serde_json's line and column.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A JSON error with where it happened: the path inside the document and the line/column.
#[derive(Debug, thiserror::Error)]
pub struct JsonError {
    path: String,
    #[source]
    source: serde_json::Error,
}

impl JsonError {
    /// Where in the document it went wrong, as `layers[2].size` (`.` for the top level).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// 1-based line of the error, as serde_json reports it.
    pub fn line(&self) -> usize {
        self.source.line()
    }

    /// 1-based column of the error, as serde_json reports it.
    pub fn column(&self) -> usize {
        self.source.column()
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path == "." {
            write!(f, "at the top level: {}", self.source)
        } else {
            write!(f, "at `{}`: {}", self.path, self.source)
        }
    }
}

fn run<T>(
    bytes: &[u8],
    parse: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::SliceRead<'_>>) -> Result<T, JsonError>,
) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = parse(&mut de)?;
    // Trailing garbage after the document (`{…} x`) is an error, not something to ignore.
    de.end().map_err(|source| JsonError { path: ".".into(), source })?;
    Ok(value)
}

/// Parses `bytes` as `T`, reporting errors with their path and position.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    run(bytes, |de| {
        serde_path_to_error::deserialize(de)
            .map_err(|e| JsonError { path: tidy_path(e.path().to_string()), source: e.into_inner() })
    })
}

/// Longest path shown; deeper ones keep their tail (the part that says where).
const MAX_PATH_CHARS: usize = 120;

/// Drops the `?` segments serde_path_to_error writes for a key it never got to read (a
/// truncated or malformed object), and shortens very deep paths to their last segments.
fn tidy_path(path: String) -> String {
    let mut path = path.as_str();
    while let Some(parent) = path.strip_suffix(".?").or_else(|| path.strip_suffix('?')) {
        path = parent;
    }
    if path.is_empty() {
        return ".".to_owned();
    }
    match path.char_indices().rev().nth(MAX_PATH_CHARS - 1) {
        Some((cut, _)) => format!("…{}", &path[cut..]),
        None => path.to_owned(),
    }
}

/// Checks that `bytes` is exactly one JSON object, with no duplicate key in any object inside it.
pub(crate) fn check_strict(bytes: &[u8]) -> Result<(), JsonError> {
    from_slice::<TopLevelObject>(bytes).map(|_| ())
}

/// Checks that `bytes` is one JSON value of any kind (docker-save's `manifest.json` is an
/// array), with no duplicate key in any object inside it.
pub(crate) fn check_strict_value(bytes: &[u8]) -> Result<(), JsonError> {
    from_slice::<Strict>(bytes).map(|_| ())
}

/// Accepts a JSON object (checked by [`Strict`]) and nothing else at the top level.
struct TopLevelObject;

impl<'de> Deserialize<'de> for TopLevelObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> Visitor<'de> for ObjectOnly {
            type Value = TopLevelObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object at the top level")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TopLevelObject, A::Error> {
                StrictVisitor.visit_map(map).map(|Strict| TopLevelObject)
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

/// Any JSON value whose objects, at every depth, have no duplicate keys.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        while seq.next_element::<Strict>()?.is_some() {}
        Ok(Strict)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {key:?}: each key may appear only once in an object"
                )));
            }
            map.next_value::<Strict>()?;
            seen.insert(key);
        }
        Ok(Strict)
    }
}
