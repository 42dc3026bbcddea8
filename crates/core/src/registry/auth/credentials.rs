//! A registry login: the username and password, and the Basic `Authorization` header they make.

use std::fmt;

use base64::Engine as _;

/// A username and password for one registry. The password never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username.
    pub username: String,
    password: String,
}

impl Credentials {
    /// Credentials from a username and a password (or a personal access token).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials { username: username.into(), password: password.into() }
    }

    /// The `Authorization` header value for Basic auth.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }

    /// The credentials in a Basic `Authorization` header value (`Basic base64(user:password)`),
    /// as an API that takes a registry login from its caller receives them. The scheme is
    /// case-insensitive; the password may contain colons, the username may not (RFC 7617).
    pub fn from_basic_header(value: &str) -> Result<Credentials, BasicHeaderError> {
        let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(BasicHeaderError::NotBasic);
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| BasicHeaderError::Malformed)?;
        let text = String::from_utf8(decoded).map_err(|_| BasicHeaderError::Malformed)?;
        let (username, password) = text.split_once(':').ok_or(BasicHeaderError::Malformed)?;
        if username.is_empty() {
            return Err(BasicHeaderError::Malformed);
        }
        Ok(Credentials::new(username, password))
    }
}

/// Why an `Authorization` header does not carry Basic credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BasicHeaderError {
    /// Another scheme (`Bearer …`): a token is for one registry's realm, not a login.
    #[error("only Basic credentials (Authorization: Basic base64(username:password)) are accepted")]
    NotBasic,
    /// `Basic` with something that is not base64 of `username:password`.
    #[error("the Basic credentials are not base64 of username:password")]
    Malformed,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}
