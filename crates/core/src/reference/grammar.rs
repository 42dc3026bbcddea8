//! The pieces of the distribution reference grammar, checked by hand so that each failure can say
//! which character is wrong and where (a regular expression can only say "no match").
//!
//! Every check takes the whole input and the byte offset of the piece inside it, so the column it
//! reports is the column in what the user typed.

use super::reference_error::ReferenceErrorKind as Kind;

/// Longest repository path distribution accepts (`RepositoryNameTotalLengthMax`).
pub(super) const MAX_REPOSITORY_LEN: usize = 255;

/// Longest tag distribution accepts (`[\w][\w.-]{0,127}`).
pub(super) const MAX_TAG_LEN: usize = 128;

/// The 1-based column, in characters, of byte offset `at` in `input`.
pub(super) fn column(input: &str, at: usize) -> usize {
    input.get(..at).map_or(at, |before| before.chars().count()) + 1
}

/// Whether the first path component names a registry rather than a namespace: it contains `.` or
/// `:` or is `localhost` (distribution's `splitDockerDomain`, without its upper-case rule: see
/// [`super::Reference::parse`]).
pub(super) fn is_registry(component: &str) -> bool {
    component == "localhost" || component.contains(['.', ':'])
}

/// 64 lower-case hex characters: what distribution calls an identifier (an image ID).
pub(super) fn is_hex_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `host[:port]` where host is a domain name, IPv4 address or `[IPv6]`.
pub(super) fn check_registry(input: &str, base: usize, registry: &str) -> Result<(), Kind> {
    let port_at = if let Some(inner) = registry.strip_prefix('[') {
        let ipv6_error = |at: usize| Kind::RegistryIpv6 {
            registry: registry.to_owned(),
            column: column(input, base + at),
        };
        let Some(close) = inner.find(']') else {
            return Err(ipv6_error(0));
        };
        if close == 0 {
            return Err(ipv6_error(1));
        }
        if let Some((i, _)) =
            inner[..close].char_indices().find(|&(_, c)| !(c.is_ascii_hexdigit() || c == ':'))
        {
            return Err(ipv6_error(1 + i));
        }
        let after = 1 + close + 1;
        match registry[after..].chars().next() {
            None => return Ok(()),
            Some(':') => after,
            Some(_) => return Err(ipv6_error(after)),
        }
    } else {
        let host_end = registry.find(':').unwrap_or(registry.len());
        check_host(input, base, registry, &registry[..host_end])?;
        if host_end == registry.len() {
            return Ok(());
        }
        host_end
    };
    let port = &registry[port_at + 1..];
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Kind::RegistryPort {
            registry: registry.to_owned(),
            port: port.to_owned(),
            column: column(input, base + port_at + 1),
        });
    }
    Ok(())
}

/// A domain name or IPv4 address: `.`-separated labels of letters, digits and inner `-`.
fn check_host(input: &str, base: usize, registry: &str, host: &str) -> Result<(), Kind> {
    if let Some((i, ch)) =
        host.char_indices().find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(Kind::RegistryCharacter {
            registry: registry.to_owned(),
            ch,
            column: column(input, base + i),
        });
    }
    let mut start = 0;
    for label in host.split('.') {
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') {
            return Err(Kind::RegistryLabel {
                registry: registry.to_owned(),
                label: label.to_owned(),
                column: column(input, base + start),
            });
        }
        start += label.len() + 1;
    }
    Ok(())
}

/// The repository path: `/`-separated components of lower-case letters and digits joined by
/// `.`, `_`, `__` or runs of `-`.
pub(super) fn check_path(input: &str, base: usize, path: &str) -> Result<(), Kind> {
    if let Some((i, ch)) = path.char_indices().find(|&(_, c)| c.is_ascii_uppercase()) {
        return Err(Kind::Uppercase { repository: path.to_owned(), ch, column: column(input, base + i) });
    }
    let mut start = base;
    for component in path.split('/') {
        if component.is_empty() {
            return Err(Kind::EmptyComponent { column: column(input, start) });
        }
        check_component(input, start, component)?;
        start += component.len() + 1;
    }
    Ok(())
}

fn check_component(input: &str, base: usize, component: &str) -> Result<(), Kind> {
    let is_separator = |c: char| matches!(c, '.' | '_' | '-');
    if let Some((i, ch)) = component
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || is_separator(c)))
    {
        return Err(Kind::NameCharacter {
            component: component.to_owned(),
            ch,
            column: column(input, base + i),
        });
    }
    // Only ASCII is left, so byte indices are character indices from here on.
    let edge = |at: usize| Kind::ComponentEdge {
        component: component.to_owned(),
        ch: char::from(component.as_bytes()[at]),
        column: column(input, base + at),
    };
    if component.starts_with(is_separator) {
        return Err(edge(0));
    }
    if component.ends_with(is_separator) {
        return Err(edge(component.len() - 1));
    }
    let bytes = component.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_separator(char::from(bytes[i])) {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < bytes.len() && is_separator(char::from(bytes[i])) {
            i += 1;
        }
        let run = &component[run_start..i];
        let valid = matches!(run, "." | "_" | "__") || run.bytes().all(|b| b == b'-');
        if !valid {
            return Err(Kind::Separator {
                component: component.to_owned(),
                separator: run.to_owned(),
                column: column(input, base + run_start),
            });
        }
    }
    Ok(())
}

/// A tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. `colon` is the byte offset of the `:` before it.
pub(super) fn check_tag(input: &str, colon: usize, tag: &str) -> Result<(), Kind> {
    let base = colon + 1;
    if tag.is_empty() {
        return Err(Kind::EmptyTag { column: column(input, colon) });
    }
    for (i, ch) in tag.char_indices() {
        let allowed = ch.is_ascii_alphanumeric() || ch == '_' || (i > 0 && (ch == '.' || ch == '-'));
        if ch == ':' {
            return Err(Kind::ExtraColon { column: column(input, base + i) });
        }
        if !allowed {
            return Err(Kind::TagCharacter { tag: tag.to_owned(), ch, column: column(input, base + i) });
        }
    }
    if tag.len() > MAX_TAG_LEN {
        return Err(Kind::TagTooLong { length: tag.len(), max: MAX_TAG_LEN });
    }
    Ok(())
}
