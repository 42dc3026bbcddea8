//! A finished push or copy: the manifest digest, how to pull it, what happened to the blobs,
//! and — when the registry is Pulp — what Pulp made of it, read from Pulp's REST API through the
//! proxy but shown as things a person uses: the distribution's pull command and base path, the
//! repository and its version, and the pulp-cli commands that show them (a raw REST URL only
//! opens a Basic-auth prompt).

use std::sync::Arc;

use leptos::prelude::*;
use waybill_core::reference::Reference;
use waybill_core::size::human;
use waybill_core::transfer::CopyReport;

use crate::ui::api::{self, PulpAnswer, PulpLinks};
use crate::ui::components::breakable::Breakable;
use crate::ui::components::digest::CopyButton;

/// Where the image went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The registry as written in references (`host[:port]`).
    pub registry: String,
    /// The host its API is reached at.
    pub api_host: String,
    /// The repository.
    pub repository: String,
    /// The tag.
    pub tag: String,
}

impl Target {
    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// `registry/repository:tag`.
    pub fn by_tag(&self) -> String {
        format!("{}:{}", self.name(), self.tag)
    }

    /// The command that pulls the manifest `digest` from it.
    pub fn pull_by_digest(&self, digest: &str) -> String {
        format!("docker pull {}@{digest}", self.name())
    }

    /// The target `reference` names.
    pub fn of(reference: &Reference) -> Target {
        Target {
            registry: reference.registry().to_owned(),
            api_host: reference.api_host().to_owned(),
            repository: reference.repository().to_owned(),
            tag: reference.reference(),
        }
    }
}

/// The result; `pulp` says whether the registry looked like Pulp (then its REST API is read).
#[component]
pub fn ResultPanel(report: Arc<CopyReport>, target: Target, pulp: bool) -> impl IntoView {
    let tally = report.tally();
    let digest = report.digest.to_string();
    let pull = target.pull_by_digest(&digest);
    let links = pulp.then(|| {
        let target = target.clone();
        LocalResource::new(move || {
            let target = target.clone();
            async move { api::pulp_links(&target.api_host, &target.registry, &target.repository).await }
        })
    });
    view! {
        <div class="notice ok" role="status" data-testid="result">
            <h2>{format!("Pushed {}", target.by_tag())}</h2>
            <dl class="facts">
                <dt>"Manifest digest"</dt>
                <dd><code data-testid="result-digest"><Breakable text=digest.clone() /></code> " " <CopyButton text=digest what="digest" /></dd>
                <dt>"Media type"</dt><dd><code><Breakable text=report.media_type.clone() /></code></dd>
                <dt>"Blobs"</dt>
                <dd data-testid="result-blobs">{format!(
                    "{} (layers and config) in all: {} uploaded ({}), {} already there, {} mounted, {} fetched from their urls",
                    report.blobs.len(),
                    tally.uploaded,
                    human(tally.uploaded_bytes),
                    tally.already_present,
                    tally.mounted,
                    tally.from_urls,
                )}</dd>
                <dt>"Pull it"</dt>
                <dd>
                    <code data-testid="pull-command"><Breakable text=pull.clone() /></code> " " <CopyButton text=pull what="pull command" />
                    <span class="exact">"or by tag: "<Breakable text=format!("docker pull {}", target.by_tag()) /></span>
                </dd>
            </dl>
            {(!report.warnings.is_empty()).then(|| view! {
                <ul>{report.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
            })}
            {links.map(|pulp| view! {
                <h3>"In Pulp"</h3>
                <Suspense fallback=|| view! { <p class="loading">"Asking Pulp's REST API…"</p> }>
                    {move || pulp.get().map(|answer| match answer {
                        PulpAnswer::Links(links) => view! { <InPulp links target=target.clone() /> }.into_any(),
                        PulpAnswer::Unavailable(why) => view! { <p class="hint" data-testid="pulp-unavailable">{why}</p> }.into_any(),
                    })}
                </Suspense>
            })}
        </div>
    }
}

/// The number at the end of a repository version's href (`…/versions/3/`).
fn version_number(href: &str) -> Option<&str> {
    let mut parts = href.trim_end_matches('/').rsplit('/');
    let number = parts.next()?;
    (parts.next()? == "versions" && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .then_some(number)
}

/// What Pulp made of the push: the distribution (its pull command and base path), the repository
/// and its latest version, and the pulp-cli commands that show them.
#[component]
pub fn InPulp(links: PulpLinks, target: Target) -> impl IntoView {
    let repository_cli = format!("pulp container repository show --name {}", links.name);
    let distribution = links.base_path.clone().map(|base_path| {
        let pull = format!("docker pull {}/{base_path}:{}", target.registry, target.tag);
        let cli = links.distribution_name.clone().map(|name| format!("pulp container distribution show --name {name}"));
        view! {
            <dt>"Distribution"</dt>
            <dd>
                "base path "<code data-testid="pulp-distribution">{base_path}</code>
                {links.registry_path.clone().map(|p| view! { <span class="exact">"Pulp serves it as "<Breakable text=p /></span> })}
            </dd>
            <dt>"Pull from Pulp"</dt>
            <dd><code data-testid="pulp-pull"><Breakable text=pull.clone() /></code> " " <CopyButton text=pull what="Pulp pull command" /></dd>
            {cli.map(|cli| view! {
                <dt>"Show the distribution"</dt>
                <dd><code data-testid="pulp-cli-distribution">{cli.clone()}</code> " " <CopyButton text=cli what="pulp-cli command for the distribution" /></dd>
            })}
        }
    });
    view! {
        <dl class="facts" data-testid="pulp-links">
            {distribution}
            <dt>"Repository"</dt>
            <dd>
                <code data-testid="pulp-repository">{links.name.clone()}</code>
                {links.latest_version.as_deref().and_then(version_number).map(|n| view! {
                    ", latest version "<span data-testid="pulp-version">{n.to_owned()}</span>
                })}
            </dd>
            <dt>"Show the repository"</dt>
            <dd><code data-testid="pulp-cli">{repository_cli.clone()}</code> " " <CopyButton text=repository_cli what="pulp-cli command for the repository" /></dd>
        </dl>
        <p class="hint">"The commands are pulp-cli's (with its container plugin), run where it is configured with your Pulp server and login."</p>
    }
}

#[cfg(test)]
mod tests {
    use super::version_number;

    #[test]
    fn version_numbers() {
        assert_eq!(
            version_number("/pulp/api/v3/repositories/container/container-push/01/versions/3/"),
            Some("3")
        );
        assert_eq!(version_number("/pulp/api/v3/repositories/container/container-push/01/"), None);
        assert_eq!(version_number("/pulp/api/v3/repositories/container/container-push/01/versions/"), None);
    }
}
