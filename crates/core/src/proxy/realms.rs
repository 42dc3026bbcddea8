//! Token realms the proxy forwards to besides `/v2/…`.
//!
//! A registry names its token endpoint in the `WWW-Authenticate` challenge (Docker Hub:
//! `https://auth.docker.io/token`, GHCR: `https://ghcr.io/token`, Pulp: `<api>/token/`). The proxy
//! rewrites that realm to `/r/<host>/<path>` and remembers the (origin, path) pair, so the browser's
//! token request is forwarded while every other non-`/v2/` path stays refused (not an open proxy).
//!
//! The memory is bounded: at most `cap` learned realms, the oldest forgotten first, so upstream
//! challenges cannot grow it without limit. Seeds from the configuration are kept apart and never
//! forgotten. A shell that loses this state (a restarted Worker isolate) falls back to the seeds
//! until the next challenge teaches it again.

use std::collections::VecDeque;

use super::origin::UpstreamOrigin;

/// One token endpoint: an upstream origin and a path (no query).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RealmKey {
    /// The origin the token request goes to.
    pub origin: UpstreamOrigin,
    /// The path, as normalised by the URL parser.
    pub path: String,
}

/// The token realms the proxy currently forwards to.
#[derive(Clone, Debug)]
pub struct LearnedRealms {
    seeds: Vec<RealmKey>,
    learned: VecDeque<RealmKey>,
    cap: usize,
}

impl LearnedRealms {
    /// A set with fixed `seeds` and room for `cap` learned realms (0: learn nothing).
    pub fn new(seeds: Vec<RealmKey>, cap: usize) -> LearnedRealms {
        LearnedRealms { seeds, learned: VecDeque::new(), cap }
    }

    /// Whether requests to this realm are forwarded.
    pub fn contains(&self, key: &RealmKey) -> bool {
        self.seeds.contains(key) || self.learned.contains(key)
    }

    /// Whether `origin` is configured as a token server (it holds a seeded realm): the only
    /// origins whose realms a registry on *another* origin may announce (Docker Hub's
    /// registry-1.docker.io announcing auth.docker.io).
    pub fn is_realm_host(&self, origin: &UpstreamOrigin) -> bool {
        self.seeds.iter().any(|seed| seed.origin == *origin)
    }

    /// Remembers a realm announced by an upstream. Learning a known realm again makes it the
    /// newest; when full, the oldest learned realm is forgotten.
    pub fn learn(&mut self, key: RealmKey) {
        if self.cap == 0 || self.seeds.contains(&key) {
            return;
        }
        if let Some(i) = self.learned.iter().position(|k| *k == key) {
            self.learned.remove(i);
        } else if self.learned.len() >= self.cap {
            self.learned.pop_front();
        }
        self.learned.push_back(key);
    }

    /// How many realms were learned (seeds not counted).
    pub fn learned_len(&self) -> usize {
        self.learned.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::host::Host;
    use crate::proxy::origin::Scheme;

    fn key(host: &str, path: &str) -> RealmKey {
        RealmKey {
            origin: UpstreamOrigin { scheme: Scheme::Https, host: Host::Domain(host.into()), port: 443 },
            path: path.into(),
        }
    }

    #[test]
    fn seeds_are_always_there_and_never_counted() {
        let mut r = LearnedRealms::new(vec![key("auth.docker.io", "/token")], 2);
        assert!(r.contains(&key("auth.docker.io", "/token")));
        r.learn(key("auth.docker.io", "/token"));
        assert_eq!(r.learned_len(), 0);
        assert!(!r.contains(&key("auth.docker.io", "/other")));
    }

    #[test]
    fn bounded_oldest_first() {
        let mut r = LearnedRealms::new(Vec::new(), 2);
        r.learn(key("a", "/t"));
        r.learn(key("b", "/t"));
        r.learn(key("a", "/t")); // refreshes a: b is now the oldest
        r.learn(key("c", "/t"));
        assert_eq!(r.learned_len(), 2);
        assert!(r.contains(&key("a", "/t")));
        assert!(!r.contains(&key("b", "/t")));
        assert!(r.contains(&key("c", "/t")));
        for i in 0..100 {
            r.learn(key(&format!("h{i}"), "/t"));
        }
        assert_eq!(r.learned_len(), 2);
        assert!(r.contains(&key("h99", "/t")) && r.contains(&key("h98", "/t")));
    }

    #[test]
    fn zero_cap_learns_nothing() {
        let mut r = LearnedRealms::new(Vec::new(), 0);
        r.learn(key("a", "/t"));
        assert!(!r.contains(&key("a", "/t")));
    }
}
