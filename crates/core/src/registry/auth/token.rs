//! Bearer tokens: the token request URL, the token server's answer, and the per-scope cache.

use std::fmt;

use url::Url;

use super::{AuthError, Scope, TokenRealm};

/// The token request URL: the realm with `service` and one `scope` per item appended (any query
/// the realm already has is kept).
pub fn token_url(realm: &TokenRealm, scope: &Scope) -> Url {
    let mut url = realm.realm.clone();
    {
        let mut query = url.query_pairs_mut();
        if let Some(service) = &realm.service {
            query.append_pair("service", service);
        }
        for item in scope.items() {
            query.append_pair("scope", &item);
        }
    }
    url
}

/// A token and how long the server said it lives.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The bearer token.
    pub token: String,
    /// Lifetime in seconds; the token spec's default of 60 when the server gave none.
    pub expires_in: u64,
}

impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Lifetime the token spec assumes when `expires_in` is absent.
const DEFAULT_TOKEN_LIFETIME: u64 = 60;

/// Reads a token endpoint's JSON: `token` (Docker) or `access_token` (OAuth2), and `expires_in`.
pub fn parse_token_response(realm: &Url, body: &[u8]) -> Result<TokenGrant, AuthError> {
    let bad = |reason: String| AuthError::BadTokenResponse { realm: realm.to_string(), reason };
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("not JSON ({e})")))?;
    let text = |name: &str| value.get(name).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty());
    let token = text("token")
        .or_else(|| text("access_token"))
        .ok_or_else(|| bad("neither `token` nor `access_token` is a non-empty string".into()))?;
    let expires_in = match value.get("expires_in") {
        None | Some(serde_json::Value::Null) => DEFAULT_TOKEN_LIFETIME,
        Some(v) => v.as_u64().ok_or_else(|| bad(format!("`expires_in` is {v}, not a number of seconds")))?,
    };
    Ok(TokenGrant { token: token.to_owned(), expires_in })
}

/// Tokens are renewed this many seconds before they expire, so one does not lapse mid-request.
const EXPIRY_MARGIN: u64 = 10;

#[derive(Clone)]
struct CachedToken {
    scope: Scope,
    token: String,
    /// Seconds since the Unix epoch, when a clock is available.
    expires_at: Option<u64>,
}

/// Tokens per scope. A token is reused for any request whose scope it covers, until it expires
/// (when the shell supplies a clock) or the registry rejects it.
#[derive(Clone, Default)]
pub struct TokenCache {
    tokens: Vec<CachedToken>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.tokens.iter().map(|t| t.scope.to_string())).finish()
    }
}

impl TokenCache {
    /// A live token covering `scope`. `now` is seconds since the Unix epoch, if known.
    pub fn get(&self, scope: &Scope, now: Option<u64>) -> Option<&str> {
        self.tokens
            .iter()
            .filter(|t| t.scope.covers(scope))
            .find(|t| match (t.expires_at, now) {
                (Some(expires_at), Some(now)) => now + EXPIRY_MARGIN < expires_at,
                _ => true,
            })
            .map(|t| t.token.as_str())
    }

    /// Stores a token for `scope`, replacing any token for exactly that scope.
    pub fn insert(&mut self, scope: Scope, grant: TokenGrant, now: Option<u64>) {
        self.tokens.retain(|t| t.scope != scope);
        let expires_at = now.map(|now| now.saturating_add(grant.expires_in));
        self.tokens.push(CachedToken { scope, token: grant.token, expires_at });
    }

    /// Drops a token the registry refused.
    pub fn forget(&mut self, token: &str) {
        self.tokens.retain(|t| t.token != token);
    }
}
