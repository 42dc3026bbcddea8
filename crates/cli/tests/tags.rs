//! `waybill tags`: every tag of a real distribution and a real Pulp repository, page after page
//! (counted by a relay in front of Pulp), and the registry's word checked:
//! a hostile tag list (loops, pages off the registry, tags that are not tags, another
//! repository's list) is a clear error, never followed or printed.

mod support;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use support::relay::{Fault, Relay};
use support::{Pulp, Registries, unique, waybill};

/// Copies fixtures/plain:v1 to `repository` on `host` under tags t0..t6, with `login`.
fn seven_tags(registries: &Registries, host: &str, repository: &str, login: &[(&str, &str)]) -> Vec<String> {
    let tags: Vec<String> = (0..7).map(|i| format!("t{i}")).collect();
    for tag in &tags {
        let destination = format!("{host}/{repository}:{tag}");
        waybill(&["copy", &registries.source("fixtures/plain:v1"), &destination], login).expect(0);
    }
    tags
}

fn sorted(listing: &serde_json::Value) -> Vec<String> {
    let mut tags: Vec<String> = serde_json::from_value(listing["tags"].clone()).unwrap();
    tags.sort();
    tags
}

/// Distribution 2.8 sends every tag on one page (it ignores `n`), so this is the one-page case.
#[test]
fn every_tag_of_a_distribution_repository() {
    let registries = Registries::from_env();
    let repository = unique("tags");
    let wanted = seven_tags(&registries, &registries.strict(), &repository, &[]);
    let name = format!("{}/{repository}", registries.strict());
    let run = waybill(&["tags", &name, "--json"], &[]).expect(0);
    let listing: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(listing["repository"], name.as_str());
    assert_eq!(sorted(&listing), wanted);
    let text = waybill(&["tags", &name], &[]).expect(0);
    let mut lines: Vec<&str> = text.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, wanted);
}

/// Pulp pages with `n` and `last` and a `Link` header: every page is followed (counted by a
/// relay in front of Pulp), and together they are Pulp's one-page listing.
#[test]
fn every_tag_of_a_pulp_repository_page_by_page() {
    let (registries, pulp) = (Registries::from_env(), Pulp::from_env());
    let login = [("WAYBILL_USERNAME", pulp.user.as_str()), ("WAYBILL_PASSWORD", pulp.password.as_str())];
    let repository = unique("tags");
    let wanted = seven_tags(&registries, &pulp.host(), &repository, &login);
    let relay = Relay::start(&pulp.host(), Fault::None);
    let name = format!("{}/{repository}", relay.host());
    let run = waybill(&["tags", &name, "--page-size", "2", "--json"], &login).expect(0);
    let listing: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sorted(&listing), wanted);
    let pages = relay
        .requests()
        .iter()
        .filter(|r| r.starts_with(&format!("GET /v2/{repository}/tags/list")))
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(pages.len(), 4, "7 tags in pages of 2: {pages:?}");
}

#[test]
fn missing_repositories_and_image_references_are_clear_errors() {
    let registries = Registries::from_env();
    let run = waybill(&["tags", &format!("{}/{}", registries.strict(), unique("none"))], &[]).expect(1);
    assert!(run.stderr.contains("NAME_UNKNOWN") && run.stderr.contains("does not exist"), "{}", run.stderr);
    let run = waybill(&["tags", &registries.source("fixtures/plain:v1")], &[]).expect(1);
    assert!(run.stderr.contains("without :tag or @digest"), "{}", run.stderr);
}

/// A registry whose tag lists lie in every way this test names, on 127.0.0.2.
async fn hostile(request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let repository = path.trim_start_matches("/v2/").trim_end_matches("/tags/list").to_owned();
    let page = |tags: &str, link: Option<&str>| {
        let body = format!(r#"{{"name":"{repository}","tags":{tags}}}"#);
        let mut response = (StatusCode::OK, body).into_response();
        if let Some(link) = link {
            response.headers_mut().insert("link", HeaderValue::from_str(link).unwrap());
        }
        response
    };
    match repository.as_str() {
        "loop" => page(r#"["a"]"#, Some(r#"</v2/loop/tags/list>; rel="next""#)),
        "off-registry" => page(r#"["a"]"#, Some(r#"<http://127.0.0.3:9/v2/x/tags/list>; rel="next""#)),
        "not-a-tag" => page(r#"["ok","../../etc/passwd"]"#, None),
        "other-name" => (StatusCode::OK, r#"{"name":"someone/else","tags":["a"]}"#).into_response(),
        "not-json" => (StatusCode::OK, "<html>").into_response(),
        "none" => page("null", None),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[test]
fn a_hostile_tag_list_is_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr: SocketAddr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, Router::new().fallback(hostile)).await.unwrap() });
        addr
    });
    for (repository, expected) in [
        ("loop", "one it already sent"),
        ("off-registry", "leads off the registry"),
        ("not-a-tag", r#""../../etc/passwd" is not a valid tag"#),
        ("other-name", r#"is for "someone/else""#),
        ("not-json", "not {\"name\", \"tags\"} JSON"),
    ] {
        let run = waybill(&["tags", &format!("{addr}/{repository}")], &[]).expect(1);
        assert!(run.stderr.contains(expected), "{repository}: wanted {expected:?} in {}", run.stderr);
        assert!(run.stdout.is_empty(), "{repository}: printed {}", run.stdout);
    }
    let run = waybill(&["tags", &format!("{addr}/none"), "--json"], &[]).expect(0);
    assert!(run.stdout.contains(r#""tags": []"#), "{}", run.stdout);
}
