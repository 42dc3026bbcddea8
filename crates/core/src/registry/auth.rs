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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine as _;
use url::Url;

use crate::challenge::{Challenge, parse_challenges};

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

/// A token scope: resources (`repository:<name>`) and the actions wanted on each.
///
/// Kept as sets so that merging the scope a challenge names with the one the client needs (say
/// for a cross-repository mount, which needs `pull` on the source and `pull,push` on the target)
/// gives one canonical, comparable value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    entries: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Scope {
    /// No scope at all (the `/v2/` ping, a catalog-free request).
    pub fn none() -> Scope {
        Scope::default()
    }

    /// `repository:<name>:pull`.
    pub fn pull(repository: &str) -> Scope {
        Scope::repository(repository, &["pull"])
    }

    /// `repository:<name>:pull,push`.
    pub fn push(repository: &str) -> Scope {
        Scope::repository(repository, &["pull", "push"])
    }

    /// A repository scope with the given actions.
    pub fn repository(repository: &str, actions: &[&str]) -> Scope {
        let mut scope = Scope::default();
        scope.add("repository", repository, actions.iter().copied());
        scope
    }

    fn add<'a>(&mut self, kind: &str, name: &str, actions: impl IntoIterator<Item = &'a str>) {
        let set = self.entries.entry((kind.to_owned(), name.to_owned())).or_default();
        set.extend(actions.into_iter().filter(|a| !a.is_empty()).map(str::to_owned));
    }

    /// Parses a challenge's `scope` parameter: space-separated `type:name:actions` items. The name
    /// may itself contain `:` (a registry host with a port), so the type is what precedes the
    /// first `:` and the actions what follows the last. Items without two colons are ignored.
    pub fn parse(text: &str) -> Scope {
        let mut scope = Scope::default();
        for item in text.split_whitespace() {
            let (Some((kind, rest)), Some((_, actions))) = (item.split_once(':'), item.rsplit_once(':'))
            else {
                continue;
            };
            let Some((name, _)) = rest.rsplit_once(':') else { continue };
            scope.add(kind, name, actions.split(','));
        }
        scope
    }

    /// Adds everything `other` asks for.
    pub fn merge(&mut self, other: &Scope) {
        for ((kind, name), actions) in &other.entries {
            self.add(kind, name, actions.iter().map(String::as_str));
        }
    }

    /// Whether every action of `other` is in this scope.
    pub fn covers(&self, other: &Scope) -> bool {
        other
            .entries
            .iter()
            .all(|(key, actions)| self.entries.get(key).is_some_and(|have| have.is_superset(actions)))
    }

    /// Whether the scope asks for nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The scope items as token requests send them, one `scope=` parameter each.
    pub fn items(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|((kind, name), actions)| {
                format!("{kind}:{name}:{}", actions.iter().map(String::as_str).collect::<Vec<_>>().join(","))
            })
            .collect()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.items().join(" "))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn basic_header_and_redacted_debug() {
        let c = Credentials::new("admin", "password");
        assert_eq!(c.basic_header(), "Basic YWRtaW46cGFzc3dvcmQ=");
        let debug = format!("{c:?}");
        assert!(debug.contains("admin") && !debug.contains("password\""), "{debug}");
    }

    #[test]
    fn scope_parse_merge_cover() {
        let s = Scope::parse("repository:127.0.0.1:5000/a/b:pull,push repository:c:pull registry:catalog:*");
        assert_eq!(
            s.items(),
            vec!["registry:catalog:*", "repository:127.0.0.1:5000/a/b:pull,push", "repository:c:pull"]
        );
        let mut need = Scope::push("dst");
        need.merge(&Scope::pull("src"));
        assert_eq!(need.to_string(), "repository:dst:pull,push repository:src:pull");
        assert!(need.covers(&Scope::pull("dst")));
        assert!(need.covers(&Scope::pull("src")));
        assert!(!need.covers(&Scope::push("src")));
        assert!(need.covers(&Scope::none()));
        assert!(Scope::parse("garbage nocolon:x").is_empty());
        // Action order does not matter.
        assert_eq!(Scope::parse("repository:x:push,pull"), Scope::push("x"));
    }

    #[test]
    fn bearer_challenge_with_absolute_realm() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#;
        let d = demand_from_challenges(
            &[h],
            &url("https://registry-1.docker.io/v2/library/ubuntu/manifests/latest"),
        )
        .unwrap();
        let AuthScheme::Bearer(realm) = &d.scheme else { panic!("expected Bearer") };
        assert_eq!(realm.realm.as_str(), "https://auth.docker.io/token");
        assert_eq!(realm.service.as_deref(), Some("registry.docker.io"));
        assert_eq!(d.scope, Scope::pull("library/ubuntu"));
        let mut scope = d.scope.clone();
        scope.merge(&Scope::pull("library/debian"));
        assert_eq!(
            token_url(realm, &scope).as_str(),
            "https://auth.docker.io/token?service=registry.docker.io\
             &scope=repository%3Alibrary%2Fdebian%3Apull&scope=repository%3Alibrary%2Fubuntu%3Apull"
        );
    }

    #[test]
    fn relative_realm_resolves_against_the_request() {
        // What Waybill's proxy sends: the realm rewritten to a path on the proxy itself.
        let h = r#"Bearer realm="/r/auth.docker.io/token",service="registry.docker.io""#;
        let req = url("http://127.0.0.1:8080/r/registry-1.docker.io/v2/library/ubuntu/manifests/latest");
        let d = demand_from_challenges(&[h], &req).unwrap();
        let AuthScheme::Bearer(realm) = d.scheme else { panic!("expected Bearer") };
        assert_eq!(realm.realm.as_str(), "http://127.0.0.1:8080/r/auth.docker.io/token");
        assert!(d.scope.is_empty());
        assert_eq!(
            token_url(&realm, &Scope::push("a")).as_str(),
            "http://127.0.0.1:8080/r/auth.docker.io/token?service=registry.docker.io&scope=repository%3Aa%3Apull%2Cpush"
        );
    }

    #[test]
    fn realm_with_query_and_no_service() {
        let h = r#"Bearer realm="https://ghcr.io/token?x=1""#;
        let d = demand_from_challenges(&[h], &url("https://ghcr.io/v2/")).unwrap();
        let AuthScheme::Bearer(realm) = d.scheme else { panic!("expected Bearer") };
        assert_eq!(
            token_url(&realm, &Scope::pull("o/i")).as_str(),
            "https://ghcr.io/token?x=1&scope=repository%3Ao%2Fi%3Apull"
        );
    }

    #[test]
    fn basic_and_preference_and_failures() {
        let u = url("http://127.0.0.1:24817/v2/a/blobs/uploads/");
        let d = demand_from_challenges(&[r#"Basic realm="Pulp""#], &u).unwrap();
        assert_eq!(d.scheme, AuthScheme::Basic);
        let d = demand_from_challenges(&[r#"Basic realm="x""#, r#"Bearer realm="/token/",service="s""#], &u)
            .unwrap();
        assert!(
            matches!(d.scheme, AuthScheme::Bearer(ref r) if r.realm.as_str() == "http://127.0.0.1:24817/token/")
        );
        assert_eq!(demand_from_challenges(&[], &u), Err(AuthError::NoChallenge));
        assert!(matches!(
            demand_from_challenges(&["Negotiate abc"], &u),
            Err(AuthError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            demand_from_challenges(&["Bearer service=\"x\""], &u),
            Err(AuthError::BadRealm { .. })
        ));
        assert!(matches!(
            demand_from_challenges(&[r#"Bearer realm="ftp://x/t""#], &u),
            Err(AuthError::BadRealm { .. })
        ));
        assert!(matches!(
            demand_from_challenges(&[r#"Bearer realm="x"#], &u),
            Err(AuthError::Malformed { .. })
        ));
    }

    #[test]
    fn token_json_variants() {
        let realm = url("https://auth.example/token");
        let g = parse_token_response(
            &realm,
            br#"{"token":"t1","expires_in":300,"issued_at":"2026-11-26T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!((g.token.as_str(), g.expires_in), ("t1", 300));
        let g = parse_token_response(&realm, br#"{"access_token":"t2"}"#).unwrap();
        assert_eq!((g.token.as_str(), g.expires_in), ("t2", 60));
        // Docker Hub sends both; `token` wins.
        let g =
            parse_token_response(&realm, br#"{"token":"a","access_token":"b","expires_in":null}"#).unwrap();
        assert_eq!((g.token.as_str(), g.expires_in), ("a", 60));
        let g = parse_token_response(&realm, br#"{"token":"","access_token":"b"}"#).unwrap();
        assert_eq!(g.token, "b");
        for bad in
            [&b"not json"[..], br#"{}"#, br#"{"token":5}"#, br#"{"token":"t","expires_in":"300"}"#, b"[]"]
        {
            let e = parse_token_response(&realm, bad).unwrap_err();
            assert!(e.to_string().contains("https://auth.example/token"), "{e}");
        }
        assert!(
            !format!("{:?}", parse_token_response(&realm, br#"{"token":"secret"}"#).unwrap())
                .contains("secret")
        );
    }

    #[test]
    fn cache_per_scope_with_expiry() {
        let mut cache = TokenCache::default();
        let grant = |t: &str, s| TokenGrant { token: t.into(), expires_in: s };
        let mut both = Scope::push("dst");
        both.merge(&Scope::pull("src"));
        cache.insert(both, grant("wide", 300), Some(1000));
        cache.insert(Scope::pull("other"), grant("narrow", 300), Some(1000));
        assert_eq!(cache.get(&Scope::pull("src"), Some(1000)), Some("wide"));
        assert_eq!(cache.get(&Scope::push("dst"), Some(1200)), Some("wide"));
        assert_eq!(cache.get(&Scope::pull("other"), Some(1000)), Some("narrow"));
        assert_eq!(cache.get(&Scope::push("other"), Some(1000)), None);
        // Within the margin of expiry the token is no longer handed out; without a clock it is.
        assert_eq!(cache.get(&Scope::pull("src"), Some(1295)), None);
        assert_eq!(cache.get(&Scope::pull("src"), None), Some("wide"));
        cache.forget("wide");
        assert_eq!(cache.get(&Scope::pull("src"), None), None);
        // Without a clock at insert time, a token lives until the registry refuses it.
        cache.insert(Scope::pull("x"), grant("t", 1), None);
        assert_eq!(cache.get(&Scope::pull("x"), Some(u64::MAX - 100)), Some("t"));
    }

    #[test]
    fn basic_headers_are_read_back() {
        let credentials = Credentials::new("admin", "pa:ss wörd");
        assert_eq!(Credentials::from_basic_header(&credentials.basic_header()), Ok(credentials));
        // The scheme in any case; spaces around the value.
        assert_eq!(
            Credentials::from_basic_header("  basic YWRtaW46cGFzc3dvcmQ= "),
            Ok(Credentials::new("admin", "password"))
        );
        assert_eq!(Credentials::from_basic_header("Bearer abc"), Err(BasicHeaderError::NotBasic));
        assert_eq!(Credentials::from_basic_header("Basic"), Err(BasicHeaderError::Malformed));
        assert_eq!(Credentials::from_basic_header("Basic !!!"), Err(BasicHeaderError::Malformed));
        // base64 of "admin" (no colon) and of ":password" (no username).
        assert_eq!(Credentials::from_basic_header("Basic YWRtaW4="), Err(BasicHeaderError::Malformed));
        assert_eq!(Credentials::from_basic_header("Basic OnBhc3N3b3Jk"), Err(BasicHeaderError::Malformed));
    }
}
