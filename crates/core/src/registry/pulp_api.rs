//! Where a repository pushed into Pulp lives in Pulp's own terms — its container repository, the
//! repository's latest version, and the distribution serving it — read from Pulp's REST API
//! (`/pulp/api/v3/…`) on the registry's own host: what `waybill sync` and `load` print after a run
//! into Pulp, and what the Upload page shows.
//!
//! A push into Pulp creates a repository named as the path and a distribution whose base path is
//! the path, so both are looked up by it. Pulp's REST API takes the registry login as Basic
//! credentials, even where its registry API hands out Bearer tokens; the login goes only to the
//! registry's own base URL, as every registry request's does.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::body::read_limited;
use super::client::Client;
use super::errors::{Error, RegistryError};
use crate::transport::{Method, Request, Transport};

/// Pulp's status endpoint: anonymous, and a JSON list of the installed components.
pub const STATUS_PATH: &str = "/pulp/api/v3/status/";
const REPOSITORIES_PATH: &str = "/pulp/api/v3/repositories/container/container/";
const DISTRIBUTIONS_PATH: &str = "/pulp/api/v3/distributions/container/container/";

/// The largest REST answer read (a one-item listing is a few kilobytes).
const ANSWER_LIMIT: usize = 1 << 20;

/// Where a pushed repository is in Pulp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulpLinks {
    /// The repository's `pulp_href`.
    pub repository: String,
    /// Its name.
    pub name: String,
    /// Its latest version's href.
    pub latest_version: Option<String>,
    /// The distribution serving it: its href.
    pub distribution: Option<String>,
    /// The distribution's base path.
    pub base_path: Option<String>,
    /// What Pulp says to pull it by (`registry_path`: `host/base_path`).
    pub registry_path: Option<String>,
}

impl PulpLinks {
    /// The latest version's number (the last segment of its href, `…/versions/3/`).
    pub fn version_number(&self) -> Option<u64> {
        self.latest_version.as_deref()?.trim_end_matches('/').rsplit('/').next()?.parse().ok()
    }
}

/// Why Pulp's REST API told nothing about a repository.
#[derive(Debug, thiserror::Error)]
pub enum PulpApiError {
    /// The registry has no Pulp REST API.
    #[error("{0} has no Pulp REST API: not a Pulp registry")]
    NotPulp(String),
    /// The REST API refused (the login lacks rights to read it, or a proxy in front refused).
    #[error("Pulp's REST API answered {}: {}", .0.status, .0.message)]
    Refused(Box<RegistryError>),
    /// Pulp has no container repository of that name.
    #[error("Pulp lists no container repository named {0}")]
    NoRepository(String),
    /// The answer was not the JSON listing the REST API sends.
    #[error("Pulp's REST API answered something that is not a listing: {0}")]
    NotJson(String),
    /// The request failed.
    #[error(transparent)]
    Request(#[from] Error),
}

/// Whether a status answer is Pulp's with its container plugin: `{"versions": [{"component":
/// "container", …}, …], …}`.
pub fn is_pulp_status(body: &[u8]) -> bool {
    let Ok(status) = serde_json::from_slice::<Value>(body) else { return false };
    let components = status.get("versions").and_then(Value::as_array).into_iter().flatten();
    components.filter_map(|c| c.get("component")?.as_str()).any(|c| c == "container")
}

/// The repository `name` from a repositories listing.
pub fn parse_repository(listing: &[u8], name: &str) -> Result<PulpLinks, PulpApiError> {
    let listing: Value = serde_json::from_slice(listing).map_err(|e| PulpApiError::NotJson(e.to_string()))?;
    let found = first(&listing).ok_or_else(|| PulpApiError::NoRepository(name.to_owned()))?;
    Ok(PulpLinks {
        repository: text(found, "pulp_href").unwrap_or_default(),
        name: text(found, "name").unwrap_or_else(|| name.to_owned()),
        latest_version: text(found, "latest_version_href"),
        distribution: None,
        base_path: None,
        registry_path: None,
    })
}

/// Adds the distribution of a distributions listing to `links` (none listed: nothing added).
pub fn add_distribution(links: &mut PulpLinks, listing: &[u8]) {
    let Ok(listing) = serde_json::from_slice::<Value>(listing) else { return };
    if let Some(found) = first(&listing) {
        links.distribution = text(found, "pulp_href");
        links.base_path = text(found, "base_path");
        links.registry_path = text(found, "registry_path");
    }
}

fn first(listing: &Value) -> Option<&Value> {
    listing.get("results")?.as_array()?.first()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}

/// Whether the registry behind `client` is Pulp, from its anonymous status endpoint (sent without
/// the login: a registry that is not Pulp is not sent it on a path it never asked it for).
pub async fn is_pulp<T: Transport>(client: &Client<T>) -> bool {
    matches!(get(client, STATUS_PATH, &[], false).await, Ok(body) if is_pulp_status(&body))
}

/// Where `repository` (the path pushed to) is in the Pulp behind `client`.
pub async fn pulp_links<T: Transport>(
    client: &Client<T>,
    repository: &str,
) -> Result<PulpLinks, PulpApiError> {
    let listing = get(client, REPOSITORIES_PATH, &[("name", repository)], true).await?;
    let mut links = parse_repository(&listing, repository)?;
    // Without its distribution the repository is still worth showing.
    if let Ok(listing) = get(client, DISTRIBUTIONS_PATH, &[("base_path", repository)], true).await {
        add_distribution(&mut links, &listing);
    }
    Ok(links)
}

/// A container repository, as the foreign-layer audit reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulpRepository {
    /// Its name.
    pub name: String,
    /// Its latest version's number.
    pub version: Option<u64>,
    /// The base path of a distribution serving it, if one does.
    pub base_path: Option<String>,
}

/// Pages of a listing followed at most: 100 items each, so 100,000 repositories.
const MAX_PAGES: usize = 1000;

/// Every container repository of the Pulp behind `client`, with the distribution serving it.
pub async fn list_repositories<T: Transport>(
    client: &Client<T>,
) -> Result<Vec<PulpRepository>, PulpApiError> {
    let distributions = list_all(client, DISTRIBUTIONS_PATH).await?;
    let served_by = |href: &str| {
        distributions
            .iter()
            .find(|d| text(d, "repository").as_deref() == Some(href))
            .and_then(|d| text(d, "base_path"))
    };
    let repositories = list_all(client, REPOSITORIES_PATH).await?;
    Ok(repositories
        .iter()
        .map(|r| {
            let links = PulpLinks {
                repository: text(r, "pulp_href").unwrap_or_default(),
                name: text(r, "name").unwrap_or_default(),
                latest_version: text(r, "latest_version_href"),
                distribution: None,
                base_path: None,
                registry_path: None,
            };
            PulpRepository {
                version: links.version_number(),
                base_path: served_by(&links.repository),
                name: links.name,
            }
        })
        .collect())
}

/// Every item of a paged listing (`limit` and `offset`, as the REST API pages).
async fn list_all<T: Transport>(client: &Client<T>, path: &str) -> Result<Vec<Value>, PulpApiError> {
    let mut items = Vec::new();
    for page in 0..MAX_PAGES {
        let offset = (page * 100).to_string();
        let body = get(client, path, &[("limit", "100"), ("offset", &offset)], true).await?;
        let listing: Value =
            serde_json::from_slice(&body).map_err(|e| PulpApiError::NotJson(e.to_string()))?;
        let results = listing.get("results").and_then(Value::as_array).cloned().unwrap_or_default();
        let done = results.len() < 100 || listing.get("next").is_none_or(Value::is_null);
        items.extend(results);
        if done {
            return Ok(items);
        }
    }
    Err(PulpApiError::NotJson(format!("{path} lists more than {} items", MAX_PAGES * 100)))
}

/// `GET base + path [?query]`, with the login as Basic credentials when `login`.
async fn get<T: Transport>(
    client: &Client<T>,
    path: &str,
    query: &[(&str, &str)],
    login: bool,
) -> Result<Vec<u8>, PulpApiError> {
    let mut url: Url = client.url(path);
    for (key, value) in query {
        url.query_pairs_mut().append_pair(key, value);
    }
    let mut request = Request::new(Method::Get, url.as_str()).header("Accept", "application/json");
    if let Some(credentials) = client.credentials().filter(|_| login) {
        request = request.header("Authorization", credentials.basic_header());
    }
    let mut response = client.transport().send(request).await.map_err(|source| Error::Transport {
        method: Method::Get,
        url: url.to_string(),
        source,
    })?;
    let body = read_limited(&mut response.body, ANSWER_LIMIT, Method::Get, &url).await?;
    match response.status {
        200 => Ok(body),
        404 => Err(PulpApiError::NotPulp(client.base().host_str().unwrap_or_default().to_owned())),
        status => Err(PulpApiError::Refused(Box::new(RegistryError::from_response(
            Method::Get,
            url.as_str(),
            status,
            &response.headers,
            &body,
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_of_pulp_with_its_container_plugin_is_recognised() {
        let pulp = br#"{"versions":[{"component":"core","version":"3.123.1"},{"component":"container","version":"2.30.0"}],"online_workers":[]}"#;
        assert!(is_pulp_status(pulp));
        assert!(!is_pulp_status(br#"{"versions":[{"component":"core"}]}"#), "no container plugin");
        assert!(!is_pulp_status(b"404 page not found\n"));
        assert!(!is_pulp_status(br#"{"errors":[]}"#));
    }

    #[test]
    fn a_repository_and_its_distribution_are_read_from_the_listings() {
        let repositories = br#"{"count":1,"results":[{"pulp_href":"/pulp/api/v3/repositories/container/container/01a/",
            "latest_version_href":"/pulp/api/v3/repositories/container/container/01a/versions/3/","name":"team/app"}]}"#;
        let mut links = parse_repository(repositories, "team/app").unwrap();
        assert_eq!(links.version_number(), Some(3));
        add_distribution(
            &mut links,
            br#"{"count":1,"results":[{"pulp_href":"/pulp/api/v3/distributions/container/container/01b/",
                "base_path":"team/app","registry_path":"pulp.lan/team/app"}]}"#,
        );
        assert_eq!(
            links.distribution.as_deref(),
            Some("/pulp/api/v3/distributions/container/container/01b/")
        );
        assert_eq!(links.base_path.as_deref(), Some("team/app"));
        assert_eq!(links.registry_path.as_deref(), Some("pulp.lan/team/app"));
    }

    #[test]
    fn an_empty_listing_names_the_missing_repository() {
        let error = parse_repository(br#"{"count":0,"results":[]}"#, "team/app").unwrap_err();
        assert!(matches!(&error, PulpApiError::NoRepository(name) if name == "team/app"), "{error}");
        assert!(matches!(parse_repository(b"<html>", "x"), Err(PulpApiError::NotJson(_))));
        let mut links = parse_repository(br#"{"results":[{"name":"x"}]}"#, "x").unwrap();
        add_distribution(&mut links, br#"{"count":0,"results":[]}"#);
        assert_eq!((links.version_number(), links.distribution), (None, None));
    }
}
