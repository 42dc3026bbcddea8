//! Failures said the way a person understands them: a headline that names the real cause, the
//! registry's or the proxy's own words under Details, and what to do — in the app's terms (a
//! control on the page, a setting of the proxy), never a command line's.

use waybill_core::reference::{Reference, ReferenceError};
use waybill_core::registry::pulp_api::PulpApiError;
use waybill_core::registry::{Error, ImageError, RegistryError};
use waybill_core::transport::TransportErrorKind;

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

impl ProblemKind {
    /// Whether signing in to the registry could change the answer: never for a host the proxy
    /// refuses, a reference that does not parse or a network that is down.
    pub fn login_may_help(self) -> bool {
        matches!(
            self,
            ProblemKind::Unknown | ProblemKind::Unauthorised | ProblemKind::RateLimited | ProblemKind::Other
        )
    }
}

/// What the registry said about the repository itself, when a manifest was not found: a
/// registry answers a repository it does not know the way it answers a tag it does not have
/// (distribution: MANIFEST_UNKNOWN for both), so the page asks its tag list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepositoryKnown {
    /// It exists: the tag or digest is what is missing.
    Exists,
    /// It does not exist (or these credentials cannot see it).
    Missing,
    /// Not asked, or the registry would not say.
    Unsure,
}

/// A reference that does not parse; the headline says what is wrong with it.
pub fn reference_problem(error: &ReferenceError) -> Problem {
    Problem {
        kind: ProblemKind::BadReference,
        title: format!("That is not an image reference: {}", error.kind()),
        detail: error.to_string(),
        hint: "Write it as docker pull would take it: alpine, ghcr.io/org/app:1.2, \
               registry:5000/team/app@sha256:…"
            .into(),
    }
}

/// A platform that does not parse or that the index lacks.
pub fn platform_problem(detail: String) -> Problem {
    Problem {
        kind: ProblemKind::BadPlatform,
        title: "No such platform in this index".into(),
        detail,
        hint: "Pick one of the platforms the index lists.".into(),
    }
}

/// Turns a core error into what a person can act on.
pub fn problem(error: &ImageError, reference: &Reference, known: RepositoryKnown) -> Problem {
    let name = reference.familiar();
    let detail = error.to_string();
    let make = |kind, title: String, hint: String| Problem { kind, title, detail: detail.clone(), hint };
    match error {
        ImageError::Platform(e) => platform_problem(e.to_string()),
        ImageError::Registry(e) => registry_problem(e, reference, known, make),
        _ => make(ProblemKind::Other, format!("Waybill cannot show {name}"), String::new()),
    }
}

fn registry_problem(
    error: &Error,
    reference: &Reference,
    known: RepositoryKnown,
    make: impl Fn(ProblemKind, String, String) -> Problem,
) -> Problem {
    let (name, registry) = (reference.familiar(), reference.registry());
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
        let (title, hint) = proxy_refusal(registry_error, registry);
        return make(ProblemKind::ProxyRefused, title, hint);
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
        404 => {
            let repository = reference.repository();
            let missing_repository = code == "NAME_UNKNOWN" || known == RepositoryKnown::Missing;
            let (title, hint) = match (missing_repository, known) {
                (true, _) => (
                    format!("{registry} has no repository {repository}"),
                    "Check the repository's name. If it is private, sign in: a registry hides the \
                     repositories a login cannot see."
                        .to_owned(),
                ),
                (false, RepositoryKnown::Exists) => (
                    format!("{registry} has no {name}"),
                    format!("The repository {repository} exists, but not with this tag or digest: check it."),
                ),
                (false, _) => (
                    format!("{registry} has no {name}"),
                    "Check the repository, the tag and the digest.".to_owned(),
                ),
            };
            make(ProblemKind::Unknown, title, hint)
        }
        status if status >= 500 => make(
            ProblemKind::Other,
            format!("{registry} failed ({status})"),
            "The registry had an internal error; try again later.".into(),
        ),
        _ => make(ProblemKind::Other, format!("{registry} refused the request"), registry_error.hint.clone()),
    }
}

/// Pulp's REST API could not be read (the audit): a login it wants, a proxy that does not read
/// it, or no Pulp at all at `host`.
pub fn pulp_problem(error: &PulpApiError, host: &str) -> Problem {
    let detail = error.to_string();
    let make = |kind, title: String, hint: String| Problem { kind, title, detail: detail.clone(), hint };
    let refusal = match error {
        PulpApiError::Refused(e) => Some(e.as_ref()),
        PulpApiError::Request(e) => e.registry(),
        _ => None,
    };
    match (error, refusal) {
        (PulpApiError::Request(Error::Transport { .. }), _) => make(
            ProblemKind::Network,
            "No answer: the network or Waybill's proxy is down".into(),
            "Check that waybill serve (or the Worker) is still running, then try again.".into(),
        ),
        (_, Some(e)) if e.code.as_deref() == Some("PROXY_PATH_NOT_ALLOWED") => make(
            ProblemKind::ProxyRefused,
            format!("Waybill's proxy does not read Pulp's REST API on {host}"),
            format!(
                "Add \"{host}\" to pulp_api_hosts in waybill.toml, restart waybill serve, then reload this page."
            ),
        ),
        (_, Some(e)) if e.code.as_deref().is_some_and(|c| c.starts_with("PROXY_")) => {
            let (title, hint) = proxy_refusal(e, host);
            make(ProblemKind::ProxyRefused, title, hint)
        }
        (_, Some(e)) if matches!(e.status, 401 | 403) => make(
            ProblemKind::Unauthorised,
            format!("{host} wants you to sign in to read its repositories"),
            format!(
                "Sign in to {host} below as a Pulp user who can read its container repositories. If you \
                 already did, Pulp refused that login."
            ),
        ),
        (PulpApiError::NotPulp(_), _) => make(
            ProblemKind::Other,
            format!("{host} has no Pulp REST API"),
            "Type the origin Pulp's REST API and registry answer at (host:port, or its URL).".into(),
        ),
        _ => make(ProblemKind::Other, format!("Pulp's REST API on {host} could not be read"), String::new()),
    }
}

/// The proxy's refusal: a headline naming the cause, and the setting its message names (the
/// proxy says which: `allowed_hosts`, `private_hosts`, `plain_http_hosts`, …).
fn proxy_refusal(error: &RegistryError, registry: &str) -> (String, String) {
    let title = match error.code.as_deref() {
        Some("PROXY_ADDRESS_FORBIDDEN") => {
            format!("Waybill's proxy refused {registry}: not an address it may reach")
        }
        Some("PROXY_HOST_NOT_ALLOWED") => {
            format!("Waybill's proxy refused {registry}: not a registry it is configured for")
        }
        Some("PROXY_UPSTREAM_UNREACHABLE" | "PROXY_TIMEOUT") => {
            format!("Waybill's proxy could not reach {registry}")
        }
        _ => format!("Waybill's proxy refused to contact {registry}"),
    };
    (title, format!("{} — then reload this page.", error.message))
}
