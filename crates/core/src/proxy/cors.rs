//! CORS: which pages may use the proxy, and the headers that tell the browser so.
//!
//! Registries do not send CORS headers (Pulp none at all; distribution answers the preflight with
//! 401 when auth is on), so the proxy answers every preflight itself and never forwards it. By
//! default only pages from the proxy's own origin may use it; `allowed_origins` adds others.
//! Responses always carry `Vary: Origin`, because they differ by origin.

use url::Url;

use super::proxy_config::ConfigError;

/// Methods the app uses against registries.
pub const ALLOWED_METHODS: &str = "GET, HEAD, POST, PATCH, PUT, DELETE";
/// Request headers the app sets.
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Content-Range, Accept, Range";
/// Response headers the app reads: the protocol's, and Docker Hub's rate-limit headers.
pub const EXPOSED_HEADERS: &str = "Location, Docker-Content-Digest, Docker-Upload-UUID, Range, \
     WWW-Authenticate, OCI-Chunk-Min-Length, OCI-Chunk-Max-Length, Content-Length, Content-Range, \
     Docker-Distribution-Api-Version, Link, ratelimit-limit, ratelimit-remaining, docker-ratelimit-source";
/// How long a browser may cache a preflight answer, in seconds.
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// Which page origins may use the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsPolicy {
    any: bool,
    origins: Vec<String>,
}

/// What the proxy thinks of a request's `Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginVerdict {
    /// No `Origin` header: not a cross-origin browser request (curl, the CLI, a same-origin GET).
    Absent,
    /// The page is allowed; the value is the origin to echo.
    Allowed(String),
    /// The page is not allowed.
    Refused(String),
}

impl CorsPolicy {
    /// Parses `allowed_origins`: `"*"`, or origins such as `https://app.example` or
    /// `http://127.0.0.1:9000` (no path, query or credentials).
    pub fn from_config(allowed_origins: &[String]) -> Result<CorsPolicy, ConfigError> {
        let mut policy = CorsPolicy { any: false, origins: Vec::new() };
        for entry in allowed_origins {
            if entry == "*" {
                policy.any = true;
                continue;
            }
            policy.origins.push(normalise_origin(entry).ok_or_else(|| {
                ConfigError::new(
                    "allowed_origins",
                    entry,
                    "expected \"*\" or an origin such as \"https://app.example\" or \"http://127.0.0.1:9000\" \
                     (scheme, host and optional port, nothing else)",
                )
            })?);
        }
        Ok(policy)
    }

    /// Judges a request's `Origin` header. `serving_origin` is the proxy's own origin (the shell
    /// knows it: the `Host` it was reached at, or the Worker's URL); pages from it are always
    /// allowed.
    pub fn judge(&self, origin: Option<&str>, serving_origin: &str) -> OriginVerdict {
        let Some(origin) = origin else { return OriginVerdict::Absent };
        let Some(normal) = normalise_origin(origin) else { return OriginVerdict::Refused(origin.to_owned()) };
        let own = normalise_origin(serving_origin).is_some_and(|own| own == normal);
        if own || self.any || self.origins.contains(&normal) {
            OriginVerdict::Allowed(origin.to_owned())
        } else {
            OriginVerdict::Refused(origin.to_owned())
        }
    }

    /// The headers of the proxy's own 204 answer to a preflight. A refused origin gets no
    /// `Access-Control-Allow-*` headers, so the browser stops there. `private_network` is true
    /// when the preflight asked for Private Network Access (a public page reaching a local proxy).
    pub fn preflight_headers(verdict: &OriginVerdict, private_network: bool) -> Vec<(&'static str, String)> {
        let mut out = vec![("vary", "Origin".to_owned())];
        if let OriginVerdict::Allowed(origin) = verdict {
            out.push(("access-control-allow-origin", origin.clone()));
            out.push(("access-control-allow-methods", ALLOWED_METHODS.to_owned()));
            out.push(("access-control-allow-headers", ALLOWED_HEADERS.to_owned()));
            out.push(("access-control-max-age", PREFLIGHT_MAX_AGE.to_owned()));
            if private_network {
                out.push(("access-control-allow-private-network", "true".to_owned()));
            }
        }
        out
    }

    /// The CORS headers added to a forwarded response (and to the proxy's own errors, so the app
    /// can read them).
    pub fn response_headers(verdict: &OriginVerdict) -> Vec<(&'static str, String)> {
        let mut out = vec![("vary", "Origin".to_owned())];
        if let OriginVerdict::Allowed(origin) = verdict {
            out.push(("access-control-allow-origin", origin.clone()));
            out.push(("access-control-expose-headers", EXPOSED_HEADERS.to_owned()));
        }
        out
    }
}

/// `scheme://host[:port]` in the browser's serialisation, or `None` if `s` is not exactly an
/// http(s) origin.
fn normalise_origin(s: &str) -> Option<String> {
    let url = Url::parse(s).ok()?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.path() == "/";
    let origin = url.origin();
    (bare && matches!(url.scheme(), "http" | "https") && origin.is_tuple())
        .then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVING: &str = "http://127.0.0.1:8080";

    fn policy(origins: &[&str]) -> CorsPolicy {
        CorsPolicy::from_config(&origins.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn default_allows_only_the_serving_origin() {
        let p = policy(&[]);
        assert_eq!(p.judge(None, SERVING), OriginVerdict::Absent);
        assert_eq!(
            p.judge(Some("http://127.0.0.1:8080"), SERVING),
            OriginVerdict::Allowed("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            p.judge(Some("http://127.0.0.1:9000"), SERVING),
            OriginVerdict::Refused("http://127.0.0.1:9000".into())
        );
        assert_eq!(
            p.judge(Some("https://127.0.0.1:8080"), SERVING),
            OriginVerdict::Refused("https://127.0.0.1:8080".into())
        );
        assert_eq!(p.judge(Some("null"), SERVING), OriginVerdict::Refused("null".into()));
    }

    #[test]
    fn configured_origins_compare_as_origins() {
        let p = policy(&["http://LOCALHOST:9000/", "https://app.example"]);
        assert!(matches!(p.judge(Some("http://localhost:9000"), SERVING), OriginVerdict::Allowed(_)));
        assert!(matches!(p.judge(Some("https://app.example:443"), SERVING), OriginVerdict::Allowed(_)));
        assert!(matches!(p.judge(Some("https://app.example.evil"), SERVING), OriginVerdict::Refused(_)));
        assert!(matches!(p.judge(Some("http://app.example"), SERVING), OriginVerdict::Refused(_)));
        let any = policy(&["*"]);
        assert_eq!(
            any.judge(Some("https://x.example"), SERVING),
            OriginVerdict::Allowed("https://x.example".into())
        );
    }

    #[test]
    fn bad_origins_in_config() {
        for bad in
            ["app.example", "https://app.example/path", "https://u:p@app.example", "ftp://x", "https://x?q"]
        {
            let e = CorsPolicy::from_config(&[bad.to_string()]).unwrap_err();
            assert_eq!(e.list, "allowed_origins", "{bad}");
        }
    }

    #[test]
    fn preflight_answer() {
        let allowed = OriginVerdict::Allowed("http://127.0.0.1:9000".into());
        let h = CorsPolicy::preflight_headers(&allowed, false);
        let get = |name: &str| h.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("access-control-allow-origin"), Some("http://127.0.0.1:9000"));
        assert_eq!(get("access-control-allow-methods"), Some("GET, HEAD, POST, PATCH, PUT, DELETE"));
        assert_eq!(
            get("access-control-allow-headers"),
            Some("Authorization, Content-Type, Content-Range, Accept, Range")
        );
        assert_eq!(get("vary"), Some("Origin"));
        assert_eq!(get("access-control-allow-private-network"), None);
        let pna = CorsPolicy::preflight_headers(&allowed, true);
        assert!(pna.contains(&("access-control-allow-private-network", "true".into())));

        let refused =
            CorsPolicy::preflight_headers(&OriginVerdict::Refused("http://evil.example".into()), true);
        assert_eq!(refused, vec![("vary", "Origin".to_owned())]);
    }

    #[test]
    fn response_headers_expose_the_protocol_headers() {
        let h = CorsPolicy::response_headers(&OriginVerdict::Allowed("http://a.example".into()));
        let exposed = &h.iter().find(|(n, _)| *n == "access-control-expose-headers").unwrap().1;
        for name in [
            "Location",
            "Docker-Content-Digest",
            "Docker-Upload-UUID",
            "Range",
            "WWW-Authenticate",
            "OCI-Chunk-Min-Length",
            "OCI-Chunk-Max-Length",
            "Content-Length",
            "ratelimit-remaining",
            "ratelimit-limit",
        ] {
            assert!(exposed.split(", ").any(|e| e == name), "{name}");
        }
        assert_eq!(CorsPolicy::response_headers(&OriginVerdict::Absent), vec![("vary", "Origin".to_owned())]);
    }
}
