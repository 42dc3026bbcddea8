//! Hosts and authorities as a browser reads them.
//!
//! An attacker who controls a route or a redirect can spell an address many ways: `2130706433`,
//! `0x7f000001`, `0177.0.0.1`, `127.1`, `127.0.0.1.`, `%31%32%37.0.0.1`, full-width digits, upper
//! case. All of them are canonicalised here by the WHATWG URL host parser (the `url` crate, the
//! same algorithm browsers use) before any allowlist or address check sees them, so a check can
//! never disagree with what the connection will actually reach.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A canonical host: a lower-case ASCII domain without a trailing dot, or an IP address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, lower-case, punycode for non-ASCII labels.
    Domain(String),
    /// An IPv4 address (from any of the WHATWG spellings).
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets in URLs).
    Ipv6(Ipv6Addr),
}

/// A host or authority that cannot be parsed, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid host[:port]: {reason}")]
pub struct HostError {
    /// What was given (control characters escaped by `{:?}`).
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl HostError {
    fn new(input: &str, reason: impl Into<String>) -> HostError {
        HostError { input: input.to_owned(), reason: reason.into() }
    }
}

impl Host {
    /// Parses a host the way the WHATWG URL standard does for `http`/`https` URLs: percent-decoding,
    /// IDNA mapping to lower-case ASCII, and the IPv4 number forms (decimal, hex, octal, fewer than
    /// four parts). A trailing dot is dropped (`example.com.` is `example.com`).
    pub fn parse(input: &str) -> Result<Host, HostError> {
        let parsed = url::Host::parse(input).map_err(|e| HostError::new(input, e.to_string()))?;
        Ok(match parsed {
            url::Host::Domain(d) => {
                let d = d.strip_suffix('.').unwrap_or(&d);
                if d.is_empty() || d.ends_with('.') {
                    return Err(HostError::new(input, "empty label"));
                }
                Host::Domain(d.to_owned())
            }
            url::Host::Ipv4(ip) => Host::Ipv4(ip),
            url::Host::Ipv6(ip) => Host::Ipv6(ip),
        })
    }

    /// The address, when the host is an IP literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::Ipv4(ip) => Some(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(*ip)),
        }
    }

    /// `localhost` and `*.localhost`: names that browsers and RFC 6761 resolve to loopback without
    /// asking DNS, so the proxy treats them as loopback addresses too.
    pub fn is_localhost_name(&self) -> bool {
        matches!(self, Host::Domain(d) if d == "localhost" || d.ends_with(".localhost"))
    }
}

impl fmt::Display for Host {
    /// The form used in URLs: IPv6 in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(ip) => write!(f, "{ip}"),
            Host::Ipv6(ip) => write!(f, "[{ip}]"),
        }
    }
}

/// `host[:port]` as written in a route (`/r/<authority>/…`) or a configuration entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Authority {
    /// The canonical host.
    pub host: Host,
    /// The port, when one was written.
    pub port: Option<u16>,
}

impl Authority {
    /// Parses `host`, `host:port`, `[v6]` or `[v6]:port`. User info (`user@host`), paths and
    /// anything else that is not part of an authority are refused rather than ignored, so that
    /// `evil@allowed` cannot be read one way here and another way by an HTTP client.
    pub fn parse(input: &str) -> Result<Authority, HostError> {
        if input.is_empty() {
            return Err(HostError::new(input, "the host is empty"));
        }
        if let Some(bad) =
            input.chars().find(|c| matches!(c, '@' | '/' | '\\' | '?' | '#') || c.is_whitespace())
        {
            return Err(HostError::new(input, format!("{bad:?} cannot appear in a host")));
        }
        let (host, port) = if input.starts_with('[') {
            let close =
                input.find(']').ok_or_else(|| HostError::new(input, "missing ']' after an IPv6 address"))?;
            let rest = &input[close + 1..];
            let port = match rest {
                "" => None,
                _ => Some(rest.strip_prefix(':').ok_or_else(|| HostError::new(input, "junk after ']'"))?),
            };
            (&input[..=close], port)
        } else {
            match input.split_once(':') {
                None => (input, None),
                Some((_, p)) if p.contains(':') => {
                    return Err(HostError::new(input, "IPv6 addresses must be written in brackets"));
                }
                Some((h, p)) => (h, Some(p)),
            }
        };
        let port = port.map(|p| parse_port(input, p)).transpose()?;
        Ok(Authority { host: Host::parse(host)?, port })
    }
}

fn parse_port(input: &str, port: &str) -> Result<u16, HostError> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostError::new(input, format!("port {port:?} is not a number")));
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(HostError::new(input, format!("port {port} is out of range 1-65535"))),
        Ok(p) => Ok(p),
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => write!(f, "{}", self.host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Host {
        Host::Ipv4(s.parse().unwrap())
    }

    #[test]
    fn whatwg_ipv4_spellings_are_canonicalised() {
        let loopback = v4("127.0.0.1");
        for spelling in [
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "0X7F000001",
            "0177.0.0.1",
            "0177.0000.0000.0001",
            "127.1",
            "127.0.1",
            "0x7f.1",
            "127.0.0.1.",
            "%31%32%37.0.0.1",
            "１２７.０.０.１",
        ] {
            assert_eq!(Host::parse(spelling).unwrap(), loopback, "{spelling}");
        }
        assert_eq!(Host::parse("0xa9fea9fe").unwrap(), v4("169.254.169.254"));
        assert_eq!(Host::parse("167772161").unwrap(), v4("10.0.0.1"));
        assert_eq!(Host::parse("0").unwrap(), v4("0.0.0.0"));
    }

    #[test]
    fn invalid_ipv4_numbers_are_errors_not_domains() {
        // Ends in a number, so WHATWG insists it is an IPv4 address — and it is not a valid one.
        for bad in ["256.0.0.1", "1.2.3.4.5", "4294967296", "0x1ffffffff", "09.0.0.1", "0x100.0.0.1"] {
            assert!(Host::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains_are_lower_case_ascii_without_trailing_dot() {
        assert_eq!(Host::parse("Registry-1.Docker.IO").unwrap(), Host::Domain("registry-1.docker.io".into()));
        assert_eq!(Host::parse("quay.io.").unwrap(), Host::Domain("quay.io".into()));
        assert_eq!(Host::parse("bücher.example").unwrap(), Host::Domain("xn--bcher-kva.example".into()));
        assert!(Host::parse("").is_err());
        assert!(Host::parse("..").is_err());
        assert!(Host::parse("a b").is_err());
    }

    #[test]
    fn localhost_names() {
        for name in
            ["localhost", "LOCALHOST", "localhost.", "foo.localhost", "a.b.LocalHost", "ｌｏｃａｌｈｏｓｔ"]
        {
            assert!(Host::parse(name).unwrap().is_localhost_name(), "{name}");
        }
        for name in ["localhost.example", "notlocalhost", "127.0.0.1"] {
            assert!(!Host::parse(name).unwrap().is_localhost_name(), "{name}");
        }
    }

    #[test]
    fn authorities() {
        let a = Authority::parse("registry.example:5000").unwrap();
        assert_eq!(a.host, Host::Domain("registry.example".into()));
        assert_eq!(a.port, Some(5000));
        assert_eq!(a.to_string(), "registry.example:5000");
        let a = Authority::parse("[::1]:8080").unwrap();
        assert_eq!(a.host, Host::Ipv6(Ipv6Addr::LOCALHOST));
        assert_eq!(a.to_string(), "[::1]:8080");
        let a = Authority::parse("[::ffff:127.0.0.1]").unwrap();
        assert_eq!(a.host, Host::Ipv6("::ffff:127.0.0.1".parse().unwrap()));
        assert_eq!(a.port, None);
        assert_eq!(Authority::parse("2130706433:5000").unwrap().to_string(), "127.0.0.1:5000");
    }

    #[test]
    fn authorities_refuse_smuggling() {
        for bad in [
            "user@host",
            "allowed.example@evil.example",
            "host/path",
            "host\\x",
            "host?q",
            "host#f",
            "host name",
            "::1",
            "[::1",
            "[::1]x",
            "host:",
            "host:0",
            "host:65536",
            "host:+80",
            "host:8a",
            "",
        ] {
            assert!(Authority::parse(bad).is_err(), "{bad}");
        }
    }
}
