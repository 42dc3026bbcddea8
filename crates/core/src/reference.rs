//! Image references (`[registry[:port]/]path[:tag][@algorithm:hex]`), parsed and printed as the
//! distribution reference grammar does (github.com/distribution/reference, `ParseNormalizedNamed`).
//!
//! Every image the user names goes through here first, so the rules match what `docker pull` and
//! registries accept, and the errors point at the character to fix instead of saying "invalid
//! reference format".
//!
//! Normalisation, as in distribution's `splitDockerDomain`:
//! * The first `/`-separated component is the registry when it contains `.` or `:` or is
//!   `localhost` (`[::1]:5000` qualifies by its `:`); otherwise the registry is `docker.io`.
//! * On `docker.io`, a one-component path gets `library/` (`ubuntu` → `library/ubuntu`), and
//!   `index.docker.io` is written `docker.io`.
//! * A reference without any `/` never names a registry: `localhost:5000` is the repository
//!   `library/localhost` with tag `5000`, exactly as distribution reads it.
//!
//! One deliberate difference: distribution also takes a first component with upper-case letters
//! as a registry (`Foo/bar` is the registry `Foo`). Here that is the error "repository name must
//! be lowercase", because a registry without a dot, port or `localhost` is almost always a typo
//! for a namespace.

mod grammar;
mod reference_error;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;
use grammar::column;
pub use reference_error::{ReferenceError, ReferenceErrorKind};

/// Docker Hub's name in references.
const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's legacy name, normalised to [`DOCKER_HUB`].
const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The host that actually serves Docker Hub's registry API.
const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The namespace of Docker Hub's official images.
const OFFICIAL_PREFIX: &str = "library/";
/// The tag used when a reference names neither tag nor digest.
const DEFAULT_TAG: &str = "latest";

/// A parsed, normalised image reference.
///
/// Two references are equal when they name the same registry, repository, tag and digest after
/// normalisation (`ubuntu` equals `docker.io/library/ubuntu`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parses a reference the way `docker pull` does, normalising Docker Hub names.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        parse_kind(s).map_err(|kind| ReferenceError::new(s, kind))
    }

    /// The registry as written in references: `docker.io`, `localhost:5000`, `[::1]:5000`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The `host[:port]` to send registry API requests to. Only Docker Hub differs from
    /// [`Reference::registry`]: its API is served by `registry-1.docker.io`.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB { DOCKER_HUB_API } else { &self.registry }
    }

    /// The repository path inside the registry, e.g. `library/ubuntu`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, when the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, when the reference has one.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// What goes in `/v2/<name>/manifests/<reference>`: the digest when present (it pins the
    /// content even when a tag is also given), else the tag, else `latest`.
    pub fn reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.clone(),
            (None, None) => DEFAULT_TAG.to_owned(),
        }
    }

    /// Whether `tag` is a tag by the grammar (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), e.g. one a
    /// registry listed.
    pub fn is_tag(tag: &str) -> bool {
        grammar::check_tag(tag, 0, tag).is_ok()
    }

    /// The same repository with this tag (any digest is kept, as distribution's `WithTag` does).
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        let name = self.name();
        let input = format!("{name}:{tag}");
        grammar::check_tag(&input, name.len(), tag).map_err(|kind| ReferenceError::new(&input, kind))?;
        Ok(Reference { tag: Some(tag.to_owned()), ..self.clone() })
    }

    /// The same repository with this digest (any tag is kept, as distribution's `WithDigest` does).
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference { digest: Some(digest), ..self.clone() }
    }

    /// The short form people type, like docker's `FamiliarString`: `ubuntu:22.04`,
    /// `team/app@sha256:…`, `ghcr.io/o/r:t`.
    ///
    /// Unlike docker, the full name is kept when the short one would read differently
    /// (`docker.io/foo.com/bar` stays as is, since `foo.com/bar` names the registry `foo.com`;
    /// `docker.io/library/<64 hex>` too, since 64 hex alone is an image ID), so the familiar
    /// form always parses back to the same reference.
    pub fn familiar(&self) -> String {
        let mut out = self.familiar_name();
        self.push_suffix(&mut out);
        out
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    fn familiar_name(&self) -> String {
        if self.registry != DOCKER_HUB {
            return self.name();
        }
        let path = match self.repository.strip_prefix(OFFICIAL_PREFIX) {
            Some(rest) if !rest.contains('/') => rest,
            _ => &self.repository,
        };
        let ambiguous = match path.split_once('/') {
            Some((first, _)) => grammar::is_registry(first),
            None => grammar::is_hex_identifier(path),
        };
        if ambiguous { self.name() } else { path.to_owned() }
    }

    fn push_suffix(&self, out: &mut String) {
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(&digest.to_string());
        }
    }
}

/// The grammar, in order: registry, path, tag, digest. Errors come left to right, so the first
/// one reported is the first problem in the input.
fn parse_kind(s: &str) -> Result<Reference, ReferenceErrorKind> {
    use ReferenceErrorKind as Kind;
    if s.is_empty() {
        return Err(Kind::Empty);
    }
    if let Some(end) = s.find("://")
        && !s[..end].contains(['/', '@'])
    {
        return Err(Kind::Scheme { scheme: s[..end + 3].to_owned() });
    }
    if grammar::is_hex_identifier(s) {
        return Err(Kind::HexIdentifier);
    }

    let at = s.find('@');
    let name_and_tag = &s[..at.unwrap_or(s.len())];
    // The tag is after the first ':' of the last path component; a ':' before the last '/'
    // belongs to the registry's port.
    let last_component = name_and_tag.rfind('/').map_or(0, |slash| slash + 1);
    let colon = name_and_tag[last_component..].find(':').map(|i| last_component + i);
    let name = &name_and_tag[..colon.unwrap_or(name_and_tag.len())];
    if name.is_empty() {
        return Err(Kind::MissingName { separator: if colon == Some(0) { ':' } else { '@' } });
    }

    let (registry, path, path_at) = match name.split_once('/') {
        Some((first, rest)) if grammar::is_registry(first) => {
            grammar::check_registry(s, 0, first)?;
            let registry = if first == DOCKER_HUB_LEGACY { DOCKER_HUB } else { first };
            (registry, rest, first.len() + 1)
        }
        _ => (DOCKER_HUB, name, 0),
    };
    grammar::check_path(s, path_at, path)?;
    let repository = if registry == DOCKER_HUB && !path.contains('/') {
        format!("{OFFICIAL_PREFIX}{path}")
    } else {
        path.to_owned()
    };
    if repository.len() > grammar::MAX_REPOSITORY_LEN {
        return Err(Kind::NameTooLong {
            length: repository.len(),
            repository,
            max: grammar::MAX_REPOSITORY_LEN,
        });
    }

    let tag = match colon {
        Some(colon) => {
            let tag = &name_and_tag[colon + 1..];
            grammar::check_tag(s, colon, tag)?;
            Some(tag.to_owned())
        }
        None => None,
    };
    let digest = match at {
        Some(at) => Some(
            s[at + 1..]
                .parse::<Digest>()
                .map_err(|error| Kind::Digest { column: column(s, at + 1), error })?,
        ),
        None => None,
    };
    Ok(Reference { registry: registry.to_owned(), repository, tag, digest })
}

impl fmt::Display for Reference {
    /// The canonical full form: `docker.io/library/ubuntu:22.04`, `localhost:5000/a/b@sha256:…`;
    /// tag and digest are both printed when both are present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        self.push_suffix(&mut out);
        f.write_str(&out)
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({self})")
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        Reference::parse(s)
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Reference, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
