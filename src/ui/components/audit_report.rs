//! The audit's report (the core's `AuditReport`, as `waybill audit` prints it): the totals, then
//! every repository — clean, not read (with why), or with the manifests whose foreign blobs Pulp
//! lacks, the tags that fail to pull, each missing blob, and per tag a link to the Copy page that
//! copies it in whole.

use leptos::prelude::*;
use waybill_core::size::human;
use waybill_core::transfer::pulp_audit::{AuditReport, AuditedManifest, AuditedRepository, MissingBlob};

use crate::ui::api::typed_reference;
use crate::ui::components::breakable::Breakable;
use crate::ui::components::data_table::DataTable;
use crate::ui::route::copy_hash;

/// Where the tag `tag` of `repository` lives in the Pulp at `pulp` (`host:port`), and where to copy
/// it from: `upstream` as typed names a registry (the repository keeps its name there) or a
/// registry and a repository; empty, the Copy page asks for the source.
pub fn copy_link(pulp: &str, repository: &AuditedRepository, tag: &str, upstream: &str) -> String {
    let path = repository.base_path.as_deref().unwrap_or(&repository.name);
    let upstream = typed_reference(upstream);
    let source = match upstream {
        "" => String::new(),
        registry if !registry.contains('/') => format!("{registry}/{path}:{tag}"),
        repository => format!("{repository}:{tag}"),
    };
    copy_hash(&source, &format!("{pulp}/{path}:{tag}"), true)
}

/// The hosts a blob's `urls` point at, each once (where its publisher serves it).
fn url_hosts(blob: &MissingBlob) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for url in &blob.urls {
        let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned));
        let host = host.unwrap_or_else(|| url.clone());
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// The whole report. `pulp` is the audited host; `upstream` (as typed, may change after the run)
/// fills in the Copy links' sources.
#[component]
pub fn AuditReportView(report: AuditReport, pulp: String, upstream: RwSignal<String>) -> impl IntoView {
    let clean = report.is_clean();
    let unread = report.repositories.iter().filter(|r| r.unreadable.is_some()).count();
    let stat = |value: String, label: &'static str, testid: &'static str, bad: bool| {
        view! { <li class:foreign=bad data-testid=testid><strong>{value}</strong><span>{label}</span></li> }
    };
    view! {
        <section class="panel" aria-labelledby="audit-summary-heading" data-testid="audit-summary">
            <h2 id="audit-summary-heading">"Summary"</h2>
            <ul class="stats">
                {stat(report.repositories.len().to_string(), "repositories audited", "audit-repositories", false)}
                {stat(report.affected_repositories().to_string(), "repositories affected", "audit-affected", !clean)}
                {stat(report.affected_tags().to_string(), "tags fail to pull", "audit-tags", !clean)}
                {stat(report.missing_blobs.to_string(), "blobs missing", "audit-blobs", !clean)}
                {stat(human(report.missing_bytes), "missing", "audit-bytes", !clean)}
            </ul>
            {if clean {
                view! {
                    <p class="notice ok" data-testid="audit-verdict">
                        "Pulp holds every foreign blob its manifests name: every tag audited pulls."
                    </p>
                }.into_any()
            } else {
                view! {
                    <p class="notice warn" data-testid="audit-verdict">
                        "Pulp lacks foreign blobs, so a pull of the tags below fails with “blob unknown”. Copy each "
                        "tag in from a registry that has the blobs, with foreign layers allowed: the links below "
                        "open Copy with that filled in."
                    </p>
                }.into_any()
            }}
            {(unread > 0).then(|| view! {
                <p class="hint">{format!("{unread} repositories could not be read: see why below.")}</p>
            })}
        </section>
        <section class="panel" aria-labelledby="audit-repos-heading">
            <h2 id="audit-repos-heading">"Repositories"</h2>
            {report.repositories.is_empty().then(|| view! {
                <p class="hint">"No container repository matches."</p>
            })}
            <ul class="plain audit-repos">
                {report.repositories.into_iter().map(|repository| {
                    view! { <RepositoryView repository pulp=pulp.clone() upstream /> }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// One repository: its state, and its affected manifests.
#[component]
fn RepositoryView(repository: AuditedRepository, pulp: String, upstream: RwSignal<String>) -> impl IntoView {
    let version = repository.version.map_or_else(|| "no version yet".to_owned(), |v| format!("version {v}"));
    let affected: Vec<AuditedManifest> = repository.affected().cloned().collect();
    let whole = repository.manifests.len() - affected.len();
    let (badge, class) = match (&repository.unreadable, affected.len()) {
        (Some(_), _) => ("not read".to_owned(), "badge bad"),
        (None, 0) => ("clean".to_owned(), "badge ok"),
        (None, 1) => ("1 manifest lacks blobs".to_owned(), "badge foreign"),
        (None, n) => (format!("{n} manifests lack blobs"), "badge foreign"),
    };
    let shared = StoredValue::new(repository.clone());
    view! {
        <li class="audit-repo" data-testid="audit-repository" data-name=repository.name.clone()>
            <h3>
                <Breakable text=repository.name.clone() />" "
                <span class=class data-testid="audit-state">{badge}</span>
                <span class="hint">{version}</span>
            </h3>
            {repository.unreadable.clone().map(|why| view! { <p class="hint" data-testid="audit-unread">{why}</p> })}
            {(whole > 0).then(|| view! {
                <p class="hint">{format!("{whole} manifest(s) with foreign layers: Pulp holds their blobs.")}</p>
            })}
            {affected.into_iter().map(|manifest| {
                let repository = shared.get_value();
                view! { <ManifestView manifest repository pulp=pulp.clone() upstream /> }
            }).collect_view()}
        </li>
    }
}

/// One manifest that lacks blobs: its digest, the tags that fail (each with its Copy link) and
/// the missing blobs.
#[component]
fn ManifestView(
    manifest: AuditedManifest,
    repository: AuditedRepository,
    pulp: String,
    upstream: RwSignal<String>,
) -> impl IntoView {
    let repository = StoredValue::new(repository);
    let pulp = StoredValue::new(pulp);
    view! {
        <div class="audit-manifest" data-testid="audit-manifest">
            <p>
                <span class="hint">"Manifest "</span>
                <code data-testid="audit-manifest-digest"><Breakable text=manifest.digest.to_string() /></code>
            </p>
            <ul class="plain audit-tags">
                {manifest.tags.iter().map(|tag| {
                    let tag = tag.clone();
                    let href = {
                        let tag = tag.clone();
                        move || repository.with_value(|r| copy_link(&pulp.get_value(), r, &tag, &upstream.get()))
                    };
                    view! {
                        <li data-testid="audit-tag" data-tag=tag.clone()>
                            <code>{tag.clone()}</code>" "<span class="badge bad">"fails to pull"</span>" "
                            <a class="button small secondary" href=href data-testid="audit-copy">
                                "Copy it in whole"
                                <span class="sr-only">{format!(": {tag}, with foreign layers allowed")}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <DataTable class="audit-blobs" caption="Foreign blobs Pulp lacks"
                columns=vec!["Missing blob".into(), "Media type".into(), "Size".into(), "Served from".into()]>
                {manifest.missing.iter().map(|blob| view! {
                    <tr data-testid="audit-missing" data-digest=blob.digest.to_string()>
                        <td data-label="Digest"><code><Breakable text=blob.digest.to_string() /></code></td>
                        <td data-label="Media type"><code><Breakable text=blob.media_type.clone() /></code></td>
                        <td data-label="Size" class="num" title=format!("{} bytes", blob.size)>{human(blob.size)}</td>
                        <td data-label="Served from">
                            {url_hosts(blob).into_iter().map(|h| view! { <code><Breakable text=h /></code>" " }).collect_view()}
                        </td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(base_path: Option<&str>) -> AuditedRepository {
        AuditedRepository {
            name: "mirror-w".into(),
            version: Some(1),
            base_path: base_path.map(str::to_owned),
            manifests: Vec::new(),
            unreadable: None,
        }
    }

    #[test]
    fn the_copy_link_names_the_tag_in_pulp_and_upstream() {
        let r = repository(Some("team/w"));
        let link =
            |upstream| crate::ui::route::Route::from_hash(&copy_link("pulp:24817", &r, "1.0", upstream));
        let expect = |source: &str| crate::ui::route::Route::Copy {
            source: source.into(),
            target: "pulp:24817/team/w:1.0".into(),
            allow_foreign: true,
        };
        assert_eq!(link(""), expect(""));
        assert_eq!(link("https://mcr.example/"), expect("mcr.example/team/w:1.0"));
        assert_eq!(link("reg:5000/fixtures/w"), expect("reg:5000/fixtures/w:1.0"));
        let unserved = repository(None);
        assert!(copy_link("pulp:24817", &unserved, "1.0", "").contains("mirror-w%3A1.0"));
    }

    #[test]
    fn url_hosts_are_listed_once() {
        let blob = MissingBlob {
            digest: format!("sha256:{}", "a".repeat(64)).parse().unwrap(),
            media_type: "m".into(),
            size: 1,
            urls: vec!["https://a.example/x".into(), "https://a.example/y".into(), "not a url".into()],
        };
        assert_eq!(url_hosts(&blob), ["a.example", "not a url"]);
    }
}
