//! `GET /api/inspect?ref=<REF>[&platform=<os/arch[/variant]>]`: the JSON of `waybill inspect
//! --json` for an image in a registry, computed at the edge by the core's `registry::inspect`.
//!
//! Anonymous by default (public images, or registries that grant anonymous pull tokens). A
//! caller with a login for the registry `ref` names sends it as `Authorization: Basic
//! base64(user:password)`: the core's client then uses it for that registry alone (and its token
//! realm), exactly as `waybill inspect` does with `--username`; it is never logged, and the answer
//! is marked `Cache-Control: private, no-store`. A registry that wants a login it did not get
//! answers `401 INSPECT_UNAUTHORIZED`, one that refuses it `403 INSPECT_DENIED`.
//!
//! The registry is reached through the Worker's proxy (see [`crate::transport`]), so the same
//! allowlist and address policy apply, and a refusal comes back exactly as the proxy gives it.

use std::rc::Rc;

use waybill_core::platform::PlatformSpec;
use waybill_core::proxy::{CorsPolicy, OriginVerdict, ProxyError};
use waybill_core::reference::Reference;
use waybill_core::registry::{Client, Credentials, ImageError, inspect};
use worker::{Date, Request, Response, ResponseBody};

use crate::proxy::{Answer, preflight};
use crate::state::State;
use crate::transport::EdgeTransport;

/// The inspect API's path.
pub const PATH: &str = "/api/inspect";

/// Handles `/api/inspect`.
pub async fn handle(state: Rc<State>, request: Request) -> worker::Result<Response> {
    let url = request.url()?;
    let origin = url.origin().ascii_serialization();
    let page = request.headers().get("origin")?;
    let verdict = state.policy.cors().judge(page.as_deref(), &origin);
    let method = request.inner().method().to_ascii_uppercase();
    if method == "OPTIONS" {
        // A page on another origin sending a login asks first.
        return preflight(&request, &verdict);
    }
    let authorization = request.headers().get("authorization")?;
    let answer = match &verdict {
        OriginVerdict::Refused(page) => {
            Answer::refusal(&ProxyError::OriginNotAllowed { origin: page.clone() })
        }
        _ if !matches!(method.as_str(), "GET" | "HEAD") => {
            failure(405, "INSPECT_METHOD_NOT_ALLOWED", "the inspect API answers GET only".to_owned())
        }
        _ => match authorization.as_deref().map(Credentials::from_basic_header).transpose() {
            Err(e) => bad_request(format!("Authorization: {e}, for the registry the ref names")),
            Ok(login) => {
                let signed_in = login.is_some();
                let mut answer = report(state, &url, origin, login).await;
                if signed_in {
                    answer.headers.push(("cache-control".into(), "private, no-store".into()));
                }
                answer
            }
        },
    };
    Ok(answer.into_response(CorsPolicy::response_headers(&verdict)))
}

async fn report(state: Rc<State>, url: &url::Url, origin: String, login: Option<Credentials>) -> Answer {
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let Some(text) = param("ref").filter(|r| !r.is_empty()) else {
        return bad_request(format!(
            "name the image with ?ref=[registry/]repository[:tag][@digest], e.g. {PATH}?ref=quay.io/podman/hello:latest"
        ));
    };
    let reference = match Reference::parse(&text) {
        Ok(reference) => reference,
        Err(e) => return bad_request(format!("ref {text:?}: {e}")),
    };
    let platform =
        match param("platform").filter(|p| !p.is_empty()).map(|p| PlatformSpec::parse(&p)).transpose() {
            Ok(platform) => platform,
            Err(e) => return bad_request(format!("platform: {e}")),
        };
    let transport = EdgeTransport::new(state, origin.clone());
    let base = format!("{origin}/r/{}", reference.api_host());
    let signed_in = login.is_some();
    let client = match Client::new(transport.clone(), &base) {
        Ok(client) => client.with_clock(Rc::new(|| Date::now().as_millis() / 1000)).with_credentials(login),
        Err(e) => return bad_request(format!("ref {text:?}: {e}")),
    };
    let result = inspect(&client, reference.repository(), &reference.reference(), platform.as_ref()).await;
    match result {
        Ok(report) => match serde_json::to_vec(&report) {
            Ok(json) => Answer {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: ResponseBody::Body(json),
            },
            Err(e) => failure(500, "INSPECT_FAILED", format!("the report could not be written as JSON: {e}")),
        },
        Err(error) => match transport.refusal() {
            Some(refusal) => Answer::refusal(&refusal),
            None => match error {
                ImageError::NeedPlatform { .. } => {
                    bad_request(format!("{error}: add &platform=os/arch[/variant] to the request"))
                }
                ImageError::Platform(_) | ImageError::NotAnIndex { .. } => bad_request(error.to_string()),
                ImageError::Registry(ref e)
                    if e.registry().is_some_and(|r| matches!(r.status, 401 | 403)) =>
                {
                    let refused = e.registry().expect("matched just above");
                    refused_login(reference.api_host(), signed_in, refused.status, &refused.message)
                }
                other => failure(502, "INSPECT_FAILED", other.to_string()),
            },
        },
    }
}

/// The registry wants a login (401) or refuses the one given (401, or 403 for the repository):
/// said in the API's terms, since the core's hint names the CLI's flags.
fn refused_login(host: &str, signed_in: bool, status: u16, registry_said: &str) -> Answer {
    let (status, code, what) = match (signed_in, status) {
        (_, 403) => (403, "INSPECT_DENIED", "refuses this login access to the repository"),
        (true, _) => (401, "INSPECT_UNAUTHORIZED", "refused the login sent"),
        (false, _) => (
            401,
            "INSPECT_UNAUTHORIZED",
            "wants a login: send it as Authorization: Basic base64(username:password), used for this registry only",
        ),
    };
    failure(status, code, format!("{host} {what} (the registry said: {registry_said})"))
}

fn bad_request(message: String) -> Answer {
    failure(400, "INSPECT_BAD_REQUEST", message)
}

/// An error in the registry's JSON format, like the proxy's own.
fn failure(status: u16, code: &str, message: String) -> Answer {
    let json = serde_json::json!({ "errors": [{ "code": code, "message": message }] }).to_string();
    Answer {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: ResponseBody::Body(json.into_bytes()),
    }
}
