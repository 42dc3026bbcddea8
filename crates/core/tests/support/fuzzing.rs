//! What the property-based fuzz suites share (native only: proptest needs a clock and a file
//! system): a runner that counts executions and prints their rate, byte mutations, random JSON
//! biased towards what manifests hold, and splicing it into a document.
#![allow(dead_code)] // each suite uses some of it

use std::cell::Cell;
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};

/// Runs `check` on `cases` inputs drawn from `strategy` (plus whatever shrinking a failure
/// takes), then prints the executions and their rate — `cargo test -- --nocapture` shows them
/// (docs/benchmarks.md keeps the figures) — and fails with proptest's minimal input, if any.
pub fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let executions = Cell::new(0u64);
    let started = Instant::now();
    let result = runner.run(&strategy, |input| {
        executions.set(executions.get() + 1);
        check(input)
    });
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {name}: {} executions in {seconds:.2} s, {:.0} executions/s",
        executions.get(),
        executions.get() as f64 / seconds
    );
    if let Err(e) = result {
        panic!("fuzz {name}: {e}");
    }
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
pub enum Mutation {
    FlipBit(Index, u8),
    Replace(Index, u8),
    Insert(Index, &'static str),
    Delete(Index, usize),
    Truncate(Index),
}

/// Snippets that tend to reach the interesting error paths.
pub const SNIPPETS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "-1",
    "1.5",
    "1e400",
    "9223372036854775808",
    "null",
    "true",
    "\"sha256:\"",
    "\\u0000",
    "\"size\":1,",
    "\"mediaType\":\"x\",",
    "\u{ff}",
    "\u{2028}",
    "\"a\":{},\"a\":{},",
];

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::FlipBit(i, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<Index>(), select(SNIPPETS)).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

pub fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match mutation {
        Mutation::FlipBit(i, bit) => bytes[i.index(len)] ^= 1 << bit,
        Mutation::Replace(i, b) => bytes[i.index(len)] = *b,
        Mutation::Insert(i, s) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, s.bytes());
        }
        Mutation::Delete(i, n) => {
            let at = i.index(bytes.len());
            bytes.drain(at..(at + n).min(bytes.len()));
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
    }
}

/// `bytes` with every mutation applied in turn.
pub fn mutated(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for m in mutations {
        apply(&mut bytes, m);
    }
    bytes
}

/// Arbitrary JSON, biased towards what manifests contain; `strings` are leaves too (the paths
/// and names a suite wants tried).
pub fn json_value(strings: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
        "[a-z0-9:./+-]{0,80}".prop_map(Value::String),
        select(
            &[
                waybill_core::media::DOCKER_FOREIGN_LAYER,
                waybill_core::media::OCI_NONDIST_ZSTD,
                waybill_core::media::OCI_INDEX,
                waybill_core::media::OCI_MANIFEST,
                waybill_core::media::DOCKER_MANIFEST_V2,
                "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
                "sha512:00",
            ][..]
        )
        .prop_map(Value::from),
        select(strings).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z.]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Walks `steps` into `document` (through objects and arrays only), then sets `key` there to
/// `value` (or appends `value` to an array).
pub fn splice(document: &mut Value, steps: &[Index], key: &str, value: Value) {
    if let Some((step, rest)) = steps.split_first() {
        let child = match document {
            Value::Object(map) if !map.is_empty() => {
                let n = step.index(map.len());
                map.values_mut().nth(n)
            }
            Value::Array(items) if !items.is_empty() => {
                let n = step.index(items.len());
                items.get_mut(n)
            }
            _ => None,
        };
        if let Some(child) = child.filter(|c| c.is_object() || c.is_array()) {
            return splice(child, rest, key, value);
        }
    }
    match document {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items.push(value),
        _ => {}
    }
}

/// How a JSON document under test is made from a valid one.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Arbitrary bytes instead.
    Bytes(Vec<u8>),
    /// Its bytes, mutated.
    Mutated(Vec<Mutation>),
    /// `key` set to a random value somewhere inside it (the steps pick where).
    Spliced { steps: Vec<Index>, key: &'static str, value: Value },
}

impl Edit {
    /// The edited document.
    pub fn apply(&self, valid: &Value) -> Vec<u8> {
        match self {
            Edit::Bytes(bytes) => bytes.clone(),
            Edit::Mutated(mutations) => mutated(&serde_json::to_vec(valid).expect("JSON"), mutations),
            Edit::Spliced { steps, key, value } => {
                let mut document = valid.clone();
                splice(&mut document, steps, key, value.clone());
                serde_json::to_vec(&document).expect("JSON")
            }
        }
    }
}

/// Edits of a JSON document whose keys are `keys` and whose interesting strings are `strings`.
pub fn edit(keys: &'static [&'static str], strings: &'static [&'static str]) -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Edit::Bytes),
        3 => prop::collection::vec(mutation(), 1..6).prop_map(Edit::Mutated),
        4 => (prop::collection::vec(any::<Index>(), 0..4), select(keys), json_value(strings))
            .prop_map(|(steps, key, value)| Edit::Spliced { steps, key, value }),
    ]
}
