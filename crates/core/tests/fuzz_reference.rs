//! Property-based fuzzing of the reference parser, run by `cargo test` like any other test.
//!
//! Inputs: arbitrary Unicode strings, strings over the grammar's own alphabet, references built
//! from grammar fragments (which must parse), and those references with one character mutated.
//! Properties: the parser never panics; anything it accepts prints to a canonical form and a
//! familiar form that both parse back to the same reference; every error column is inside the
//! input. Native only: proptest is not built for wasm32.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use waybill_core::reference::{Reference, ReferenceError, ReferenceErrorKind as Kind};

/// The column an error points at, for the kinds that carry one.
fn column_of(err: &ReferenceError) -> Option<usize> {
    match err.kind() {
        Kind::Uppercase { column, .. }
        | Kind::EmptyComponent { column }
        | Kind::NameCharacter { column, .. }
        | Kind::ComponentEdge { column, .. }
        | Kind::Separator { column, .. }
        | Kind::RegistryCharacter { column, .. }
        | Kind::RegistryLabel { column, .. }
        | Kind::RegistryPort { column, .. }
        | Kind::RegistryIpv6 { column, .. }
        | Kind::EmptyTag { column }
        | Kind::ExtraColon { column }
        | Kind::TagCharacter { column, .. }
        | Kind::Digest { column, .. } => Some(*column),
        _ => None,
    }
}

/// Parses `input` and checks every property that must hold whatever the input is.
fn check(input: &str) -> Result<Option<Reference>, TestCaseError> {
    match Reference::parse(input) {
        Ok(reference) => {
            let canonical = reference.to_string();
            let reparsed = Reference::parse(&canonical);
            prop_assert_eq!(reparsed.as_ref(), Ok(&reference), "canonical {:?} of {:?}", canonical, input);
            let familiar = reference.familiar();
            prop_assert_eq!(Reference::parse(&familiar), Ok(reference.clone()), "familiar {:?}", familiar);
            prop_assert_eq!(reparsed.map(|r| r.to_string()), Ok(canonical));
            Ok(Some(reference))
        }
        Err(err) => {
            prop_assert_eq!(err.input(), input);
            if let Some(column) = column_of(&err) {
                let length = input.chars().count();
                prop_assert!(
                    column >= 1 && column <= length + 1,
                    "column {} in {:?}: {}",
                    column,
                    input,
                    err
                );
            }
            Ok(None)
        }
    }
}

/// One path component: alphanumeric runs joined by the separators the grammar allows.
fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,2}"
}

fn registry() -> impl Strategy<Value = String> {
    let label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,5}[a-zA-Z0-9])?";
    let port = proptest::option::of("[0-9]{1,5}");
    let host = prop_oneof![
        Just("localhost".to_owned()),
        (label, label).prop_map(|(a, b)| format!("{a}.{b}")),
        (any::<[u8; 4]>()).prop_map(|o| format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])),
        "\\[[0-9a-f]{1,4}(:[0-9a-f]{0,4}){1,6}\\]",
    ];
    (host, port).prop_map(|(host, port)| match port {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

fn digest() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{64}".prop_map(|hex| format!("sha256:{hex}")),
        "[0-9a-f]{128}".prop_map(|hex| format!("sha512:{hex}")),
    ]
}

/// A reference that the grammar accepts, assembled from its parts.
fn grammatical() -> impl Strategy<Value = String> {
    (
        proptest::option::of(registry()),
        proptest::collection::vec(component(), 1..4),
        proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
        proptest::option::of(digest()),
    )
        .prop_map(|(registry, mut path, tag, digest)| {
            // Without a registry, a first component with a '.' would be read as a registry host;
            // '-' is a valid separator wherever a '.' was.
            if registry.is_none() && path.len() > 1 {
                path[0] = path[0].replace('.', "-");
            }
            let mut s = registry.map(|r| format!("{r}/")).unwrap_or_default();
            s.push_str(&path.join("/"));
            if let Some(tag) = tag {
                s.push(':');
                s.push_str(&tag);
            }
            if let Some(digest) = digest {
                s.push('@');
                s.push_str(&digest);
            }
            s
        })
}

/// Inserts, deletes or replaces one character (positions taken modulo the length).
fn mutate(s: &str, op: u8, at: usize, ch: char) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let at = at % (chars.len() + 1);
    match op % 3 {
        0 => chars.insert(at, ch),
        1 if at < chars.len() => {
            chars.remove(at);
        }
        _ if at < chars.len() => chars[at] = ch,
        _ => chars.push(ch),
    }
    chars.into_iter().collect()
}

/// Characters that matter to the grammar, and a few that never appear in it.
fn grammar_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range('a', 'z'),
        proptest::char::range('A', 'Z'),
        proptest::char::range('0', '9'),
        proptest::sample::select(vec!['.', '_', '-', ':', '/', '@', '[', ']', ' ', '%', 'é', '\u{0}']),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_unicode_never_panics(input in any::<String>()) {
        check(&input)?;
    }

    #[test]
    fn grammar_alphabet_never_panics(chars in proptest::collection::vec(grammar_char(), 0..60)) {
        let input: String = chars.into_iter().collect();
        check(&input)?;
    }

    #[test]
    fn grammatical_references_parse_and_round_trip(input in grammatical()) {
        let reference = check(&input)?;
        // Built from the grammar and far below the length limits, so it must be accepted, and
        // the parts must come back unchanged.
        let reference = reference.ok_or_else(|| {
            TestCaseError::fail(format!("{input:?} was rejected: {}", Reference::parse(&input).unwrap_err()))
        })?;
        if let Some(digest) = reference.digest() {
            let suffix = format!("@{digest}");
            prop_assert!(input.ends_with(&suffix), "{:?} lost its digest", input);
        }
        if let Some(tag) = reference.tag() {
            let tagged = format!(":{tag}");
            prop_assert!(input.contains(&tagged), "{:?} lost its tag", input);
        }
        prop_assert!(input.contains(reference.repository()) || reference.registry() == "docker.io");
    }

    #[test]
    fn mutated_references_never_panic(
        input in grammatical(),
        op in any::<u8>(),
        at in any::<usize>(),
        ch in grammar_char(),
    ) {
        check(&mutate(&input, op, at, ch))?;
    }
}
