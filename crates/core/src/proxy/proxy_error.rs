//! The proxy's refusals and failures, as the registry's own JSON error format.
//!
//! The app already shows registry errors (`{"errors":[{"code","message"}]}`), so the proxy speaks
//! the same format; the codes start with `PROXY_` so nobody mistakes them for the registry's.
//! Messages say what was refused and how to allow it. They name hosts and paths, never query
//! strings (signed blob URLs and token requests carry secrets there) and never header values.

use std::net::IpAddr;

use super::address::AddressClass;

/// Where the configuration that would allow a refused request lives, for error messages.
pub const CONFIG_HINT: &str = "the [proxy] table of waybill.toml (or the Worker's configuration variables)";

/// Why the proxy refused or failed a request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// The `/r/<host>` segment is not a host.
    #[error(
        "the proxy route names {input:?}, which is not a host[:port] ({reason}); use /r/<host[:port]>/v2/…"
    )]
    BadHost {
        /// The segment as sent.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The upstream is not on the allowlist.
    #[error(
        "the proxy does not forward to {host}{context}: it is not an allowed registry. To allow it, add \
         \"{host}\" to allowed_hosts (HTTPS), or to plain_http_hosts for a registry on this machine, or \
         to foreign_layer_hosts for a host serving foreign layers' urls, in {CONFIG_HINT}"
    )]
    HostNotAllowed {
        /// `host[:port]`, canonical.
        host: String,
        /// " (the target of a redirect from x)", " (written as 2130706433)", or empty.
        context: String,
    },
    /// A redirect or realm uses a scheme the proxy will not speak to that host.
    #[error(
        "the proxy refused {scheme}://{host}{context}: plain HTTP is only spoken to registries on this \
         machine listed in plain_http_hosts, and only http and https are supported"
    )]
    SchemeNotAllowed {
        /// The scheme.
        scheme: String,
        /// `host[:port]`.
        host: String,
        /// " (the target of a redirect from x)" or empty.
        context: String,
    },
    /// The host is, or resolves to, an address the proxy must not reach.
    #[error(
        "the proxy refused {host}{spelled}{context}: its address {address} is {class}, and the proxy only \
         reaches such addresses for registries explicitly configured in {CONFIG_HINT} (plain_http_hosts \
         for this machine, private_hosts for a private network; metadata, unspecified, multicast and \
         reserved addresses never)"
    )]
    AddressForbidden {
        /// The host as configured or routed (canonical).
        host: String,
        /// " (written as 2130706433)" when the original spelling differs, or empty.
        spelled: String,
        /// The address that was refused.
        address: IpAddr,
        /// Its class.
        class: AddressClass,
        /// " (the target of a redirect from x)" or empty.
        context: String,
    },
    /// A plain-HTTP registry resolved to an address off this machine.
    #[error(
        "the proxy refused {host}: it resolves to {address}, which is not on this machine, and plain HTTP \
         is only spoken to registries on loopback; list it in allowed_hosts (HTTPS) in {CONFIG_HINT} instead"
    )]
    PlainHttpNotLoopback {
        /// `host[:port]`.
        host: String,
        /// The non-loopback address.
        address: IpAddr,
    },
    /// Neither a registry API path nor a token realm learned from that upstream.
    #[error(
        "the proxy only forwards registry API paths (/v2/…) and token realms announced by the registry \
         itself; {path} on {host} is neither. A fixed token endpoint can be added to extra_token_realms, \
         and reading Pulp's REST API (/pulp/api/v3/…) on a Pulp registry is allowed by pulp_api_hosts, \
         in {CONFIG_HINT}"
    )]
    PathNotAllowed {
        /// `host[:port]`.
        host: String,
        /// The path (no query).
        path: String,
    },
    /// A method the registry protocol does not use.
    #[error("the proxy does not forward {method} requests{detail}")]
    MethodNotAllowed {
        /// The method.
        method: String,
        /// Extra detail, e.g. " to a token realm (only GET and POST)".
        detail: String,
    },
    /// A cross-origin request from a page the configuration does not allow.
    #[error(
        "requests from the page at {origin} are not allowed by this proxy; add \"{origin}\" to \
         allowed_origins in {CONFIG_HINT}"
    )]
    OriginNotAllowed {
        /// The `Origin` header.
        origin: String,
    },
    /// The request body is over the configured cap.
    #[error(
        "the request body{declared} is larger than the proxy's limit of {limit} bytes per request; upload \
         in smaller chunks, or raise max_request_body in {CONFIG_HINT}"
    )]
    BodyTooLarge {
        /// The cap.
        limit: u64,
        /// " (1234 bytes)" when Content-Length said so, or empty.
        declared: String,
    },
    /// The upstream kept redirecting.
    #[error("{host} redirected more than {limit} times; the proxy stopped following")]
    TooManyRedirects {
        /// The host that sent the last redirect.
        host: String,
        /// The hop limit.
        limit: u8,
    },
    /// The upstream answered with a redirect the proxy cannot understand.
    #[error("{host} answered with a redirect whose Location is not a valid URL")]
    BadRedirect {
        /// The host that sent it.
        host: String,
    },
    /// The upstream redirected to a URL with user info (`http://user:pw@host/`). Followed, the
    /// HTTP client would send it as `Authorization: Basic` to wherever the upstream chose.
    #[error(
        "{host} redirected to a URL carrying a user name or password; the proxy never follows such a \
         redirect, because it would send credentials the upstream chose to a host it chose"
    )]
    RedirectWithCredentials {
        /// The host that sent it.
        host: String,
    },
    /// Connecting to or talking with the upstream failed.
    #[error("the proxy could not reach {host}: {reason}")]
    UpstreamUnreachable {
        /// `host[:port]`.
        host: String,
        /// What the network layer said (no URLs with queries, no headers).
        reason: String,
    },
    /// The upstream (or the client's request body) was too slow.
    #[error("{host} did not {phase} within {seconds} s")]
    Timeout {
        /// `host[:port]` or "the client".
        host: String,
        /// "answer", "send the next part of the body", …
        phase: String,
        /// The timeout.
        seconds: u64,
    },
}

impl ProxyError {
    /// The error code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::BadHost { .. } => "PROXY_BAD_HOST",
            ProxyError::HostNotAllowed { .. } | ProxyError::SchemeNotAllowed { .. } => {
                "PROXY_HOST_NOT_ALLOWED"
            }
            ProxyError::AddressForbidden { .. } | ProxyError::PlainHttpNotLoopback { .. } => {
                "PROXY_ADDRESS_FORBIDDEN"
            }
            ProxyError::PathNotAllowed { .. } => "PROXY_PATH_NOT_ALLOWED",
            ProxyError::MethodNotAllowed { .. } => "PROXY_METHOD_NOT_ALLOWED",
            ProxyError::OriginNotAllowed { .. } => "PROXY_ORIGIN_NOT_ALLOWED",
            ProxyError::BodyTooLarge { .. } => "PROXY_BODY_TOO_LARGE",
            ProxyError::TooManyRedirects { .. } => "PROXY_TOO_MANY_REDIRECTS",
            ProxyError::BadRedirect { .. } | ProxyError::RedirectWithCredentials { .. } => {
                "PROXY_BAD_REDIRECT"
            }
            ProxyError::UpstreamUnreachable { .. } => "PROXY_UPSTREAM_UNREACHABLE",
            ProxyError::Timeout { .. } => "PROXY_TIMEOUT",
        }
    }

    /// The HTTP status the proxy answers with.
    pub fn status(&self) -> u16 {
        match self {
            ProxyError::BadHost { .. } => 400,
            ProxyError::HostNotAllowed { .. }
            | ProxyError::SchemeNotAllowed { .. }
            | ProxyError::AddressForbidden { .. }
            | ProxyError::PlainHttpNotLoopback { .. }
            | ProxyError::PathNotAllowed { .. }
            | ProxyError::OriginNotAllowed { .. } => 403,
            ProxyError::MethodNotAllowed { .. } => 405,
            ProxyError::BodyTooLarge { .. } => 413,
            ProxyError::TooManyRedirects { .. }
            | ProxyError::BadRedirect { .. }
            | ProxyError::RedirectWithCredentials { .. }
            | ProxyError::UpstreamUnreachable { .. } => 502,
            ProxyError::Timeout { .. } => 504,
        }
    }

    /// The body: `{"errors":[{"code":"…","message":"…"}]}`, as distribution and Pulp send theirs.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "errors": [{ "code": self.code(), "message": self.to_string() }] }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_in_registry_style() {
        let e = ProxyError::HostNotAllowed { host: "example.com".into(), context: String::new() };
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["errors"][0]["code"], "PROXY_HOST_NOT_ALLOWED");
        let msg = v["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("example.com"), "{msg}");
        assert!(msg.contains("allowed_hosts"), "{msg}");
        assert!(msg.contains("waybill.toml"), "{msg}");
        assert_eq!(e.status(), 403);
    }

    #[test]
    fn address_message_names_spelling_class_and_remedy() {
        let e = ProxyError::AddressForbidden {
            host: "127.0.0.1".into(),
            spelled: " (written as 2130706433)".into(),
            address: "127.0.0.1".parse().unwrap(),
            class: AddressClass::Loopback,
            context: String::new(),
        };
        let msg = e.to_string();
        assert!(msg.contains("2130706433"), "{msg}");
        assert!(msg.contains("loopback"), "{msg}");
        assert!(msg.contains("plain_http_hosts"), "{msg}");
        assert_eq!(e.code(), "PROXY_ADDRESS_FORBIDDEN");
    }

    #[test]
    fn statuses() {
        assert_eq!(ProxyError::BodyTooLarge { limit: 1, declared: String::new() }.status(), 413);
        let t = ProxyError::Timeout { host: "h".into(), phase: "answer".into(), seconds: 5 };
        assert_eq!((t.status(), t.code()), (504, "PROXY_TIMEOUT"));
        let u = ProxyError::UpstreamUnreachable { host: "h".into(), reason: "refused".into() };
        assert_eq!((u.status(), u.code()), (502, "PROXY_UPSTREAM_UNREACHABLE"));
        let m = ProxyError::MethodNotAllowed { method: "TRACE".into(), detail: String::new() };
        assert_eq!(m.status(), 405);
    }
}
