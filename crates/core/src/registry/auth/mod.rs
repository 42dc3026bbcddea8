//! Registry authentication: credentials, token scopes, what a 401 challenge asks for, token
//! requests and responses, and the per-scope token cache.
//!
//! Registries use one of two schemes. Basic (Pulp with token auth disabled, distribution with
//! htpasswd): the credentials go with every request. Bearer (Docker Hub, GHCR, Pulp in token mode):
//! the 401 names a token *realm*; the client asks the realm for a token covering a *scope*
//! (`repository:<name>:pull,push`), sending its credentials there — or nothing, for an anonymous
//! pull token — and then presents the token to the registry.
//!
//! The realm may be relative: Waybill's proxy rewrites it to `/r/<realm-host>/<path>` so the
//! browser's token request goes through the proxy too. It is resolved against the URL of the
//! request that received the challenge.

mod credentials;
mod demand;
mod scope;
#[cfg(test)]
mod tests;
mod token;

pub use credentials::{BasicHeaderError, Credentials};
pub use demand::{AuthScheme, Demand, TokenRealm, demand_from_challenges};
pub use scope::Scope;
pub use token::{TokenCache, TokenGrant, parse_token_response, token_url};

/// Why authentication could not proceed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The 401 carried no `WWW-Authenticate` header.
    #[error(
        "the registry answered 401 without a WWW-Authenticate header, so Waybill cannot tell how to log in"
    )]
    NoChallenge,
    /// The header could not be parsed.
    #[error("the registry's WWW-Authenticate header {header:?} is malformed: {reason}")]
    Malformed {
        /// The header value.
        header: String,
        /// The parser's complaint.
        reason: String,
    },
    /// Only schemes Waybill does not speak (e.g. Negotiate).
    #[error("the registry asks for {schemes}; Waybill speaks Basic and Bearer only")]
    UnsupportedScheme {
        /// The schemes offered.
        schemes: String,
    },
    /// A Bearer challenge without a usable realm.
    #[error("the registry's Bearer challenge has no usable realm ({realm:?}): {reason}")]
    BadRealm {
        /// The realm as sent.
        realm: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token endpoint answered, but not with a token.
    #[error("the token server at {realm} answered without a usable token: {reason}")]
    BadTokenResponse {
        /// The realm.
        realm: String,
        /// What was wrong.
        reason: String,
    },
}
