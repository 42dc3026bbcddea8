//! Upstream redirects, followed server-side.
//!
//! Registries redirect blob downloads to other origins: Docker Hub to a CDN (307), Pulp to its
//! content app on another port (302), GHCR to pkg-containers. The browser cannot follow those
//! itself (no CORS there), so the proxy follows them for GET and HEAD — checking every hop against
//! the allowlist and the address policy as if it were a new request, and dropping `Authorization`
//! as soon as a hop leaves the route's origin. Requests with a body are never replayed (the body
//! was streamed and is gone); their redirects go back to the browser, rewritten into route form.

use url::Url;

use super::origin::{Scheme, UpstreamOrigin};
use super::proxy_error::ProxyError;
use super::proxy_policy::ProxyPolicy;
use super::route::Target;

/// One hop the proxy may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectStep {
    /// The next URL (resolved against the previous one, fragment dropped).
    pub url: Url,
    /// Its origin.
    pub origin: UpstreamOrigin,
    /// Whether it stays on the previous hop's origin. Once false, `Authorization` is not sent on
    /// this hop or any later one.
    pub same_origin: bool,
}

/// Whether a status is a redirect the proxy follows (when the method allows).
pub fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Whether the proxy follows redirects for this method: only body-less, safe requests.
pub fn follows_redirects(method: &str) -> bool {
    matches!(method, "GET" | "HEAD")
}

/// A proxied request's way through its upstream's redirects: the hop to send to now, whether
/// `Authorization` still goes along, and how many redirects were followed. Both shells (the
/// native server, the Worker) drive one per request, so the rules live here once.
#[derive(Clone, Debug)]
pub struct Hops {
    current: RedirectStep,
    follows: bool,
    sends_authorization: bool,
    followed: u8,
}

impl Hops {
    /// The first hop: the route's target, for a request with `method`.
    pub fn start(target: Target, method: &str) -> Hops {
        let sends_authorization = target.sends_credentials();
        Hops {
            current: RedirectStep { url: target.url, origin: target.origin, same_origin: true },
            follows: follows_redirects(method),
            sends_authorization,
            followed: 0,
        }
    }

    /// The hop to send the request to.
    pub fn current(&self) -> &RedirectStep {
        &self.current
    }

    /// Whether the client's `Authorization` goes to the current hop: not to a foreign layer's
    /// host, and never again once a hop left the route's origin.
    pub fn sends_authorization(&self) -> bool {
        self.sends_authorization
    }

    /// After the current hop answered `status` (with `location`, if any): `Ok(true)` when that
    /// is a redirect to follow and the next hop is now current, `Ok(false)` when the answer goes
    /// back to the client. A redirect past the configured limit, or to where the policy does not
    /// go, is the error.
    pub fn follow(
        &mut self,
        policy: &ProxyPolicy,
        status: u16,
        location: Option<&str>,
    ) -> Result<bool, ProxyError> {
        let Some(location) = location.filter(|_| self.follows && is_redirect_status(status)) else {
            return Ok(false);
        };
        let limit = policy.config().max_redirects;
        self.followed += 1;
        if self.followed > limit {
            return Err(ProxyError::TooManyRedirects { host: self.current.origin.to_string(), limit });
        }
        self.current = policy.redirect(&self.current.url, location)?;
        self.sends_authorization &= self.current.same_origin;
        Ok(true)
    }
}

impl ProxyPolicy {
    /// Decides whether the redirect from `from` to `location` may be followed.
    pub fn redirect(&self, from: &Url, location: &str) -> Result<RedirectStep, ProxyError> {
        let from_origin = UpstreamOrigin::of_url(from);
        let from_name =
            from_origin.as_ref().map_or_else(|| from.host_str().unwrap_or("?").to_owned(), |o| o.to_string());
        let mut url =
            from.join(location.trim()).map_err(|_| ProxyError::BadRedirect { host: from_name.clone() })?;
        url.set_fragment(None);
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ProxyError::RedirectWithCredentials { host: from_name });
        }
        let context = format!(" (the target of a redirect from {from_name})");
        let origin = UpstreamOrigin::of_url(&url).ok_or_else(|| ProxyError::SchemeNotAllowed {
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_owned(),
            context: context.clone(),
        })?;
        self.check_host(&origin.host, "", &context)?;
        if !self.allowlist().admits_redirect(&origin) {
            return Err(match origin.scheme {
                Scheme::Http => ProxyError::SchemeNotAllowed {
                    scheme: "http".to_owned(),
                    host: origin.route_authority().to_string(),
                    context,
                },
                Scheme::Https => ProxyError::HostNotAllowed { host: origin.to_string(), context },
            });
        }
        let same_origin = from_origin.as_ref() == Some(&origin);
        Ok(RedirectStep { url, origin, same_origin })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::proxy_config::ProxyConfig;

    fn local() -> ProxyPolicy {
        ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            plain_http_hosts: vec!["127.0.0.1:24817".into(), "127.0.0.1:24816".into()],
            redirect_hosts: vec!["*.cdn.example".into()],
            ..ProxyConfig::default()
        })
        .unwrap()
    }

    fn from() -> Url {
        Url::parse("http://127.0.0.1:24817/v2/repo/blobs/sha256:ab").unwrap()
    }

    fn hops(method: &str, kind: crate::proxy::TargetKind) -> Hops {
        let url = from();
        let origin = UpstreamOrigin::of_url(&url).unwrap();
        Hops::start(Target { url, origin, kind }, method)
    }

    #[test]
    fn hops_follow_get_redirects_and_drop_authorization_off_origin() {
        let policy = local();
        let mut get = hops("GET", crate::proxy::TargetKind::Registry);
        assert!(get.sends_authorization());
        assert!(!get.follow(&policy, 200, None).unwrap(), "an answer, not a redirect");
        assert!(get.follow(&policy, 307, Some("/v2/repo/blobs/sha256:cd")).unwrap());
        assert!(get.sends_authorization(), "same origin");
        assert!(get.follow(&policy, 302, Some("http://127.0.0.1:24816/pulp/content/x")).unwrap());
        assert_eq!(get.current().url.as_str(), "http://127.0.0.1:24816/pulp/content/x");
        assert!(!get.sends_authorization(), "left the route's origin");
        assert!(get.follow(&policy, 302, Some("http://127.0.0.1:24817/v2/back")).unwrap());
        assert!(!get.sends_authorization(), "not even back on the first origin");

        let mut put = hops("PUT", crate::proxy::TargetKind::Registry);
        assert!(!put.follow(&policy, 307, Some("/elsewhere")).unwrap(), "a body is never replayed");
        assert!(!hops("GET", crate::proxy::TargetKind::ForeignLayer).sends_authorization());
    }

    #[test]
    fn hops_stop_past_the_redirect_limit() {
        let policy = local();
        let mut get = hops("GET", crate::proxy::TargetKind::Registry);
        for _ in 0..policy.config().max_redirects {
            assert!(get.follow(&policy, 302, Some("/v2/again")).unwrap());
        }
        let error = get.follow(&policy, 302, Some("/v2/again")).unwrap_err();
        assert!(matches!(error, ProxyError::TooManyRedirects { limit: 5, .. }), "{error}");
    }

    #[test]
    fn pulp_content_app_on_another_port() {
        let step =
            local().redirect(&from(), "http://127.0.0.1:24816/pulp/content/x?validate_token=t").unwrap();
        assert_eq!(step.url.as_str(), "http://127.0.0.1:24816/pulp/content/x?validate_token=t");
        assert!(!step.same_origin, "another port is another origin: Authorization must be dropped");
    }

    #[test]
    fn relative_and_same_origin() {
        let step = local().redirect(&from(), "/v2/repo/blobs/sha256:cd#frag").unwrap();
        assert_eq!(step.url.as_str(), "http://127.0.0.1:24817/v2/repo/blobs/sha256:cd");
        assert!(step.same_origin);
        // Any path is fine on a redirect: the registry chose it, not the browser.
        assert!(local().redirect(&from(), "/artifacts-downloads/x").unwrap().same_origin);
    }

    #[test]
    fn cdn_wildcards() {
        let step = local().redirect(&from(), "https://eu.cdn.example/blob?sig=x").unwrap();
        assert!(!step.same_origin);
        assert_eq!(step.origin.port, 443);
    }

    #[test]
    fn refused_hops() {
        let p = local();
        let cases = [
            ("http://10.0.0.1/x", "PROXY_ADDRESS_FORBIDDEN"),
            ("http://169.254.169.254/latest/meta-data/", "PROXY_ADDRESS_FORBIDDEN"),
            ("https://192.168.0.1/x", "PROXY_ADDRESS_FORBIDDEN"),
            ("http://[::1]:24816/x", "PROXY_ADDRESS_FORBIDDEN"),
            ("http://0x7f000001/x", "PROXY_HOST_NOT_ALLOWED"), // loopback is fine for this name, port 80 is not
            ("http://localhost:24816/x", "PROXY_ADDRESS_FORBIDDEN"),
            ("http://127.0.0.1:22/x", "PROXY_HOST_NOT_ALLOWED"),
            ("https://evil.example/x", "PROXY_HOST_NOT_ALLOWED"),
            ("http://eu.cdn.example/x", "PROXY_HOST_NOT_ALLOWED"),
            ("file:///etc/passwd", "PROXY_HOST_NOT_ALLOWED"),
            ("gopher://127.0.0.1:24817/x", "PROXY_HOST_NOT_ALLOWED"),
            ("http://[::1", "PROXY_BAD_REDIRECT"),
            // User info would become `Authorization: Basic` on a host the upstream chose, even
            // on an allowed one, even on the same origin.
            ("http://user:pw@127.0.0.1:24816/x", "PROXY_BAD_REDIRECT"),
            ("http://user@127.0.0.1:24817/v2/x", "PROXY_BAD_REDIRECT"),
            ("http://:pw@127.0.0.1:24816/x", "PROXY_BAD_REDIRECT"),
            ("//u:p@eu.cdn.example/x", "PROXY_BAD_REDIRECT"),
        ];
        for (location, want) in cases {
            let got = p.redirect(&from(), location).map(|_| "OK").unwrap_or_else(|e| e.code());
            assert_eq!(got, want, "{location}");
        }
        let e = p.redirect(&from(), "https://evil.example/x?X-Amz-Signature=secret").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("redirect from 127.0.0.1:24817") && !msg.contains("secret"), "{msg}");
        let e = p.redirect(&from(), "http://user:hunter2@127.0.0.1:24816/x").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("user name or password") && !msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn statuses_and_methods() {
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect_status(s));
        }
        for s in [200, 201, 202, 300, 304, 305, 306, 400] {
            assert!(!is_redirect_status(s));
        }
        assert!(follows_redirects("GET") && follows_redirects("HEAD"));
        assert!(!follows_redirects("PUT") && !follows_redirects("POST") && !follows_redirects("PATCH"));
    }
}
