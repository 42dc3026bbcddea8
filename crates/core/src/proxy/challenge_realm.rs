//! Bearer token realms in `WWW-Authenticate`, rewritten to go through the proxy.
//!
//! `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"` becomes
//! `Bearer realm="/r/auth.docker.io/token",service="registry.docker.io"`, and (origin, `/token`)
//! is learned so the proxy forwards the browser's token request.
//!
//! A challenge is the upstream's word, so what it may open is narrow. A realm is learned only
//! when it is on the origin of the hop that announced it (Pulp's `<api>/token/`), or on an origin
//! configured as a token server (a seed such as auth.docker.io; `extra_token_realms`). Otherwise
//! any allowed upstream could open any path of any *other* allowed origin — its admin pages, or
//! Pulp's REST API for writing. Pulp's REST paths are never learned, whoever announces them.
//! A realm that is not learned is still rewritten, so the browser asks the proxy and gets its
//! explanation instead of a silent CORS failure. Basic challenges and headers that do not parse
//! are passed on unchanged.

use url::Url;

use crate::challenge::{format_challenges, parse_challenges};

use super::origin::UpstreamOrigin;
use super::proxy_policy::ProxyPolicy;
use super::realms::{LearnedRealms, RealmKey};
use super::route::{is_pulp_api_path, is_registry_path};

/// Rewrites the Bearer realms of one `WWW-Authenticate` value sent by the hop at `base`.
pub(crate) fn rewrite_challenges(
    policy: &ProxyPolicy,
    base: &Url,
    value: &str,
    realms: &mut LearnedRealms,
) -> String {
    let Ok(mut challenges) = parse_challenges(value) else { return value.to_owned() };
    let mut changed = false;
    for challenge in challenges.iter_mut().filter(|c| c.is("bearer")) {
        let Some(realm) = challenge.param("realm") else { continue };
        let Ok(mut url) = base.join(realm.trim()) else { continue };
        url.set_fragment(None);
        let Some(origin) = UpstreamOrigin::of_url(&url) else { continue };
        let announcer_may_name_it =
            UpstreamOrigin::of_url(base).as_ref() == Some(&origin) || realms.is_realm_host(&origin);
        if announcer_may_name_it
            && policy.allowlist().admits_route(&origin)
            && !is_registry_path(url.path())
            && !is_pulp_api_path(url.path())
        {
            realms.learn(RealmKey { origin: origin.clone(), path: url.path().to_owned() });
        }
        challenge.set_param("realm", origin.route_for(&url));
        changed = true;
    }
    if changed { format_challenges(&challenges) } else { value.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::host::Host;
    use crate::proxy::origin::Scheme;
    use crate::proxy::proxy_config::ProxyConfig;

    fn policy() -> ProxyPolicy {
        ProxyPolicy::new(ProxyConfig {
            plain_http_hosts: vec!["127.0.0.1:24818".into()],
            max_learned_realms: 4,
            ..ProxyConfig::default()
        })
        .unwrap()
    }

    fn base(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn docker_hub_realm() {
        let p = policy();
        let mut realms = p.new_realms();
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;
        let out = rewrite_challenges(&p, &base("https://registry-1.docker.io/v2/"), h, &mut realms);
        assert_eq!(
            out,
            r#"Bearer realm="/r/auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
        );
    }

    #[test]
    fn pulp_realm_is_learned() {
        let p = policy();
        let mut realms = p.new_realms();
        let h = r#"Bearer realm="http://127.0.0.1:24818/token/",service="127.0.0.1:24818""#;
        let out = rewrite_challenges(&p, &base("http://127.0.0.1:24818/v2/"), h, &mut realms);
        assert!(out.starts_with(r#"Bearer realm="/r/127.0.0.1:24818/token/""#), "{out}");
        assert_eq!(realms.learned_len(), 1);
        let key = RealmKey {
            origin: UpstreamOrigin {
                scheme: Scheme::Http,
                host: Host::Ipv4("127.0.0.1".parse().unwrap()),
                port: 24818,
            },
            path: "/token/".into(),
        };
        assert!(realms.contains(&key));
        assert!(p.route("GET", "/r/127.0.0.1:24818/token/?scope=x", &realms).is_ok());
    }

    #[test]
    fn relative_realm_resolves_against_the_hop() {
        let p = policy();
        let mut realms = p.new_realms();
        let out =
            rewrite_challenges(&p, &base("https://quay.io/v2/"), r#"Bearer realm="/v2/auth""#, &mut realms);
        assert_eq!(out, r#"Bearer realm="/r/quay.io/v2/auth""#);
        assert_eq!(realms.learned_len(), 0, "/v2/ paths are routable without learning");
    }

    #[test]
    fn foreign_realms_are_rewritten_but_not_learned() {
        let p = policy();
        let mut realms = p.new_realms();
        let out = rewrite_challenges(
            &p,
            &base("https://quay.io/v2/"),
            r#"Bearer realm="https://sso.evil.example/auth""#,
            &mut realms,
        );
        assert_eq!(out, r#"Bearer realm="/r/sso.evil.example/auth""#);
        assert_eq!(realms.learned_len(), 0);
        assert_eq!(
            p.route("GET", "/r/sso.evil.example/auth", &realms).unwrap_err().code(),
            "PROXY_HOST_NOT_ALLOWED"
        );
    }

    #[test]
    fn realms_on_another_origin_are_learned_only_on_configured_token_servers() {
        let p = ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            plain_http_hosts: vec![
                "127.0.0.1:5000".into(),
                "127.0.0.1:24817".into(),
                "127.0.0.1:24818".into(),
            ],
            extra_token_realms: vec!["127.0.0.1:24817/auth/token".into()],
            ..ProxyConfig::default()
        })
        .unwrap();
        let mut realms = p.new_realms();
        let registry = base("http://127.0.0.1:5000/v2/");
        // Another allowed origin, not a token server: rewritten, never opened.
        let h = r#"Bearer realm="http://127.0.0.1:24818/admin/""#;
        rewrite_challenges(&p, &registry, h, &mut realms);
        assert_eq!(realms.learned_len(), 0);
        assert_eq!(
            p.route("POST", "/r/127.0.0.1:24818/admin/", &realms).unwrap_err().code(),
            "PROXY_PATH_NOT_ALLOWED"
        );
        // A token server's other paths may be announced by any registry (Docker Hub's case).
        let h = r#"Bearer realm="http://127.0.0.1:24817/auth/token2""#;
        rewrite_challenges(&p, &registry, h, &mut realms);
        assert_eq!(realms.learned_len(), 1);
        assert!(p.route("POST", "/r/127.0.0.1:24817/auth/token2", &realms).is_ok());
    }

    #[test]
    fn pulp_rest_paths_are_never_learned() {
        let p = policy();
        let mut realms = p.new_realms();
        let pulp = base("http://127.0.0.1:24818/v2/");
        for realm in ["/pulp/api/v3/", "/pulp/api/v3/repositories/container/container/"] {
            let h = format!(r#"Bearer realm="http://127.0.0.1:24818{realm}""#);
            rewrite_challenges(&p, &pulp, &h, &mut realms);
            let route = format!("/r/127.0.0.1:24818{realm}");
            assert_eq!(p.route("POST", &route, &realms).unwrap_err().code(), "PROXY_PATH_NOT_ALLOWED");
        }
        assert_eq!(realms.learned_len(), 0);
    }

    #[test]
    fn basic_and_malformed_are_unchanged() {
        let p = policy();
        let mut realms = p.new_realms();
        let b = &base("http://127.0.0.1:24818/v2/");
        for h in [r#"Basic realm="Pulp""#, r#"Bearer realm="unterminated"#, "Bearer service=\"x\""] {
            assert_eq!(rewrite_challenges(&p, b, h, &mut realms), h);
        }
        let both = r#"Basic realm="x", Bearer realm="http://127.0.0.1:24818/token/""#;
        assert_eq!(
            rewrite_challenges(&p, b, both, &mut realms),
            r#"Basic realm="x", Bearer realm="/r/127.0.0.1:24818/token/""#
        );
    }

    #[test]
    fn learning_is_bounded() {
        let p = ProxyPolicy::new(ProxyConfig {
            default_hosts: false,
            plain_http_hosts: vec!["127.0.0.1:24818".into()],
            max_learned_realms: 3,
            ..ProxyConfig::default()
        })
        .unwrap();
        let mut realms = p.new_realms();
        let b = base("http://127.0.0.1:24818/v2/");
        for i in 0..50 {
            let h = format!(r#"Bearer realm="http://127.0.0.1:24818/token{i}/""#);
            rewrite_challenges(&p, &b, &h, &mut realms);
        }
        assert_eq!(realms.learned_len(), 3);
        assert!(p.route("GET", "/r/127.0.0.1:24818/token49/", &realms).is_ok());
        assert!(p.route("GET", "/r/127.0.0.1:24818/token0/", &realms).is_err());
    }
}
