//! What a 401 asks for: its `WWW-Authenticate` challenges read into a scheme, a token realm and
//! a scope.

use url::Url;

use super::{AuthError, Scope};
use crate::challenge::{Challenge, parse_challenges};

/// Where Bearer tokens come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRealm {
    /// The absolute token endpoint (a relative realm already resolved).
    pub realm: Url,
    /// The `service` parameter to send back, if the challenge named one.
    pub service: Option<String>,
}

/// The scheme a registry asked for in its 401.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// Send the credentials with every request.
    Basic,
    /// Fetch tokens from this realm.
    Bearer(TokenRealm),
}

/// What one 401 asked for: the scheme, and (Bearer only) the scope the registry named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Demand {
    /// Basic or Bearer.
    pub scheme: AuthScheme,
    /// The challenge's `scope`, empty when it named none.
    pub scope: Scope,
}

/// Reads the `WWW-Authenticate` values of a 401 answering a request to `request_url`.
///
/// Bearer is preferred when both are offered (it never sends the password to the registry
/// itself); a relative realm is resolved against `request_url`.
pub fn demand_from_challenges(header_values: &[&str], request_url: &Url) -> Result<Demand, AuthError> {
    if header_values.is_empty() {
        return Err(AuthError::NoChallenge);
    }
    let mut challenges: Vec<Challenge> = Vec::new();
    for value in header_values {
        let parsed = parse_challenges(value)
            .map_err(|e| AuthError::Malformed { header: (*value).to_owned(), reason: e.to_string() })?;
        challenges.extend(parsed);
    }
    if let Some(bearer) = challenges.iter().find(|c| c.is("Bearer")) {
        let raw = bearer.param("realm").unwrap_or_default();
        if raw.is_empty() {
            return Err(AuthError::BadRealm { realm: String::new(), reason: "it is missing".into() });
        }
        let realm = request_url
            .join(raw)
            .map_err(|e| AuthError::BadRealm { realm: raw.to_owned(), reason: e.to_string() })?;
        if !matches!(realm.scheme(), "http" | "https") {
            return Err(AuthError::BadRealm { realm: raw.to_owned(), reason: "not an http(s) URL".into() });
        }
        let service = bearer.param("service").filter(|s| !s.is_empty()).map(str::to_owned);
        let scope = bearer.param("scope").map(Scope::parse).unwrap_or_default();
        return Ok(Demand { scheme: AuthScheme::Bearer(TokenRealm { realm, service }), scope });
    }
    if challenges.iter().any(|c| c.is("Basic")) {
        return Ok(Demand { scheme: AuthScheme::Basic, scope: Scope::none() });
    }
    let schemes = challenges.iter().map(|c| c.scheme.as_str()).collect::<Vec<_>>().join(", ");
    Err(AuthError::UnsupportedScheme { schemes })
}
