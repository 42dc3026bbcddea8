//! The one place the pages do registry I/O: the core's registry client driven through the
//! browser's fetch transport and Waybill's proxy. Pages get values and [`Problem`]s back; they
//! never see a URL, a header or a status code.

use std::sync::Arc;

use crate::browser::explorer::protocol::ImageAt;
use crate::browser::fetch::FetchTransport;
use crate::browser::protocol::{Job, Source};
use crate::browser::time::unix_seconds;
use waybill_core::digest::Digest;
use waybill_core::manifest::{Descriptor, Manifest, ManifestDocument};
use waybill_core::platform::PlatformSpec;
use waybill_core::reference::Reference;
use waybill_core::registry::inspect::{InspectedImage, inspect_document};
use waybill_core::registry::{Client, Credentials, ImageError, Scope, fetch_document};
use waybill_core::transport::{Method, Request};

use crate::ui::problems::{
    Problem, ProblemKind, RepositoryKnown, platform_problem, problem, reference_problem,
};
use crate::ui::session;

pub mod audit;
pub mod mirror;
pub mod workers;

// What the pages use of the browser's plumbing besides the push worker: cancelling a run, the
// clock progress is timed with, a login, a hashing worker's verdict, and which way a download
// is written.
pub use crate::browser::download::has_picker;
pub use crate::browser::fetch::Cancel;
pub use crate::browser::protocol::{Login, Verdict};
pub use crate::browser::time::now_ms;

/// What the page shows about a reference.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The reference as parsed.
    pub reference: Reference,
    /// The manifest the reference names (an image, or an index).
    pub top: ManifestDocument,
    /// The registry's `Docker-Content-Digest` for the reference (from a HEAD), when it sent one.
    pub registry_digest: Option<Digest>,
    /// For an index: its entries.
    pub entries: Vec<Descriptor>,
    /// The image shown: the top manifest itself, or the index entry for the chosen platform.
    pub image: Option<Arc<InspectedImage>>,
}

impl Inspection {
    /// For an index: its distinct platforms, in order, as `os[(os.version)]/arch[/variant]` (what
    /// a platform choice names). Empty for an image.
    pub fn offered_platforms(&self) -> Vec<String> {
        match self.top.manifest() {
            Manifest::Index(index) => waybill_core::platform::available(index),
            _ => Vec::new(),
        }
    }
}

/// A reference as typed or pasted: surrounding blanks, a `http://` or `https://` prefix and a
/// trailing `/` dropped, as the target form does with a registry (people paste URLs).
pub fn typed_reference(text: &str) -> &str {
    let text = text.trim();
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let text = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        text
    };
    text.trim_end_matches('/')
}

/// Inspects `reference` (and, for an index, the `platform` entry when one is given).
pub async fn inspect(reference: &str, platform: &str) -> Result<Inspection, Problem> {
    let reference = Reference::parse(typed_reference(reference)).map_err(|e| reference_problem(&e))?;
    let client = client_for(&reference)?;
    let repository = reference.repository();
    let tag_or_digest = reference.reference();
    let top = match fetch_document(&client, repository, &tag_or_digest).await {
        Ok(top) => top,
        Err(e) => {
            let not_found =
                matches!(&e, ImageError::Registry(err) if err.registry().is_some_and(|r| r.status == 404));
            let known =
                if not_found { repository_known(&client, repository).await } else { RepositoryKnown::Unsure };
            return Err(problem(&e, &reference, known));
        }
    };
    // HEAD does not count against Docker Hub's pull limit; what it says is shown beside the
    // digest Waybill computed, so a registry that disagrees with its own bytes is visible.
    let registry_digest =
        client.head_manifest(repository, &tag_or_digest).await.ok().flatten().and_then(|h| h.digest);
    // The platform picks an index's image. A single image is shown whatever the address says: a
    // link keeps its platform after the tag it names has become a single image.
    let (entries, platform) = match top.manifest() {
        Manifest::Index(index) if !platform.trim().is_empty() => {
            let spec = PlatformSpec::parse(platform).map_err(|e| platform_problem(e.to_string()))?;
            (index.manifests.clone(), Some(spec))
        }
        Manifest::Index(index) => (index.manifests.clone(), None),
        Manifest::Image(_) | Manifest::Schema1(_) => (Vec::new(), None),
    };
    let found = inspect_document(&client, repository, &tag_or_digest, top, platform.as_ref())
        .await
        .map_err(|e| problem(&e, &reference, RepositoryKnown::Unsure))?;
    Ok(Inspection { reference, top: found.top, registry_digest, entries, image: found.image.map(Arc::new) })
}

/// The job that verifies one blob of `reference` in a hashing worker.
pub fn verify_job(reference: &Reference, blob: &Descriptor, diff_id: bool, allow_urls: bool) -> Job {
    Job {
        digest: blob.digest.clone(),
        size: blob.size,
        source: Source::Registry {
            proxy_origin: session::proxy_origin(),
            api_host: reference.api_host().to_owned(),
            repository: reference.repository().to_owned(),
            login: session::login_for(reference.registry()),
            urls: blob.urls.clone(),
            allow_urls,
        },
        diff_id,
    }
}

/// Where the explorer worker finds the image of `reference` whose manifest is `digest` (the one
/// shown: no platform to choose again, and a tag moved meanwhile changes nothing), or the image
/// `reference` itself names (`platform` chosen for an index): through this page's proxy, with
/// this tab's login for its registry.
pub fn image_at(reference: &Reference, digest: Option<&Digest>, platform: &str) -> ImageAt {
    let mut endpoint = session::endpoint(reference);
    let platform = match digest {
        Some(digest) => {
            endpoint.reference = digest.to_string();
            String::new()
        }
        None => platform.to_owned(),
    };
    ImageAt::Registry { endpoint, platform }
}

/// A reference as typed on the Diff page, for the explorer worker.
pub fn typed_image(text: &str) -> Result<ImageAt, Problem> {
    let reference = Reference::parse(typed_reference(text)).map_err(|e| reference_problem(&e))?;
    Ok(image_at(&reference, None, ""))
}

/// Whether `repository` exists, from one page of its tag list: distribution answers the manifest
/// of a repository it does not know with MANIFEST_UNKNOWN, as it answers a tag it lacks.
async fn repository_known(client: &Client<FetchTransport>, repository: &str) -> RepositoryKnown {
    let mut url = client.url(&format!("/v2/{repository}/tags/list"));
    url.query_pairs_mut().append_pair("n", "1");
    let request = Request::new(Method::Get, url.as_str()).header("Accept", "application/json");
    match client.send(request, &Scope::pull(repository)).await.map(|r| r.status) {
        Ok(200) => RepositoryKnown::Exists,
        Ok(404) => RepositoryKnown::Missing,
        _ => RepositoryKnown::Unsure,
    }
}

fn client_for(reference: &Reference) -> Result<Client<FetchTransport>, Problem> {
    client_at(reference.api_host(), reference.registry())
}

/// The core's client for the registry API of `api_host`, through this page's proxy, with this
/// tab's login for `registry` (the host as written in references).
fn client_at(api_host: &str, registry: &str) -> Result<Client<FetchTransport>, Problem> {
    client_with(FetchTransport::new(&session::proxy_origin()), api_host, registry)
}

/// [`client_at`] over `transport` (one a `Cancel` stops, for a long run).
fn client_with(
    transport: FetchTransport,
    api_host: &str,
    registry: &str,
) -> Result<Client<FetchTransport>, Problem> {
    let base = transport.registry_base(api_host);
    let credentials =
        session::login_for(registry).map(|Login { username, password }| Credentials::new(username, password));
    Client::new(transport, &base)
        .map(|c| c.with_credentials(credentials).with_clock(std::rc::Rc::new(unix_seconds)))
        .map_err(|e| Problem {
            kind: ProblemKind::BadReference,
            title: "Waybill cannot address this registry".into(),
            detail: e.to_string(),
            hint: String::new(),
        })
}

/// What this deployment's proxy reaches (`/api/reach`), or `None` when the server does not say
/// (one from before it did, or unreachable).
pub async fn reach() -> Option<waybill_core::proxy::Reach> {
    use waybill_core::proxy::REACH_PATH;
    use waybill_core::transport::Transport;
    let transport = FetchTransport::new(&session::proxy_origin());
    let url = format!("{}{REACH_PATH}", session::proxy_origin());
    let request = Request::new(Method::Get, url.as_str()).header("Accept", "application/json");
    let mut response = transport.send(request).await.ok()?;
    let parsed = url::Url::parse(&url).ok()?;
    let body =
        waybill_core::registry::body::read_limited(&mut response.body, 64 * 1024, Method::Get, &parsed)
            .await
            .ok()?;
    if response.status != 200 {
        return None;
    }
    serde_json::from_slice(&body).ok()
}

/// Where a pushed image is in Pulp, from Pulp's REST API (read through the proxy, which must
/// list the registry in `pulp_api_hosts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulpLinks {
    /// The repository's `pulp_href`.
    pub repository: String,
    /// Its name.
    pub name: String,
    /// Its latest version's href.
    pub latest_version: Option<String>,
    /// The distribution serving it: its href.
    pub distribution: Option<String>,
    /// The distribution's name (what pulp-cli's `--name` takes).
    pub distribution_name: Option<String>,
    /// The distribution's base path.
    pub base_path: Option<String>,
    /// What Pulp says to pull it by (`registry_path`).
    pub registry_path: Option<String>,
}

/// What asking Pulp's REST API gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PulpAnswer {
    /// It is Pulp, and this is where the image is.
    Links(PulpLinks),
    /// Not Pulp, or Pulp's API could not be read: why, in a sentence.
    Unavailable(String),
}

/// `GET <api>/pulp/api/v3/<path>` through the proxy, with the registry's login as Basic
/// credentials (Pulp's REST API takes them even where its registry API wants tokens).
async fn pulp_get(
    api_host: &str,
    path_and_query: &str,
    login: Option<&Login>,
) -> Result<serde_json::Value, String> {
    use waybill_core::transport::Transport;
    let transport = FetchTransport::new(&session::proxy_origin());
    let url = format!("{}{path_and_query}", transport.registry_base(api_host));
    let mut request = Request::new(Method::Get, url.as_str()).header("Accept", "application/json");
    if let Some(Login { username, password }) = login {
        request = request.header("Authorization", Credentials::new(username, password).basic_header());
    }
    let mut response = transport.send(request).await.map_err(|e| e.to_string())?;
    let parsed_url = url::Url::parse(&url).map_err(|e| e.to_string())?;
    let body =
        waybill_core::registry::body::read_limited(&mut response.body, 1 << 20, Method::Get, &parsed_url)
            .await
            .map_err(|e| e.to_string())?;
    if response.status != 200 {
        let error = waybill_core::registry::RegistryError::from_response(
            Method::Get,
            &url,
            response.status,
            &response.headers,
            &body,
        );
        return Err(match error.code.as_deref() {
            Some("PROXY_PATH_NOT_ALLOWED") => format!(
                "Waybill's proxy does not read Pulp's REST API on {api_host}: add \"{api_host}\" to pulp_api_hosts in \
                 waybill.toml to see the repository, version and distribution here"
            ),
            _ if response.status == 404 => format!("{api_host} has no Pulp REST API: not a Pulp registry"),
            _ => format!("Pulp's REST API on {api_host} answered {}: {}", response.status, error.message),
        });
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("Pulp's REST API answered something that is not JSON: {e}"))
}

/// The first result of a Pulp list answer.
fn first(list: &serde_json::Value) -> Option<&serde_json::Value> {
    list.get("results")?.as_array()?.first()
}

fn text(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}

/// Finds the repository and distribution Pulp made for a push to `repository` on `api_host`.
pub async fn pulp_links(api_host: &str, registry: &str, repository: &str) -> PulpAnswer {
    let login = session::login_for(registry);
    let query =
        |key: &str| form_urlencoded::Serializer::new(String::new()).append_pair(key, repository).finish();
    let repositories = format!("/pulp/api/v3/repositories/container/container/?{}", query("name"));
    let found = match pulp_get(api_host, &repositories, login.as_ref()).await {
        Ok(list) => list,
        Err(why) => return PulpAnswer::Unavailable(why),
    };
    let Some(repo) = first(&found) else {
        return PulpAnswer::Unavailable(format!("Pulp lists no container repository named {repository}"));
    };
    let mut links = PulpLinks {
        repository: text(repo, "pulp_href").unwrap_or_default(),
        name: text(repo, "name").unwrap_or_else(|| repository.to_owned()),
        latest_version: text(repo, "latest_version_href"),
        distribution: None,
        distribution_name: None,
        base_path: None,
        registry_path: None,
    };
    let distributions = format!("/pulp/api/v3/distributions/container/container/?{}", query("base_path"));
    if let Ok(list) = pulp_get(api_host, &distributions, login.as_ref()).await
        && let Some(d) = first(&list)
    {
        links.distribution = text(d, "pulp_href");
        links.distribution_name = text(d, "name");
        links.base_path = text(d, "base_path");
        links.registry_path = text(d, "registry_path");
    }
    PulpAnswer::Links(links)
}
