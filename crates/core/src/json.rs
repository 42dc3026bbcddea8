//! Strict JSON for documents whose bytes are their identity (manifests, configs).
//!
//! serde_json accepts a JSON object with the same key twice and silently keeps the last one
//! when it fills a map (and in `flatten`ed structs). Two parsers that disagree on which value
//! wins can be made to see two different images behind one digest, so Waybill refuses duplicate
//! keys anywhere in the document. [`check_strict`] walks the whole document once for that, and
//! for its depth ([`MAX_DEPTH`]); then [`from_slice`] parses the typed form, recording the path
//! (`layers[2].size`) of any error next to serde_json's line and column.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
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

/// The deepest nesting of objects and arrays a document may have (the document itself is level
/// 1). serde_json's own limit, 128, refused manifests distribution takes at 200 levels: unknown
/// members, which the OCI spec says to ignore, may nest as deep as Go's encoding/json allows
/// (10,000). That many cannot be checked here: the typed parse skips unknown members without
/// recursing, but the strict walk recurses once per level, and a level costs about 2.2 KiB of
/// stack in a debug build and 0.6 KiB optimised (measured natively). 500 levels take 1.1 MiB of
/// a 2 MiB thread (tests, tokio's workers) in debug, 0.3 MiB optimised, and the refusal at 501
/// passes in Chromium's debug wasm too (tests/manifest_parse.rs): more than twice distribution's
/// 200 with room to spare, where real manifests nest under 10 levels.
pub const MAX_DEPTH: usize = 500;

/// Parses `bytes` as `T`, reporting errors with their path and position. `own_depth_limit`:
/// `T` counts levels itself ([`Strict`]), so serde_json's limit is off.
fn deserialize<T: DeserializeOwned>(bytes: &[u8], own_depth_limit: bool) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    if own_depth_limit {
        de.disable_recursion_limit();
    }
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| JsonError { path: tidy_path(e.path().to_string()), source: e.into_inner() })?;
    // Trailing garbage after the document (`{…} x`) is an error, not something to ignore.
    de.end().map_err(|source| JsonError { path: ".".into(), source })?;
    Ok(value)
}

/// Parses `bytes` as `T`, reporting errors with their path and position. Call a strict check
/// first: it is what bounds the depth of what `T` may buffer.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    deserialize(bytes, false)
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

/// Checks that `bytes` is exactly one JSON object, with no duplicate key in any object inside it
/// and no more than [`MAX_DEPTH`] levels.
pub(crate) fn check_strict(bytes: &[u8]) -> Result<(), JsonError> {
    deserialize::<TopLevelObject>(bytes, true).map(|_| ())
}

/// Checks that `bytes` is one JSON value of any kind (docker-save's `manifest.json` is an
/// array), with no duplicate key in any object inside it and no more than [`MAX_DEPTH`] levels.
pub(crate) fn check_strict_value(bytes: &[u8]) -> Result<(), JsonError> {
    deserialize::<Strict>(bytes, true).map(|_| ())
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
                Level(1).visit_map(map).map(|()| TopLevelObject)
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

/// Any JSON value whose objects, at every depth, have no duplicate keys, nesting at most
/// [`MAX_DEPTH`] levels.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Level(1).deserialize(deserializer).map(|()| Strict)
    }
}

/// Checks a value at this level (1: the document) and everything inside it.
#[derive(Clone, Copy)]
struct Level(usize);

impl Level {
    /// The level of what an object or array at this level holds; an error if this level is past
    /// [`MAX_DEPTH`], found before going any deeper.
    fn inner<E: de::Error>(self) -> Result<Level, E> {
        match self.0 > MAX_DEPTH {
            true => Err(E::custom(format_args!(
                "the document nests deeper than {MAX_DEPTH} levels of objects and arrays"
            ))),
            false => Ok(Level(self.0 + 1)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Level {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Level {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {key:?}: each key may appear only once in an object"
                )));
            }
            map.next_value_seed(inner)?;
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrays(levels: usize) -> Vec<u8> {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels)).into_bytes()
    }

    #[test]
    fn the_document_is_level_one_and_the_limit_is_inclusive() {
        check_strict_value(&arrays(MAX_DEPTH)).unwrap();
        let error = check_strict_value(&arrays(MAX_DEPTH + 1)).unwrap_err();
        assert!(error.to_string().contains("nests deeper than 500 levels"), "{error}");
        // Scalars inside the deepest level add none.
        let text = format!(r#"{{"a":{}1{}}}"#, "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        check_strict(text.as_bytes()).unwrap();
    }
}
