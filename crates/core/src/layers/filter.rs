//! Which listed paths a search picks: a glob (`*`, `?`, `**`) or, without wildcards, a
//! case-insensitive piece of the path. The same rule in every shell that searches a listing.
//!
//! A glob with a `/` matches the whole path (a leading `/` ignored: listed paths have none); one
//! without matches the file name, as `find -name` does, since that is what people type (`*.so`).
//! `*` and `?` stay within one path component, `**` crosses them — unlike the tag filter's
//! fnmatch (`transfer::tag_filter`), where `*` takes anything: a tag has no components.

/// A search, parsed once and matched against many paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathFilter {
    query: Query,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Query {
    Everything,
    Piece(String),
    Glob { pattern: Vec<u8>, whole_path: bool },
}

impl PathFilter {
    /// The filter for what the user typed (blank: every path).
    pub fn new(text: &str) -> PathFilter {
        let text = text.trim();
        let query = if text.is_empty() {
            Query::Everything
        } else if text.contains(['*', '?']) {
            let whole_path = text.contains('/');
            Query::Glob { pattern: text.trim_start_matches('/').as_bytes().to_vec(), whole_path }
        } else {
            Query::Piece(text.trim_start_matches('/').to_lowercase())
        };
        PathFilter { query }
    }

    /// Whether the filter lets every path through.
    pub fn is_everything(&self) -> bool {
        self.query == Query::Everything
    }

    /// Whether `path` (normalised, as listed) is picked.
    pub fn matches(&self, path: &str) -> bool {
        match &self.query {
            Query::Everything => true,
            Query::Piece(piece) => path.to_lowercase().contains(piece.as_str()),
            Query::Glob { pattern, whole_path } => {
                let subject = if *whole_path { path } else { path.rsplit('/').next().unwrap_or(path) };
                glob(pattern, subject.as_bytes())
            }
        }
    }
}

/// Glob matching by dynamic programming over (pattern, subject) positions: linear memory,
/// no backtracking blow-up whatever the pattern (a search box takes anything).
fn glob(pattern: &[u8], subject: &[u8]) -> bool {
    // reach[j]: the pattern so far can match subject[..j].
    let mut reach = vec![false; subject.len() + 1];
    reach[0] = true;
    let mut p = 0;
    while p < pattern.len() {
        let mut next = vec![false; subject.len() + 1];
        match pattern[p] {
            b'*' if pattern.get(p + 1) == Some(&b'*') => {
                // `**` takes anything, slashes included; `**/` takes nothing or anything that
                // ends with a slash (so `**/x` matches `x` at the top too).
                let slash = pattern.get(p + 2) == Some(&b'/');
                let mut seen = false; // some position before j is reached
                for j in 0..=subject.len() {
                    next[j] =
                        if slash { reach[j] || (seen && subject[j - 1] == b'/') } else { seen || reach[j] };
                    seen |= reach[j];
                }
                reach = next;
                p += if slash { 3 } else { 2 };
                continue;
            }
            b'*' => {
                let mut run = false;
                for j in 0..=subject.len() {
                    run = reach[j] || (run && j > 0 && subject[j - 1] != b'/');
                    next[j] = run;
                }
            }
            b'?' => {
                for j in 1..=subject.len() {
                    next[j] = reach[j - 1] && subject[j - 1] != b'/';
                }
            }
            c => {
                for j in 1..=subject.len() {
                    next[j] = reach[j - 1] && subject[j - 1] == c;
                }
            }
        }
        reach = next;
        p += 1;
    }
    reach[subject.len()]
}

#[cfg(test)]
mod tests {
    use super::PathFilter;

    fn picks(query: &str, path: &str) -> bool {
        PathFilter::new(query).matches(path)
    }

    #[test]
    fn pieces_are_case_insensitive_substrings() {
        assert!(picks("", "etc/os-release"));
        assert!(picks("OS-rel", "etc/os-release"));
        assert!(picks("/etc/os", "etc/os-release"));
        assert!(!picks("passwd", "etc/os-release"));
    }

    #[test]
    fn globs_without_a_slash_match_the_file_name() {
        assert!(picks("*.so", "usr/lib/libz.so"));
        assert!(!picks("*.so", "usr/lib/libz.so.1"));
        assert!(picks("lib?.so", "usr/lib/libz.so"));
        assert!(picks("*", "a/b/c"));
    }

    #[test]
    fn globs_with_a_slash_match_the_whole_path() {
        assert!(picks("usr/*/libz.so", "usr/lib/libz.so"));
        assert!(!picks("usr/*/libz.so", "usr/lib/x/libz.so"));
        assert!(picks("usr/**/libz.so", "usr/lib/x/libz.so"));
        assert!(picks("usr/**/libz.so", "usr/libz.so"));
        assert!(picks("/etc/*", "etc/motd"));
        assert!(!picks("etc/*", "etc/ssl/certs"));
        assert!(picks("**/certs", "etc/ssl/certs"));
        assert!(picks("**/certs", "certs"));
        assert!(picks("etc/**", "etc/ssl/certs"));
    }

    #[test]
    fn hostile_patterns_stay_linear() {
        let path = "a".repeat(5000);
        assert!(!picks(&format!("{}b", "*a".repeat(200)), &path));
        assert!(picks(&"a*".repeat(200), &path));
    }
}
