//! The one place the pages do registry I/O: the core's registry client driven through the
//! browser's fetch transport and Waybill's proxy. Pages get values and [`Problem`]s back; they
//! never see a URL, a header or a status code.

use std::sync::Arc;

use crate::browser::fetch::FetchTransport;
use crate::browser::protocol::{Job, Login, Source};
use crate::browser::time::unix_seconds;
use waybill_core::config::ImageConfig;
use waybill_core::digest::Digest;
use waybill_core::manifest::{Descriptor, Manifest, ManifestDocument, Platform};
use waybill_core::platform::PlatformSpec;
use waybill_core::reference::Reference;
use waybill_core::registry::{
    Client, Credentials, Error, ImageError, PlatformChoice, fetch_document, resolve_images,
};
use waybill_core::report::InspectReport;
use waybill_core::transport::TransportErrorKind;

use crate::ui::session;

/// Configs larger than this are not image configs worth showing.
const CONFIG_LIMIT: usize = 16 * 1024 * 1024;

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
    pub image: Option<Arc<ImageView>>,
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

/// One image manifest with its config.
#[derive(Clone, Debug)]
pub struct ImageView {
    /// The manifest.
    pub document: ManifestDocument,
    /// The index entry's platform, when it came from an index.
    pub platform: Option<Platform>,
    /// The config, parsed, with its bytes (for the raw view); or why it could not be read.
    pub config: Result<(ImageConfig, Vec<u8>), String>,
    /// The classified report.
    pub report: InspectReport,
}

/// A failure said the way a person understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Which kind (drives the page's reaction, e.g. offering a login).
    pub kind: ProblemKind,
    /// One line: what happened.
    pub title: String,
    /// The details, from the registry or the proxy.
    pub detail: String,
    /// What to do.
    pub hint: String,
}

/// The kinds of [`Problem`] the page treats differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The reference does not parse.
    BadReference,
    /// The platform does not parse or match.
    BadPlatform,
    /// The registry has no such repository or manifest.
    Unknown,
    /// Credentials are needed, or the given ones were refused.
    Unauthorised,
    /// Too many requests.
    RateLimited,
    /// Waybill's proxy refused the request (host not allowed, …).
    ProxyRefused,
    /// No answer: the network or the proxy is down.
    Network,
    /// Anything else.
    Other,
}

/// Inspects `reference` (and, for an index, the `platform` entry when one is given).
pub async fn inspect(reference: &str, platform: &str) -> Result<Inspection, Problem> {
    let reference = Reference::parse(reference.trim()).map_err(|e| Problem {
        kind: ProblemKind::BadReference,
        title: "That is not an image reference".into(),
        detail: e.to_string(),
        hint: "Write it as docker pull would take it: alpine, ghcr.io/org/app:1.2, \
               registry:5000/team/app@sha256:…"
            .into(),
    })?;
    let client = client_for(&reference)?;
    let repository = reference.repository();
    let tag_or_digest = reference.reference();
    let top =
        fetch_document(&client, repository, &tag_or_digest).await.map_err(|e| problem(&e, &reference))?;
    // HEAD does not count against Docker Hub's pull limit; what it says is shown beside the
    // digest Waybill computed, so a registry that disagrees with its own bytes is visible.
    let registry_digest =
        client.head_manifest(repository, &tag_or_digest).await.ok().flatten().and_then(|h| h.digest);
    let (entries, choice) = match top.manifest() {
        Manifest::Index(index) if platform.trim().is_empty() => (index.manifests.clone(), None),
        Manifest::Index(index) => {
            let spec = PlatformSpec::parse(platform).map_err(|e| platform_problem(e.to_string()))?;
            (index.manifests.clone(), Some(PlatformChoice::Only(spec)))
        }
        Manifest::Image(_) => (Vec::new(), Some(PlatformChoice::Unspecified)),
        Manifest::Schema1(_) => (Vec::new(), None),
    };
    let image = match choice {
        None => None,
        Some(choice) => {
            let resolved = resolve_images(&client, repository, &tag_or_digest, &top, &choice)
                .await
                .map_err(|e| problem(&e, &reference))?;
            match resolved.into_iter().next() {
                Some(image) => {
                    let config = read_config(&client, repository, &image.image.config).await;
                    let mut report = InspectReport::from_document(&image.document);
                    if let Ok((config, _)) = &config {
                        report = report.with_config(config);
                    }
                    Some(Arc::new(ImageView {
                        document: image.document,
                        platform: image.platform,
                        config,
                        report,
                    }))
                }
                None => None,
            }
        }
    };
    Ok(Inspection { reference, top, registry_digest, entries, image })
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

fn client_for(reference: &Reference) -> Result<Client<FetchTransport>, Problem> {
    let transport = FetchTransport::new(&session::proxy_origin());
    let base = transport.registry_base(reference.api_host());
    let credentials = session::login_for(reference.registry())
        .map(|Login { username, password }| Credentials::new(username, password));
    Client::new(transport, &base)
        .map(|c| c.with_credentials(credentials).with_clock(std::rc::Rc::new(unix_seconds)))
        .map_err(|e| Problem {
            kind: ProblemKind::BadReference,
            title: "Waybill cannot address this registry".into(),
            detail: e.to_string(),
            hint: String::new(),
        })
}

/// Downloads and parses the config (verified against its digest as it arrives; configs are
/// a few kilobytes).
async fn read_config(
    client: &Client<FetchTransport>,
    repository: &str,
    config: &Descriptor,
) -> Result<(ImageConfig, Vec<u8>), String> {
    if config.size > CONFIG_LIMIT as u64 {
        return Err(format!("the config is {} bytes, more than Waybill reads ({CONFIG_LIMIT})", config.size));
    }
    let mut stream =
        client.get_blob(repository, &config.digest, Some(config.size)).await.map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await.map_err(|e| e.to_string())? {
        bytes.extend_from_slice(&chunk);
    }
    let parsed = ImageConfig::parse(&bytes).map_err(|e| format!("the config is not an image config: {e}"))?;
    Ok((parsed, bytes))
}

fn platform_problem(detail: String) -> Problem {
    Problem {
        kind: ProblemKind::BadPlatform,
        title: "No such platform in this index".into(),
        detail,
        hint: "Pick one of the platforms the index lists.".into(),
    }
}

/// Turns a core error into what a person can act on.
pub fn problem(error: &ImageError, reference: &Reference) -> Problem {
    let name = reference.familiar();
    let registry = reference.registry();
    let detail = error.to_string();
    let make = |kind, title: String, hint: String| Problem { kind, title, detail: detail.clone(), hint };
    match error {
        ImageError::Platform(e) => platform_problem(e.to_string()),
        ImageError::Registry(e) => registry_problem(e, &name, registry, make),
        _ => make(ProblemKind::Other, format!("Waybill cannot show {name}"), String::new()),
    }
}

fn registry_problem(
    error: &Error,
    name: &str,
    registry: &str,
    make: impl Fn(ProblemKind, String, String) -> Problem,
) -> Problem {
    if let Error::Transport { source, .. } = error {
        let title = match source.kind {
            TransportErrorKind::Cancelled => "Stopped".to_owned(),
            _ => "No answer: the network or Waybill's proxy is down".to_owned(),
        };
        return make(
            ProblemKind::Network,
            title,
            "Check that waybill serve (or the Worker) is still running and that this machine is online, \
             then try again."
                .into(),
        );
    }
    let Some(registry_error) = error.registry() else {
        return make(
            ProblemKind::Other,
            format!("{registry} answered something Waybill cannot use"),
            String::new(),
        );
    };
    let code = registry_error.code.as_deref().unwrap_or_default();
    if code.starts_with("PROXY_") {
        return make(
            ProblemKind::ProxyRefused,
            format!("Waybill's proxy refused to contact {registry}"),
            "The proxy only reaches registries it is configured for: add the host to allowed_hosts in \
             waybill.toml (or the Worker's configuration), then reload."
                .into(),
        );
    }
    match registry_error.status {
        401 | 403 => make(
            ProblemKind::Unauthorised,
            format!("{registry} wants you to sign in to read {name}"),
            format!(
                "Sign in to {registry} below (a password or an access token with pull rights). If you \
                 already did, the registry refused those credentials or they cannot read this repository."
            ),
        ),
        429 => {
            let remaining = registry_error
                .ratelimit_remaining
                .as_ref()
                .map(|r| format!(" (ratelimit-remaining: {r})"))
                .unwrap_or_default();
            make(
                ProblemKind::RateLimited,
                format!("{registry} is rate-limiting pulls{remaining}"),
                "Wait and try again, or sign in: Docker Hub allows authenticated users more pulls.".into(),
            )
        }
        404 => make(
            ProblemKind::Unknown,
            format!("{registry} has no {name}"),
            match code {
                "NAME_UNKNOWN" => "The repository does not exist (or is private: try signing in).".into(),
                _ => "Check the tag or digest; the repository exists but not this manifest.".into(),
            },
        ),
        status if status >= 500 => make(
            ProblemKind::Other,
            format!("{registry} failed ({status})"),
            "The registry had an internal error; try again later.".into(),
        ),
        _ => make(ProblemKind::Other, format!("{registry} refused the request"), registry_error.hint.clone()),
    }
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
    use waybill_core::transport::{Method, Request, Transport};
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
        base_path: None,
        registry_path: None,
    };
    let distributions = format!("/pulp/api/v3/distributions/container/container/?{}", query("base_path"));
    if let Ok(list) = pulp_get(api_host, &distributions, login.as_ref()).await
        && let Some(d) = first(&list)
    {
        links.distribution = text(d, "pulp_href");
        links.base_path = text(d, "base_path");
        links.registry_path = text(d, "registry_path");
    }
    PulpAnswer::Links(links)
}
