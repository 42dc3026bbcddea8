//! Upstream origins — scheme, canonical host, port — and the route form that names them.
//!
//! An [`UpstreamOrigin`] is the unit of every decision: the allowlist admits origins, credentials
//! stay within one origin, learned token realms belong to an origin. `/r/<authority>` prints the
//! port only when it is not 443, and plain-HTTP origins always carry a port (plain-HTTP hosts are
//! configured with one), so the printed authority routes back to the same origin.

use std::fmt;

use url::Url;

use super::host::{Authority, Host};

/// The prefix of every proxy route: `/r/<host[:port]>/…`.
pub const ROUTE_PREFIX: &str = "/r/";

/// `http` or `https`: the only schemes the proxy speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP, only to configured loopback registries.
    Http,
    /// HTTPS.
    Https,
}

impl Scheme {
    /// The scheme's name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// The scheme, host and port of an upstream.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UpstreamOrigin {
    /// The scheme.
    pub scheme: Scheme,
    /// The canonical host.
    pub host: Host,
    /// The port (explicit, defaults resolved).
    pub port: u16,
}

impl UpstreamOrigin {
    /// The origin of an absolute `http`/`https` URL; `None` for other schemes or host-less URLs.
    pub fn of_url(url: &Url) -> Option<UpstreamOrigin> {
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return None,
        };
        let host = match url.host()? {
            url::Host::Domain(d) => Host::parse(d).ok()?,
            url::Host::Ipv4(ip) => Host::Ipv4(ip),
            url::Host::Ipv6(ip) => Host::Ipv6(ip),
        };
        Some(UpstreamOrigin { scheme, host, port: url.port_or_known_default()? })
    }

    /// `host[:port]` as it appears after `/r/`: the port is left out only for HTTPS on 443.
    pub fn route_authority(&self) -> Authority {
        let port = match (self.scheme, self.port) {
            (Scheme::Https, 443) => None,
            (_, p) => Some(p),
        };
        Authority { host: self.host.clone(), port }
    }

    /// `/r/<authority>` followed by the URL's path and query: where the browser must send the
    /// request for `url` so that it goes through the proxy.
    pub fn route_for(&self, url: &Url) -> String {
        let mut out = format!("{ROUTE_PREFIX}{}{}", self.route_authority(), url.path());
        if let Some(q) = url.query() {
            out.push('?');
            out.push_str(q);
        }
        out
    }

    /// The URL of `path_and_query` (starting with `/`) on this origin. The URL parser normalises
    /// dot segments (`/v2/../x` is `/x`, `%2e%2e` included), so callers check the path of the
    /// result, never the input.
    pub fn url(&self, path_and_query: &str) -> Result<Url, url::ParseError> {
        Url::parse(&format!("{}://{}:{}{}", self.scheme.as_str(), self.host, self.port, path_and_query))
    }
}

impl fmt::Display for UpstreamOrigin {
    /// `host[:port]` in route form, as used in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.route_authority())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        let o = UpstreamOrigin::of_url(&Url::parse("https://Quay.IO/v2/").unwrap()).unwrap();
        assert_eq!(
            o,
            UpstreamOrigin { scheme: Scheme::Https, host: Host::Domain("quay.io".into()), port: 443 }
        );
        let o = UpstreamOrigin::of_url(&Url::parse("http://0x7f000001:5000/x").unwrap()).unwrap();
        assert_eq!(o.host, Host::Ipv4("127.0.0.1".parse().unwrap()));
        assert_eq!(o.port, 5000);
        let o = UpstreamOrigin::of_url(&Url::parse("http://127.0.0.1/").unwrap()).unwrap();
        assert_eq!(o.port, 80);
        assert!(UpstreamOrigin::of_url(&Url::parse("ftp://x/").unwrap()).is_none());
        assert!(UpstreamOrigin::of_url(&Url::parse("file:///etc/passwd").unwrap()).is_none());
    }

    #[test]
    fn route_forms() {
        let https = UpstreamOrigin { scheme: Scheme::Https, host: Host::Domain("ghcr.io".into()), port: 443 };
        let url = Url::parse("https://ghcr.io/v2/a/b/blobs/uploads/1?_state=x%3D").unwrap();
        assert_eq!(https.route_for(&url), "/r/ghcr.io/v2/a/b/blobs/uploads/1?_state=x%3D");
        let http =
            UpstreamOrigin { scheme: Scheme::Http, host: Host::Ipv6("::1".parse().unwrap()), port: 80 };
        assert_eq!(http.route_authority().to_string(), "[::1]:80");
        let odd =
            UpstreamOrigin { scheme: Scheme::Https, host: Host::Domain("r.example".into()), port: 5000 };
        assert_eq!(odd.to_string(), "r.example:5000");
    }

    #[test]
    fn urls_normalise_dot_segments() {
        let o = UpstreamOrigin { scheme: Scheme::Https, host: Host::Domain("quay.io".into()), port: 443 };
        assert_eq!(o.url("/v2/../admin").unwrap().path(), "/admin");
        assert_eq!(o.url("/v2/%2e%2e/admin").unwrap().path(), "/admin");
        assert_eq!(o.url("/v2/a/./b?x=1").unwrap().as_str(), "https://quay.io/v2/a/b?x=1");
    }
}
