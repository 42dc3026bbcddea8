//! Tests of registry authentication: credentials, scopes, challenges, tokens and the cache.

use url::Url;

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
    let d =
        demand_from_challenges(&[h], &url("https://registry-1.docker.io/v2/library/ubuntu/manifests/latest"))
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
    let d =
        demand_from_challenges(&[r#"Basic realm="x""#, r#"Bearer realm="/token/",service="s""#], &u).unwrap();
    assert!(
        matches!(d.scheme, AuthScheme::Bearer(ref r) if r.realm.as_str() == "http://127.0.0.1:24817/token/")
    );
    assert_eq!(demand_from_challenges(&[], &u), Err(AuthError::NoChallenge));
    assert!(matches!(
        demand_from_challenges(&["Negotiate abc"], &u),
        Err(AuthError::UnsupportedScheme { .. })
    ));
    assert!(matches!(demand_from_challenges(&["Bearer service=\"x\""], &u), Err(AuthError::BadRealm { .. })));
    assert!(matches!(
        demand_from_challenges(&[r#"Bearer realm="ftp://x/t""#], &u),
        Err(AuthError::BadRealm { .. })
    ));
    assert!(matches!(demand_from_challenges(&[r#"Bearer realm="x"#], &u), Err(AuthError::Malformed { .. })));
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
    let g = parse_token_response(&realm, br#"{"token":"a","access_token":"b","expires_in":null}"#).unwrap();
    assert_eq!((g.token.as_str(), g.expires_in), ("a", 60));
    let g = parse_token_response(&realm, br#"{"token":"","access_token":"b"}"#).unwrap();
    assert_eq!(g.token, "b");
    for bad in [&b"not json"[..], br#"{}"#, br#"{"token":5}"#, br#"{"token":"t","expires_in":"300"}"#, b"[]"]
    {
        let e = parse_token_response(&realm, bad).unwrap_err();
        assert!(e.to_string().contains("https://auth.example/token"), "{e}");
    }
    assert!(
        !format!("{:?}", parse_token_response(&realm, br#"{"token":"secret"}"#).unwrap()).contains("secret")
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
