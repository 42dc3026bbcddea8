//! Upstream response headers, made safe for the proxy's origin and pointed back at the proxy.
//!
//! A registry's URLs — upload sessions in `Location`, tag pages in `Link`, token realms in
//! `WWW-Authenticate` — name the registry. The browser must send its next request to the proxy
//! instead, so those URLs are rewritten into route form, `/r/<host[:port]>/<path>?<query>`, a
//! reference relative to the proxy's origin (resolved by the browser, like any `Location`).
//! Only URLs the proxy would route are rewritten; others are left for the browser to refuse.

use url::Url;

use super::challenge_realm::rewrite_challenges;
use super::headers::{connection_tokens, is_dropped_response_header};
use super::origin::UpstreamOrigin;
use super::proxy_policy::ProxyPolicy;
use super::realms::LearnedRealms;
use super::route::is_registry_path;

impl ProxyPolicy {
    /// The response headers to send to the browser, for a response from `base` (the URL of the
    /// hop that answered). Token realms announced in `WWW-Authenticate` are learned into `realms`.
    pub fn rewrite_response_headers(
        &self,
        base: &Url,
        headers: &[(&str, &str)],
        realms: &mut LearnedRealms,
    ) -> Vec<(String, String)> {
        let tokens = connection_tokens(headers.iter().copied());
        headers
            .iter()
            .copied()
            .filter(|(name, _)| !is_dropped_response_header(name, &tokens))
            .map(|(name, value)| {
                let lower = name.to_ascii_lowercase();
                let value = match lower.as_str() {
                    "location" | "content-location" => {
                        self.route_url(base, value).unwrap_or_else(|| value.to_owned())
                    }
                    "link" => self.rewrite_link(base, value),
                    "www-authenticate" => rewrite_challenges(self, base, value, realms),
                    _ => value.to_owned(),
                };
                (lower, value)
            })
            .collect()
    }

    /// The route form of a registry API URL (resolved against `base`), when the proxy routes it.
    pub fn route_url(&self, base: &Url, reference: &str) -> Option<String> {
        let url = base.join(reference.trim()).ok()?;
        let origin = UpstreamOrigin::of_url(&url)?;
        (self.allowlist().admits_route(&origin) && is_registry_path(url.path()))
            .then(|| origin.route_for(&url))
    }

    /// Rewrites every `<uri-reference>` of a `Link` header (RFC 8288), e.g. the tag list's
    /// `</v2/x/tags/list?n=100&last=y>; rel="next"`.
    fn rewrite_link(&self, base: &Url, value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|c| open + c) else { break };
            out.push_str(&rest[..=open]);
            let target = &rest[open + 1..close];
            out.push_str(&self.route_url(base, target).unwrap_or_else(|| target.to_owned()));
            out.push('>');
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::proxy_config::ProxyConfig;

    fn local() -> ProxyPolicy {
        ProxyPolicy::new(ProxyConfig {
            plain_http_hosts: vec!["127.0.0.1:5200".into()],
            ..ProxyConfig::default()
        })
        .unwrap()
    }

    fn rewrite(p: &ProxyPolicy, base: &str, headers: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut realms = p.new_realms();
        p.rewrite_response_headers(&Url::parse(base).unwrap(), headers, &mut realms)
    }

    #[test]
    fn upload_locations_absolute_and_relative() {
        let p = local();
        let base = "http://127.0.0.1:5200/v2/x/blobs/uploads/";
        let out = rewrite(
            &p,
            base,
            &[
                ("Location", "http://127.0.0.1:5200/v2/x/blobs/uploads/u1?_state=abc%3D%3D"),
                ("Docker-Upload-UUID", "u1"),
            ],
        );
        assert_eq!(
            out[0],
            ("location".into(), "/r/127.0.0.1:5200/v2/x/blobs/uploads/u1?_state=abc%3D%3D".into())
        );
        assert_eq!(out[1], ("docker-upload-uuid".into(), "u1".into()));
        // Pulp answers with a relative Location.
        let out = rewrite(&p, base, &[("Location", "/v2/x/blobs/uploads/2a0f")]);
        assert_eq!(out[0].1, "/r/127.0.0.1:5200/v2/x/blobs/uploads/2a0f");
        // A manifest PUT's 201 Location on Docker Hub.
        let out = rewrite(
            &p,
            "https://registry-1.docker.io/v2/a/manifests/t",
            &[("Location", "/v2/a/manifests/sha256:ab")],
        );
        assert_eq!(out[0].1, "/r/registry-1.docker.io/v2/a/manifests/sha256:ab");
    }

    #[test]
    fn locations_the_proxy_would_not_route_are_left_alone() {
        let p = local();
        let base = "https://registry-1.docker.io/v2/a/blobs/sha256:ab";
        for loc in
            ["https://production.cloudflare.docker.com/x?sig=1", "https://evil.example/v2/x", "/not-v2"]
        {
            assert_eq!(rewrite(&p, base, &[("Location", loc)])[0].1, loc);
        }
    }

    #[test]
    fn link_pagination() {
        let p = local();
        let out = rewrite(
            &p,
            "https://quay.io/v2/a/tags/list?n=2",
            &[("Link", r#"</v2/a/tags/list?n=2&last=b>; rel="next", <https://other.example/x>; rel="alt""#)],
        );
        assert_eq!(
            out[0].1,
            r#"</r/quay.io/v2/a/tags/list?n=2&last=b>; rel="next", <https://other.example/x>; rel="alt""#
        );
    }

    #[test]
    fn cookies_hsts_and_upstream_cors_are_dropped() {
        let out = rewrite(
            &local(),
            "https://quay.io/v2/",
            &[
                ("Set-Cookie", "a=b"),
                ("Strict-Transport-Security", "max-age=1"),
                ("Access-Control-Allow-Origin", "*"),
                ("Connection", "x-hop"),
                ("X-Hop", "1"),
                ("Docker-Distribution-Api-Version", "registry/2.0"),
            ],
        );
        assert_eq!(out, vec![("docker-distribution-api-version".to_owned(), "registry/2.0".to_owned())]);
    }
}
