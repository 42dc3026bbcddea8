//! Foreign-layer mirrors (a `urls` prefix mapped to a mirror prefix): air-gapped and restricted
//! sites host Microsoft's layers on an internal server, because the `urls` in the manifests point
//! at the public internet.
//!
//! A mirror changes only where the bytes are fetched from. The manifest and the `urls` in it are
//! never rewritten (the digest must not change), and the `urls` are still judged first by
//! [`check_foreign_url`](super::foreign::check_foreign_url) — https, public hosts, no
//! credentials — because they come from whoever wrote the image. The mirror is exempt from that
//! judgement because the user named it: it may be `http://`, on a private or loopback address.
//! It never receives credentials: foreign layers are fetched through the bare transport.

use url::Url;

/// One `URL-PREFIX=MIRROR-PREFIX` rule: a url starting with `prefix` is fetched from `mirror`
/// followed by the rest of the url.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirrorRule {
    /// The start of the `urls` this rule serves, as the URL parser writes it.
    prefix: String,
    /// What replaces it.
    mirror: Url,
}

impl MirrorRule {
    /// Parses `URL-PREFIX=MIRROR-PREFIX`. The two are split at the first `=` that is followed by
    /// `http://` or `https://`, so a prefix may end in a query such as `?linkid=`.
    pub fn parse(text: &str) -> Result<MirrorRule, String> {
        let lower = text.to_ascii_lowercase();
        let split =
            ["=https://", "=http://"].iter().filter_map(|marker| lower.find(marker)).min().ok_or_else(
                || format!("{text:?} is not URL-PREFIX=MIRROR-PREFIX (the mirror is an http(s) URL)"),
            )?;
        let (prefix, mirror) = (&text[..split], &text[split + 1..]);
        let prefix = Url::parse(prefix).map_err(|e| format!("{prefix:?} is not a URL prefix ({e})"))?;
        if prefix.scheme() != "https" || prefix.host().is_none() {
            return Err(format!(
                "{prefix}: foreign layers are fetched from https urls only, so the prefix starts with https://host"
            ));
        }
        let mirror = Url::parse(mirror).map_err(|e| format!("{mirror:?} is not a mirror URL ({e})"))?;
        if !matches!(mirror.scheme(), "http" | "https") || mirror.host().is_none() {
            return Err(format!("{mirror}: a mirror is http(s)://host[:port][/path]"));
        }
        if !mirror.username().is_empty() || mirror.password().is_some() {
            return Err(format!(
                "{}: the mirror URL carries credentials; Waybill sends none to a mirror",
                mirror.host_str().unwrap_or_default()
            ));
        }
        if mirror.fragment().is_some() {
            return Err(format!("{mirror}: a mirror URL has no #fragment"));
        }
        Ok(MirrorRule { prefix: prefix.to_string(), mirror })
    }

    /// The mirror's URL prefix.
    pub fn mirror(&self) -> &Url {
        &self.mirror
    }
}

/// The mirrors the user named; empty by default (every url fetched where it points).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForeignMirrors {
    rules: Vec<MirrorRule>,
}

/// Where one url is fetched from instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mirrored {
    /// The URL to fetch.
    pub url: Url,
    /// The mirror's own URL prefix: redirects that stay on its origin keep its exemption.
    pub mirror: Url,
}

impl ForeignMirrors {
    /// The rules, refusing two for the same prefix (which one would win is not obvious).
    pub fn new(rules: Vec<MirrorRule>) -> Result<ForeignMirrors, String> {
        for (i, rule) in rules.iter().enumerate() {
            if rules[..i].iter().any(|r| r.prefix == rule.prefix) {
                return Err(format!("{} has two mirrors: name one", rule.prefix));
            }
        }
        Ok(ForeignMirrors { rules })
    }

    /// Parses every `URL-PREFIX=MIRROR-PREFIX`.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<ForeignMirrors, String> {
        let rules = texts.iter().map(|t| MirrorRule::parse(t.as_ref())).collect::<Result<_, _>>()?;
        ForeignMirrors::new(rules)
    }

    /// Whether there are no mirrors.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules.
    pub fn rules(&self) -> &[MirrorRule] {
        &self.rules
    }

    /// `host[:port]` of every `http://` mirror: the user chose plain HTTP for those, so a shell
    /// that refuses plain HTTP by default lets it through to them.
    pub fn plain_http_hosts(&self) -> Vec<String> {
        let plain = self.rules.iter().map(|r| &r.mirror).filter(|m| m.scheme() == "http");
        plain
            .filter_map(|m| {
                let host = m.host_str()?;
                Some(m.port().map_or_else(|| host.to_owned(), |port| format!("{host}:{port}")))
            })
            .collect()
    }

    /// Where `url` (already judged by `check_foreign_url`) is fetched from, when a rule serves it:
    /// the longest matching prefix wins. `Err` when the result is not a URL.
    pub fn route(&self, url: &Url) -> Result<Option<Mirrored>, String> {
        let text = url.as_str();
        let Some(rule) =
            self.rules.iter().filter(|r| text.starts_with(&r.prefix)).max_by_key(|r| r.prefix.len())
        else {
            return Ok(None);
        };
        let joined = format!("{}{}", rule.mirror, &text[rule.prefix.len()..]);
        let mirrored =
            Url::parse(&joined).map_err(|e| format!("the mirror URL {joined} is not a URL ({e})"))?;
        Ok(Some(Mirrored { url: mirrored, mirror: rule.mirror.clone() }))
    }
}

/// Whether `url` is on the same origin (scheme, host, port) as `mirror`.
pub fn on_mirror(mirror: &Url, url: &Url) -> bool {
    mirror.scheme() == url.scheme()
        && mirror.host() == url.host()
        && mirror.port_or_known_default() == url.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirrors(rules: &[&str]) -> ForeignMirrors {
        ForeignMirrors::parse_all(rules).unwrap()
    }

    fn route(mirrors: &ForeignMirrors, url: &str) -> Option<String> {
        mirrors.route(&Url::parse(url).unwrap()).unwrap().map(|m| m.url.to_string())
    }

    #[test]
    fn a_prefix_is_replaced_by_the_mirror_and_the_rest_kept() {
        let m = mirrors(&["https://mcr.microsoft.com/=http://10.0.0.5:8080/mcr/"]);
        assert_eq!(
            route(&m, "https://mcr.microsoft.com/v2/windows/blobs/sha256:ab").as_deref(),
            Some("http://10.0.0.5:8080/mcr/v2/windows/blobs/sha256:ab")
        );
        assert_eq!(route(&m, "https://go.microsoft.com/fwlink/?linkid=1"), None);
    }

    #[test]
    fn prefixes_are_compared_as_the_url_parser_writes_them() {
        // A host without a path is the host's root, so it cannot match a longer host name.
        let m = mirrors(&["https://Layers.INVALID=https://127.0.0.1:4443"]);
        assert_eq!(route(&m, "https://layers.invalid/a/b").as_deref(), Some("https://127.0.0.1:4443/a/b"));
        assert_eq!(route(&m, "https://layers.invalid.example.com/a"), None);
    }

    #[test]
    fn a_prefix_may_end_in_a_query_and_the_longest_wins() {
        let m = mirrors(&[
            "https://go.microsoft.com/=https://mirror.lan/go/",
            "https://go.microsoft.com/fwlink/?linkid==https://mirror.lan/fwlink?id=",
        ]);
        assert_eq!(
            route(&m, "https://go.microsoft.com/fwlink/?linkid=837858").as_deref(),
            Some("https://mirror.lan/fwlink?id=837858")
        );
        assert_eq!(
            route(&m, "https://go.microsoft.com/other").as_deref(),
            Some("https://mirror.lan/go/other")
        );
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        for (rule, says) in [
            ("https://a.example/", "URL-PREFIX=MIRROR-PREFIX"),
            ("http://a.example/=https://m.lan/", "https urls only"),
            ("https://a.example/=https://user:pw@m.lan/", "credentials"),
            ("https://a.example/=https://m.lan/#x", "fragment"),
            ("nonsense=https://m.lan/", "not a URL prefix"),
        ] {
            let error = MirrorRule::parse(rule).unwrap_err();
            assert!(error.contains(says), "{rule}: {error}");
        }
        let twice = ForeignMirrors::parse_all(&[
            "https://a.example/=https://m1.lan/",
            "https://a.example=https://m2/",
        ]);
        assert!(twice.unwrap_err().contains("two mirrors"));
    }

    #[test]
    fn plain_http_goes_to_the_http_mirrors_only() {
        let m = mirrors(&[
            "https://a.example/=http://10.0.0.5:8080/",
            "https://b.example/=http://mirror.lan/",
            "https://c.example/=https://secure.lan:8443/",
        ]);
        assert_eq!(m.plain_http_hosts(), ["10.0.0.5:8080", "mirror.lan"]);
    }

    #[test]
    fn the_mirror_origin_is_scheme_host_and_port() {
        let mirror = Url::parse("https://127.0.0.1:4443/mirror/").unwrap();
        assert!(on_mirror(&mirror, &Url::parse("https://127.0.0.1:4443/elsewhere").unwrap()));
        assert!(!on_mirror(&mirror, &Url::parse("http://127.0.0.1:4443/mirror/").unwrap()));
        assert!(!on_mirror(&mirror, &Url::parse("https://127.0.0.1:4444/mirror/").unwrap()));
        let default_port = Url::parse("https://mirror.lan/").unwrap();
        assert!(on_mirror(&default_port, &Url::parse("https://mirror.lan:443/x").unwrap()));
    }
}
