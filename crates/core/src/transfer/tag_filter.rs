//! Which tags a mirror takes: shell-style patterns, as Pulp's remote `include_tags` and
//! `exclude_tags` take them (Python's `fnmatch`: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`), and the
//! companion tags that travel with an image instead of being chosen.

use crate::digest::Digest;

/// Tag patterns to include (none: every tag) and to exclude (applied after).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagFilter {
    /// A tag must match one of these, when there are any.
    pub include: Vec<String>,
    /// A tag matching one of these is left out.
    pub exclude: Vec<String>,
}

impl TagFilter {
    /// Whether `tag` is chosen.
    pub fn admits(&self, tag: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| matches(p, tag)))
            && !self.exclude.iter().any(|p| matches(p, tag))
    }

    /// Whether a mirror takes `tag` on its own: admitted, and not a companion (those travel
    /// with the image they belong to, never chosen by the patterns).
    pub fn chooses(&self, tag: &str) -> bool {
        companion_subject(tag).is_none() && self.admits(tag)
    }
}

/// The suffixes cosign gives its tags (`sha256-<hex>.sig`); the bare `sha256-<hex>` is the OCI
/// 1.1 referrers tag schema, used where a registry has no referrers API.
const COMPANION_SUFFIXES: &[&str] = &["", ".sig", ".att", ".sbom"];

/// The image digest a companion tag belongs to (`sha256-<hex>[.sig|.att|.sbom]`), if it is one.
pub fn companion_subject(tag: &str) -> Option<Digest> {
    let rest = tag.strip_prefix("sha256-")?;
    let hex = COMPANION_SUFFIXES.iter().find_map(|suffix| {
        let hex = rest.strip_suffix(suffix)?;
        (hex.len() == 64).then_some(hex)
    })?;
    format!("sha256:{hex}").parse().ok()
}

/// Shell-style matching of a whole tag.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matching with one backtrack point for the last `*` (linear in practice; tags are
    // at most 128 characters, so even the worst case is small).
    let (mut pi, mut ti, mut star, mut star_ti) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            star_ti = ti;
            pi += 1;
            continue;
        }
        if pi < p.len()
            && let Some(next) = single(&p, pi, t[ti])
        {
            pi = next;
            ti += 1;
            continue;
        }
        match star {
            Some(s) => {
                pi = s + 1;
                star_ti += 1;
                ti = star_ti;
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches one character at `p[pi]` (a literal, `?` or a `[...]` class): the pattern position
/// after it, or `None`.
fn single(p: &[char], pi: usize, c: char) -> Option<usize> {
    match p[pi] {
        '?' => Some(pi + 1),
        '[' => {
            let mut i = pi + 1;
            let negated = matches!(p.get(i), Some('!'));
            if negated {
                i += 1;
            }
            let start = i;
            let mut hit = false;
            while i < p.len() && (p[i] != ']' || i == start) {
                if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                    hit |= p[i] <= c && c <= p[i + 2];
                    i += 3;
                } else {
                    hit |= p[i] == c;
                    i += 1;
                }
            }
            if i >= p.len() {
                // No closing bracket: fnmatch takes the `[` literally.
                return (c == '[').then_some(pi + 1);
            }
            (hit != negated).then_some(i + 1)
        }
        literal => (literal == c).then_some(pi + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_patterns_as_fnmatch() {
        let cases = [
            ("ltsc2019*", "ltsc2019-amd64", true),
            ("ltsc2019*", "ltsc2022", false),
            ("*", "", true),
            ("1.?", "1.5", true),
            ("1.?", "1.50", false),
            ("v[0-9]*", "v1.2", true),
            ("v[0-9]*", "vx", false),
            ("v[!0-9]*", "vx", true),
            ("[ab]c", "bc", true),
            ("*-rc*", "1.0-rc1", true),
            ("*a*b*c", "xaybzc", true),
            ("*a*b*c", "xaybz", false),
            ("latest", "latest", true),
            ("latest", "latest2", false),
            ("[", "[", true),
            ("a[", "a[", true),
        ];
        for (pattern, tag, want) in cases {
            assert_eq!(matches(pattern, tag), want, "{pattern} vs {tag}");
        }
    }

    #[test]
    fn include_then_exclude() {
        let f = TagFilter { include: vec!["1.*".into(), "latest".into()], exclude: vec!["*-rc*".into()] };
        assert!(f.admits("1.4") && f.admits("latest"));
        assert!(!f.admits("1.5-rc1") && !f.admits("2.0"));
        assert!(TagFilter::default().admits("anything"));
    }

    #[test]
    fn companions() {
        let hex = "a".repeat(64);
        let subject: Digest = format!("sha256:{hex}").parse().unwrap();
        for tag in [format!("sha256-{hex}"), format!("sha256-{hex}.sig"), format!("sha256-{hex}.att")] {
            assert_eq!(companion_subject(&tag), Some(subject.clone()), "{tag}");
        }
        assert_eq!(companion_subject(&format!("sha256-{hex}.txt")), None);
        assert_eq!(companion_subject("sha256-abc.sig"), None);
        assert_eq!(companion_subject("latest"), None);
    }
}
