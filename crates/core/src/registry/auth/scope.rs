//! Token scopes: the resources a token covers and the actions wanted on each.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A token scope: resources (`repository:<name>`) and the actions wanted on each.
///
/// Kept as sets so that merging the scope a challenge names with the one the client needs (say
/// for a cross-repository mount, which needs `pull` on the source and `pull,push` on the target)
/// gives one canonical, comparable value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    entries: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Scope {
    /// No scope at all (the `/v2/` ping, a catalog-free request).
    pub fn none() -> Scope {
        Scope::default()
    }

    /// `repository:<name>:pull`.
    pub fn pull(repository: &str) -> Scope {
        Scope::repository(repository, &["pull"])
    }

    /// `repository:<name>:pull,push`.
    pub fn push(repository: &str) -> Scope {
        Scope::repository(repository, &["pull", "push"])
    }

    /// A repository scope with the given actions.
    pub fn repository(repository: &str, actions: &[&str]) -> Scope {
        let mut scope = Scope::default();
        scope.add("repository", repository, actions.iter().copied());
        scope
    }

    fn add<'a>(&mut self, kind: &str, name: &str, actions: impl IntoIterator<Item = &'a str>) {
        let set = self.entries.entry((kind.to_owned(), name.to_owned())).or_default();
        set.extend(actions.into_iter().filter(|a| !a.is_empty()).map(str::to_owned));
    }

    /// Parses a challenge's `scope` parameter: space-separated `type:name:actions` items. The name
    /// may itself contain `:` (a registry host with a port), so the type is what precedes the
    /// first `:` and the actions what follows the last. Items without two colons are ignored.
    pub fn parse(text: &str) -> Scope {
        let mut scope = Scope::default();
        for item in text.split_whitespace() {
            let (Some((kind, rest)), Some((_, actions))) = (item.split_once(':'), item.rsplit_once(':'))
            else {
                continue;
            };
            let Some((name, _)) = rest.rsplit_once(':') else { continue };
            scope.add(kind, name, actions.split(','));
        }
        scope
    }

    /// Adds everything `other` asks for.
    pub fn merge(&mut self, other: &Scope) {
        for ((kind, name), actions) in &other.entries {
            self.add(kind, name, actions.iter().map(String::as_str));
        }
    }

    /// Whether every action of `other` is in this scope.
    pub fn covers(&self, other: &Scope) -> bool {
        other
            .entries
            .iter()
            .all(|(key, actions)| self.entries.get(key).is_some_and(|have| have.is_superset(actions)))
    }

    /// Whether the scope asks for nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The scope items as token requests send them, one `scope=` parameter each.
    pub fn items(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|((kind, name), actions)| {
                format!("{kind}:{name}:{}", actions.iter().map(String::as_str).collect::<Vec<_>>().join(","))
            })
            .collect()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.items().join(" "))
    }
}
