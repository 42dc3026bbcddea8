//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1), as registries send them.
//!
//! Used twice: the registry client reads them to decide between Basic and Bearer (and where the
//! token realm is), and the proxy rewrites the Bearer realm so the browser's token request goes
//! through the proxy too. One header may carry several challenges
//! (`Basic realm="x", Bearer realm="y",service="z"`), and quoted values may contain commas
//! (`scope="repository:a:pull,push"`).

use std::fmt;

/// One challenge: an auth scheme and its parameters, in header order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme as sent (compare with [`Challenge::is`], which ignores case).
    pub scheme: String,
    /// `name=value` parameters; names lower-cased, values unquoted.
    pub params: Vec<(String, String)>,
}

/// A header that could not be parsed, with the byte offset where it went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed WWW-Authenticate header at byte {position}: {message}")]
pub struct ChallengeError {
    /// Byte offset in the header value.
    pub position: usize,
    /// What was expected there.
    pub message: &'static str,
}

impl Challenge {
    /// Whether this challenge uses `scheme` (case-insensitive, as the RFC says).
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// A parameter by (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Replaces a parameter's value, or appends it.
    pub fn set_param(&mut self, name: &str, value: String) {
        match self.params.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name.to_ascii_lowercase(), value)),
        }
    }
}

impl fmt::Display for Challenge {
    /// Prints the challenge with every value quoted, escaping `"` and `\`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, (name, value)) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { "," })?;
            write!(f, "{name}=\"")?;
            for ch in value.chars() {
                if ch == '"' || ch == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{ch}")?;
            }
            f.write_str("\"")?;
        }
        Ok(())
    }
}

/// Prints several challenges as one header value.
pub fn format_challenges(challenges: &[Challenge]) -> String {
    challenges.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Parses a `WWW-Authenticate` header value into its challenges.
pub fn parse_challenges(header: &str) -> Result<Vec<Challenge>, ChallengeError> {
    let mut p = Parser { s: header.as_bytes(), pos: 0 };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        p.skip_separators();
        if p.at_end() {
            break;
        }
        let scheme = p.token().ok_or(p.error("expected an auth scheme"))?;
        let mut challenge = Challenge { scheme, params: Vec::new() };
        loop {
            p.skip_spaces();
            // A parameter is `token "=" value`; a token without "=" starts the next challenge.
            let save = p.pos;
            let Some(name) = p.token() else { break };
            p.skip_spaces();
            if !p.eat(b'=') {
                p.pos = save;
                break;
            }
            p.skip_spaces();
            let value = if p.peek() == Some(b'"') { p.quoted()? } else { p.token().unwrap_or_default() };
            challenge.params.push((name.to_ascii_lowercase(), value));
            p.skip_spaces();
            if !p.eat(b',') {
                break;
            }
        }
        out.push(challenge);
    }
    if out.is_empty() {
        return Err(ChallengeError { position: 0, message: "no challenge in an empty header" });
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&self, message: &'static str) -> ChallengeError {
        ChallengeError { position: self.pos, message }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.pos += 1;
        }
    }

    /// An RFC 9110 token (tchar+); also accepts token68's `/` so unquoted realms survive.
    fn token(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/:".contains(&b);
            if !tchar {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn quoted(&mut self) -> Result<String, ChallengeError> {
        let open = self.pos;
        self.pos += 1;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err(ChallengeError { position: open, message: "unterminated quoted value" }),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(String::from_utf8_lossy(&value).into_owned());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = self.peek().ok_or(self.error("backslash at end of header"))?;
                    value.push(escaped);
                    self.pos += 1;
                }
                Some(b) => {
                    value.push(b);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#;
        let c = parse_challenges(h).unwrap();
        assert_eq!(c.len(), 1);
        assert!(c[0].is("bearer"));
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("service"), Some("registry.docker.io"));
        assert_eq!(c[0].param("scope"), Some("repository:library/ubuntu:pull"));
    }

    #[test]
    fn quoted_commas_and_several_challenges() {
        let h = r#"Basic realm="Pulp, the registry", Bearer realm="http://h/token",scope="repository:a/b:pull,push""#;
        let c = parse_challenges(h).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c[0].is("Basic"));
        assert_eq!(c[0].param("realm"), Some("Pulp, the registry"));
        assert_eq!(c[1].param("scope"), Some("repository:a/b:pull,push"));
    }

    #[test]
    fn bare_scheme_unquoted_values_and_escapes() {
        let c = parse_challenges(r#"Basic, Bearer realm=https://x/t, service="a\"b""#).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c[0].params.is_empty());
        assert_eq!(c[1].param("realm"), Some("https://x/t"));
        assert_eq!(c[1].param("service"), Some("a\"b"));
    }

    #[test]
    fn round_trips_through_display() {
        let h = r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:x:pull,push""#;
        let mut c = parse_challenges(h).unwrap();
        assert_eq!(format_challenges(&c), h);
        c[0].set_param("realm", "/r/auth.example/token".into());
        let again = parse_challenges(&format_challenges(&c)).unwrap();
        assert_eq!(again[0].param("realm"), Some("/r/auth.example/token"));
        assert_eq!(again[0].param("scope"), Some("repository:x:pull,push"));
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        assert!(parse_challenges("").is_err());
        assert!(parse_challenges("   ").is_err());
        let e = parse_challenges(r#"Bearer realm="unterminated"#).unwrap_err();
        assert_eq!(e.position, 13);
        assert!(parse_challenges(r#"Bearer realm="x\"#).is_err());
        assert!(parse_challenges("=oops").is_err());
    }
}
