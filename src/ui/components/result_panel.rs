//! A finished push or copy: the manifest digest, how to pull it, what happened to the blobs,
//! and — when the registry is Pulp — where Pulp's REST API shows it (repository, its latest
//! version, the distribution), read through the proxy.

use std::sync::Arc;

use leptos::prelude::*;
use waybill_core::reference::Reference;
use waybill_core::registry::CopyReport;
use waybill_core::size::human;

use crate::ui::api::{self, PulpAnswer};
use crate::ui::components::digest::CopyButton;
use crate::ui::session;

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
    let name = format!("{}/{}", target.registry, target.repository);
    let by_digest = format!("{name}@{}", report.digest);
    let links = pulp.then(|| {
        let target = target.clone();
        LocalResource::new(move || {
            let target = target.clone();
            async move { api::pulp_links(&target.api_host, &target.registry, &target.repository).await }
        })
    });
    let origin = session::proxy_origin();
    let api_host = target.api_host.clone();
    view! {
        <div class="notice ok" role="status" data-testid="result">
            <h2>{format!("Pushed {name}:{}", target.tag)}</h2>
            <dl class="facts">
                <dt>"Manifest digest"</dt>
                <dd><code data-testid="result-digest">{report.digest.to_string()}</code> " " <CopyButton text=report.digest.to_string() /></dd>
                <dt>"Media type"</dt><dd><code>{report.media_type.clone()}</code></dd>
                <dt>"Blobs"</dt>
                <dd data-testid="result-blobs">{format!(
                    "{} in all: {} uploaded ({}), {} already there, {} mounted, {} fetched from their urls",
                    report.blobs.len(),
                    tally.uploaded,
                    human(tally.uploaded_bytes),
                    tally.already_present,
                    tally.mounted,
                    tally.from_urls,
                )}</dd>
                <dt>"Pull it"</dt>
                <dd>
                    <code class="wrap" data-testid="pull-command">{format!("docker pull {by_digest}")}</code>
                    <span class="exact">{format!("or by tag: docker pull {name}:{}", target.tag)}</span>
                </dd>
            </dl>
            {(!report.warnings.is_empty()).then(|| view! {
                <ul>{report.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
            })}
            {links.map(|pulp| view! {
                <h3>"In Pulp"</h3>
                <Suspense fallback=|| view! { <p class="loading">"Asking Pulp's REST API…"</p> }>
                    {move || pulp.get().map(|answer| match answer {
                        PulpAnswer::Links(links) => {
                            let link = |href: &str| format!("{origin}/r/{api_host}{href}");
                            view! {
                                <ul class="plain" data-testid="pulp-links">
                                    <li>"Repository "<a href=link(&links.repository) target="_blank" rel="noopener" data-testid="pulp-repository">{links.name.clone()}</a>
                                        <span class="exact">{links.repository.clone()}</span></li>
                                    {links.latest_version.clone().map(|v| view! {
                                        <li>"Latest version "<a href=link(&v) target="_blank" rel="noopener" data-testid="pulp-version">{v.clone()}</a></li>
                                    })}
                                    {links.distribution.clone().map(|d| view! {
                                        <li>"Distribution "<a href=link(&d) target="_blank" rel="noopener" data-testid="pulp-distribution">
                                            {links.base_path.clone().unwrap_or_else(|| d.clone())}</a>
                                            {links.registry_path.clone().map(|p| view! { <span class="exact">{format!("registry path {p}")}</span> })}
                                        </li>
                                    })}
                                </ul>
                                <p class="hint">"Links open Pulp's REST API through Waybill's proxy; your browser asks for the Pulp login."</p>
                            }.into_any()
                        }
                        PulpAnswer::Unavailable(why) => view! { <p class="hint" data-testid="pulp-unavailable">{why}</p> }.into_any(),
                    })}
                </Suspense>
            })}
        </div>
    }
}
