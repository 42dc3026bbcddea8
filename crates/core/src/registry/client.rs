//! One registry, seen through a [`Transport`]: requests with authentication, one retry after a
//! 401, transient failures sent again as the [retry rule](super::retry) says (when the shell gives
//! a timer), and redirects followed here (transports never follow them) so that the
//! `Authorization` header is dropped whenever a redirect leaves the registry (invariant 4).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use url::Url;

use super::auth::{
    AuthScheme, Credentials, Scope, TokenCache, TokenRealm, demand_from_challenges, parse_token_response,
    token_url,
};
use super::body::{read_limited, read_prefix};
use super::errors::{ERROR_BODY_LIMIT, Error, RegistryError};
use super::redirect_target::{MAX_REDIRECTS, redirect_target, under_base};
use super::retry::{Decision, Failure, RetryRule, Step};
use super::upload::UploadError;
use crate::transport::{Body, Method, Request, Response, Transport};

/// Largest token response accepted.
const TOKEN_BODY_LIMIT: usize = 1024 * 1024;

/// Seconds since the Unix epoch, from the shell (core has no clock of its own).
pub type Clock = Rc<dyn Fn() -> u64>;

/// A timer from the shell: a future that completes after the duration (core has no timer).
pub type Sleep = Rc<dyn Fn(Duration) -> LocalBoxFuture<'static, ()>>;

#[derive(Default)]
struct AuthState {
    scheme: Option<AuthScheme>,
    tokens: TokenCache,
}

/// A client for one registry (or one registry behind Waybill's proxy).
///
/// `base` is the URL that `/v2/...` is appended to: `https://ghcr.io`, `http://127.0.0.1:5000`,
/// or `http://127.0.0.1:8080/r/ghcr.io` through the proxy. Credentials are sent only to URLs
/// under `base` and to the token realm the registry names; a redirect anywhere else (Pulp's
/// content app, a CDN, another proxy path) goes without them.
///
/// The transport is held by value: shells pass a cheap handle (reqwest's `Client` is one).
pub struct Client<T: Transport> {
    transport: T,
    base: Url,
    credentials: Option<Credentials>,
    clock: Option<Clock>,
    sleep: Option<Sleep>,
    retry: RetryRule,
    auth: RefCell<AuthState>,
}

impl<T: Transport> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl<T: Transport> Client<T> {
    /// A client for the registry at `base` (scheme, host, optional port and path prefix).
    pub fn new(transport: T, base: &str) -> Result<Client<T>, Error> {
        let bad = |reason: &str| Error::UnsafeUrl { url: base.to_owned(), reason: reason.to_owned() };
        let mut url = Url::parse(base).map_err(|e| bad(&format!("not a registry URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(bad("a registry URL is http(s)://host[:port][/prefix]"));
        }
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(bad(
                "a registry URL has no query, fragment or user info (pass credentials separately)",
            ));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        Ok(Client {
            transport,
            base: url,
            credentials: None,
            clock: None,
            sleep: None,
            retry: RetryRule::default(),
            auth: RefCell::default(),
        })
    }

    /// Uses these credentials for this registry (and its token realm) only.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Client<T> {
        self.credentials = credentials;
        self
    }

    /// Lets tokens expire on time rather than on the registry's first 401.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Client<T> {
        self.clock = Some(clock);
        self
    }

    /// Sends requests that failed transiently again, waiting with this timer as the
    /// [`RetryRule`] says. Without a timer every request is sent once (the Worker: an inspect
    /// answers at once or fails).
    #[must_use]
    pub fn with_sleep(mut self, sleep: Sleep) -> Client<T> {
        self.sleep = Some(sleep);
        self
    }

    /// The retry rule this client follows.
    pub fn retry_rule(&self) -> &RetryRule {
        &self.retry
    }

    /// Waits `duration` on the shell's timer (no wait without one).
    pub async fn pause(&self, duration: Duration) {
        if let Some(sleep) = &self.sleep {
            sleep(duration).await;
        }
    }

    /// The registry's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The login for this registry (for Pulp's REST API, which takes it as Basic credentials).
    pub(crate) fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The transport (for requests that must go out without the registry's credentials).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Whether two clients talk to the same registry (so a cross-repository mount can work).
    pub fn same_registry(&self, other: &Client<T>) -> bool {
        self.base == other.base
    }

    /// `base` + `path` (which starts with `/v2/`).
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// Whether `url` lies under the base URL, i.e. may receive this registry's credentials.
    pub fn in_registry(&self, url: &Url) -> bool {
        under_base(&self.base, url)
    }

    fn now(&self) -> Option<u64> {
        self.clock.as_ref().map(|clock| clock())
    }

    /// Sends a request to the registry with whatever authorization `scope` needs, retrying once
    /// after a 401, following redirects, and sending it again after a transient failure as the
    /// [`RetryRule`] says. Returns the final response whatever its status.
    pub async fn send(&self, request: Request<T::Chunk>, scope: &Scope) -> Result<Response<T::Body>, Error> {
        let Some(sleep) = &self.sleep else { return self.send_once(&request, scope).await };
        let step = Step::of(request.method);
        let mut attempt = 1;
        loop {
            let result = self.send_once(&request, scope).await;
            let decision = match &result {
                Ok(response) => self.retry.decide(
                    attempt,
                    Failure::Status(response.status),
                    step,
                    response.header("Retry-After"),
                    self.now(),
                ),
                Err(Error::Transport { source, .. }) => {
                    self.retry.decide(attempt, Failure::Transport(source.kind), step, None, self.now())
                }
                Err(_) => Decision::GiveUp,
            };
            let Decision::RetryAfter(wait) = decision else { return result };
            // The failed answer's connection is released before the wait.
            drop(result);
            sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt of [`Client::send`]: authorization, the retry after a 401, redirects.
    async fn send_once(
        &self,
        request: &Request<T::Chunk>,
        scope: &Scope,
    ) -> Result<Response<T::Body>, Error> {
        let mut current = clone_request(request);
        current.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        let mut url = parse_url(current.method, &current.url)?;
        let mut auth_retried = false;
        let mut redirects = 0;
        loop {
            let in_registry = self.in_registry(&url);
            let mut attempt = clone_request(&current);
            let mut sent_token = None;
            let mut sent_authorization = false;
            if in_registry && let Some((header, token)) = self.authorization(scope).await? {
                attempt.headers.push(("Authorization".to_owned(), header));
                sent_token = token;
                sent_authorization = true;
            }
            let method = attempt.method;
            let response = self.transport.send(attempt).await.map_err(|source| Error::Transport {
                method,
                url: url.to_string(),
                source,
            })?;
            if response.status == 401 && in_registry && !auth_retried {
                auth_retried = true;
                if self
                    .learn_challenge(&url, &response, scope, sent_authorization, sent_token.as_deref())
                    .await?
                {
                    continue;
                }
                return Ok(response);
            }
            if let Some(next) = redirect_target(&current, &url, &response)? {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(Error::Protocol {
                        method,
                        url: url.to_string(),
                        what: format!("more than {MAX_REDIRECTS} redirects"),
                    });
                }
                if response.status == 303 {
                    current.method = Method::Get;
                    current.body = Body::Empty;
                }
                current.url = next.to_string();
                url = next;
                continue;
            }
            return Ok(response);
        }
    }

    /// The `Authorization` value to send now, and the token in it (to forget if refused).
    async fn authorization(&self, scope: &Scope) -> Result<Option<(String, Option<String>)>, Error> {
        let scheme = self.auth.borrow().scheme.clone();
        match scheme {
            None => Ok(None),
            Some(AuthScheme::Basic) => Ok(self.credentials.as_ref().map(|c| (c.basic_header(), None))),
            Some(AuthScheme::Bearer(realm)) => {
                let cached = self.auth.borrow().tokens.get(scope, self.now()).map(str::to_owned);
                let token = match cached {
                    Some(token) => token,
                    None => self.fetch_token(&realm, scope.clone()).await?,
                };
                Ok(Some((format!("Bearer {token}"), Some(token))))
            }
        }
    }

    /// Reads a 401's challenge; returns whether a retry can succeed.
    async fn learn_challenge(
        &self,
        url: &Url,
        response: &Response<T::Body>,
        scope: &Scope,
        sent_authorization: bool,
        sent_token: Option<&str>,
    ) -> Result<bool, Error> {
        let values: Vec<&str> = response
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, v)| v.as_str())
            .collect();
        let demand = demand_from_challenges(&values, url)?;
        if let Some(token) = sent_token {
            self.auth.borrow_mut().tokens.forget(token);
        }
        self.auth.borrow_mut().scheme = Some(demand.scheme.clone());
        match demand.scheme {
            // Without credentials, or with credentials this very request already sent, a retry
            // cannot help.
            AuthScheme::Basic => Ok(self.credentials.is_some() && !sent_authorization),
            AuthScheme::Bearer(realm) => {
                let mut wanted = scope.clone();
                wanted.merge(&demand.scope);
                self.fetch_token(&realm, wanted).await?;
                Ok(true)
            }
        }
    }

    /// Asks the realm for a token covering `scope` and caches it.
    async fn fetch_token(&self, realm: &TokenRealm, scope: Scope) -> Result<String, Error> {
        let url = token_url(realm, &scope);
        let mut request = Request::new(Method::Get, url.as_str());
        if let Some(credentials) = &self.credentials {
            request = request.header("Authorization", credentials.basic_header());
        }
        let mut response = self.transport.send(request).await.map_err(|source| Error::Transport {
            method: Method::Get,
            url: url.to_string(),
            source,
        })?;
        if response.status != 200 {
            let body = read_prefix(&mut response.body, ERROR_BODY_LIMIT).await.unwrap_or_default();
            let error = RegistryError::from_response(
                Method::Get,
                url.as_str(),
                response.status,
                &response.headers,
                &body,
            );
            return Err(Error::TokenRefused(Box::new(error)));
        }
        let body = read_limited(&mut response.body, TOKEN_BODY_LIMIT, Method::Get, &url).await?;
        let grant = parse_token_response(&realm.realm, &body)?;
        let token = grant.token.clone();
        self.auth.borrow_mut().tokens.insert(scope, grant, self.now());
        Ok(token)
    }

    /// Turns an unexpected response into an [`Error::Registry`], reading the start of its body.
    pub async fn fail(&self, method: Method, url: &Url, mut response: Response<T::Body>) -> Error {
        let body = read_prefix(&mut response.body, ERROR_BODY_LIMIT).await.unwrap_or_default();
        Error::Registry(Box::new(RegistryError::from_response(
            method,
            url.as_str(),
            response.status,
            &response.headers,
            &body,
        )))
    }
}

fn parse_url(method: Method, url: &str) -> Result<Url, Error> {
    Url::parse(url).map_err(|e| Error::Upload {
        method,
        url: url.to_owned(),
        source: UploadError::BadLocation { location: url.to_owned(), reason: e.to_string() },
    })
}

fn clone_request<C: Clone>(request: &Request<C>) -> Request<C> {
    let body = match &request.body {
        Body::Empty => Body::Empty,
        Body::Bytes(bytes) => Body::Bytes(bytes.clone()),
        Body::Chunk(chunk) => Body::Chunk(chunk.clone()),
    };
    Request { method: request.method, url: request.url.clone(), headers: request.headers.clone(), body }
}
