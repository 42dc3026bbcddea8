//! Why a string is not an image reference, said so that a person can fix it.
//!
//! Every error carries the whole input and, where there is one, the 1-based column (counted in
//! characters, as an editor shows it) of the first character that is wrong.

use crate::digest::DigestError;

/// A string that is not a valid image reference: the input and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {input:?}: {kind}")]
pub struct ReferenceError {
    input: String,
    kind: ReferenceErrorKind,
}

impl ReferenceError {
    pub(super) fn new(input: &str, kind: ReferenceErrorKind) -> ReferenceError {
        ReferenceError { input: input.to_owned(), kind }
    }

    /// The string that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What is wrong with it.
    pub fn kind(&self) -> &ReferenceErrorKind {
        &self.kind
    }
}

/// What is wrong with a reference. Columns are 1-based and counted in characters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceErrorKind {
    /// The input is empty.
    #[error("it is empty; expected e.g. \"ubuntu:22.04\" or \"registry.example.com/team/app:1.0\"")]
    Empty,
    /// The input starts like a URL (`https://…`).
    #[error("a reference has no URL scheme: remove {scheme:?} (e.g. \"ghcr.io/owner/app:1.0\")")]
    Scheme {
        /// The scheme including `://`.
        scheme: String,
    },
    /// 64 lower-case hex characters: an image ID, not a repository name.
    #[error(
        "64 hex characters are an image ID, not a repository name; \
         write a name, or name@sha256:<hex> for a digest"
    )]
    HexIdentifier,
    /// Nothing before the `:` or `@` that starts the reference.
    #[error("there is no repository name before the {separator:?} at column 1")]
    MissingName {
        /// The character the input starts with (`:` or `@`).
        separator: char,
    },
    /// The repository name contains an upper-case letter (distribution refuses these).
    #[error("repository name must be lowercase: {repository:?} has {ch:?} at column {column}")]
    Uppercase {
        /// The repository part of the input (without registry, tag and digest).
        repository: String,
        /// The first upper-case letter.
        ch: char,
        /// Its column in the input.
        column: usize,
    },
    /// Two `/` in a row, or a `/` at the end of the name.
    #[error("empty path component at column {column}: remove the doubled or trailing '/'")]
    EmptyComponent {
        /// Where the empty component is (the character after the `/`).
        column: usize,
    },
    /// A character that cannot appear in a repository name.
    #[error(
        "{ch:?} at column {column} (in {component:?}) is not allowed in a repository name: \
         use lowercase letters, digits and the separators '.', '_', '__' and '-'"
    )]
    NameCharacter {
        /// The path component containing it.
        component: String,
        /// The character.
        ch: char,
        /// Its column in the input.
        column: usize,
    },
    /// A path component that starts or ends with a separator.
    #[error(
        "path component {component:?} must start and end with a lowercase letter or digit \
         ({ch:?} at column {column})"
    )]
    ComponentEdge {
        /// The path component.
        component: String,
        /// The separator character at its edge.
        ch: char,
        /// Its column in the input.
        column: usize,
    },
    /// A run of separators that the grammar does not allow (`..`, `._`, `___`, `-.`).
    #[error(
        "{separator:?} at column {column} (in {component:?}) is not a valid separator: \
         use one '.', one or two '_', or any number of '-'"
    )]
    Separator {
        /// The path component.
        component: String,
        /// The run of separator characters.
        separator: String,
        /// The column of its first character.
        column: usize,
    },
    /// The repository path (after `library/` is added) is longer than distribution allows.
    #[error("repository name {repository:?} is {length} characters long; at most {max} are allowed")]
    NameTooLong {
        /// The normalised repository path.
        repository: String,
        /// Its length.
        length: usize,
        /// The limit (255).
        max: usize,
    },
    /// A character that cannot appear in a registry host name.
    #[error(
        "{ch:?} at column {column} is not allowed in the registry {registry:?}: \
         a registry is a host name (letters, digits, '-', '.'), an IPv4 address \
         or a bracketed IPv6 address, optionally followed by ':port'"
    )]
    RegistryCharacter {
        /// The registry part of the input.
        registry: String,
        /// The character.
        ch: char,
        /// Its column in the input.
        column: usize,
    },
    /// A registry host label that is empty or starts or ends with `-`.
    #[error(
        "the registry {registry:?} has an invalid label {label:?} at column {column}: \
         each '.'-separated part must be non-empty and start and end with a letter or digit"
    )]
    RegistryLabel {
        /// The registry part of the input.
        registry: String,
        /// The offending label.
        label: String,
        /// The column where it starts.
        column: usize,
    },
    /// A registry port that is empty or not made of digits.
    #[error(
        "the registry {registry:?} has an invalid port {port:?} at column {column}: \
         a port is one or more digits 0-9"
    )]
    RegistryPort {
        /// The registry part of the input.
        registry: String,
        /// The text after the `:`.
        port: String,
        /// The column where the port starts.
        column: usize,
    },
    /// A bracketed IPv6 registry address that is malformed.
    #[error(
        "the registry {registry:?} is not a valid bracketed IPv6 address (problem at column \
         {column}): write it as [hex:hex::hex] with only hex digits and ':' inside, e.g. [::1]:5000"
    )]
    RegistryIpv6 {
        /// The registry part of the input.
        registry: String,
        /// The column of the problem.
        column: usize,
    },
    /// `name:` with nothing after the colon.
    #[error("the tag after the ':' at column {column} is empty: give a tag or remove the ':'")]
    EmptyTag {
        /// The column of the `:`.
        column: usize,
    },
    /// A second `:` after the registry: only one tag is allowed.
    #[error(
        "second ':' at column {column}: a reference has at most one tag \
         (a ':' before the first '/' belongs to a registry port)"
    )]
    ExtraColon {
        /// The column of the second `:`.
        column: usize,
    },
    /// A character that cannot appear in a tag.
    #[error(
        "{ch:?} at column {column} is not allowed in the tag {tag:?}: a tag is letters, \
         digits, '_', '.' and '-', and must not start with '.' or '-'"
    )]
    TagCharacter {
        /// The tag.
        tag: String,
        /// The character.
        ch: char,
        /// Its column in the input.
        column: usize,
    },
    /// A tag longer than 128 characters.
    #[error("the tag is {length} characters long; at most {max} are allowed")]
    TagTooLong {
        /// Its length.
        length: usize,
        /// The limit (128).
        max: usize,
    },
    /// The part after `@` is not a digest Waybill accepts.
    #[error("the digest at column {column} is invalid: {error}")]
    Digest {
        /// The column of the first character after `@`.
        column: usize,
        /// Why the digest was refused.
        error: DigestError,
    },
}
