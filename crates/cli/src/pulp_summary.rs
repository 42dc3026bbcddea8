//! After `sync` or `load` into Pulp: each repository the tags landed in, its latest version and
//! its distribution (base path, and the command that pulls from it), read from Pulp's REST API by
//! the core. Nothing at all when the destination is not Pulp (its status endpoint says so).

use std::collections::BTreeMap;

use serde::Serialize;
use waybill_core::registry::Client;
use waybill_core::registry::pulp_api::{PulpLinks, is_pulp, pulp_links};
use waybill_core::transfer::sync::{SyncReport, TagOutcome, TagResult};

use crate::transport::NativeTransport;

/// One repository in Pulp, as printed (and under `"pulp"` in `--json`).
#[derive(Debug, Serialize)]
pub struct InPulp {
    /// What Pulp's REST API says.
    #[serde(flatten)]
    pub links: PulpLinks,
    /// The latest version's number.
    pub version: Option<u64>,
    /// A command that pulls one of the tags that landed there.
    pub pull: String,
}

/// The repositories (and one tag of each, the first in sorted order, whatever order the tags
/// finished in) that `tags` landed in: with `dest` given, every tag is in it (`sync`); without,
/// each result names `repository:tag` (`load`).
pub fn landed(tags: &[TagResult], dest: Option<&str>) -> BTreeMap<String, String> {
    let mut repositories = BTreeMap::new();
    for t in tags.iter().filter(|t| matches!(t.outcome, TagOutcome::Copied | TagOutcome::UpToDate)) {
        let (repository, tag) = match dest {
            Some(dest) => (dest, t.tag.as_str()),
            None => match t.tag.rsplit_once(':') {
                Some(split) => split,
                None => continue,
            },
        };
        let first = repositories.entry(repository.to_owned()).or_insert_with(|| tag.to_owned());
        if tag < first.as_str() {
            *first = tag.to_owned();
        }
    }
    repositories
}

/// Reads each landed repository from Pulp's REST API, when `client`'s registry is Pulp; a
/// repository it cannot read is a warning, not a failure (the tags are there all the same).
pub async fn in_pulp(client: &Client<NativeTransport>, landed: &BTreeMap<String, String>) -> Vec<InPulp> {
    if landed.is_empty() || !is_pulp(client).await {
        return Vec::new();
    }
    let host = client.base().host_str().unwrap_or_default();
    let host = client.base().port().map_or_else(|| host.to_owned(), |port| format!("{host}:{port}"));
    let mut found = Vec::new();
    for (repository, tag) in landed {
        match pulp_links(client, repository).await {
            Ok(links) => {
                let path = links.registry_path.clone().unwrap_or_else(|| format!("{host}/{repository}"));
                found.push(InPulp {
                    version: links.version_number(),
                    pull: format!("docker pull {path}:{tag}"),
                    links,
                });
            }
            Err(why) => eprintln!("warning: {repository} in Pulp: {why}"),
        }
    }
    found
}

/// The lines printed after the summary table.
pub fn render(found: &[InPulp]) -> String {
    let mut out = String::new();
    for f in found {
        let l = &f.links;
        out.push_str(&format!("in Pulp: repository {} ({})\n", l.name, l.repository));
        if let Some(href) = &l.latest_version {
            let number = f.version.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
            out.push_str(&format!("  latest version {number} ({href})\n"));
        }
        match (&l.distribution, &l.base_path) {
            (Some(href), Some(base_path)) => out.push_str(&format!("  distribution {base_path} ({href})\n")),
            _ => out.push_str("  no distribution serves it\n"),
        }
        out.push_str(&format!("  pull: {}\n", f.pull));
    }
    out
}

/// `--json`: the summary, with `"pulp": [...]` after it when the destination is Pulp.
pub fn json(report: &SyncReport, found: &[InPulp]) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct WithPulp<'a> {
        #[serde(flatten)]
        report: &'a SyncReport,
        #[serde(skip_serializing_if = "<[InPulp]>::is_empty")]
        pulp: &'a [InPulp],
    }
    serde_json::to_string_pretty(&WithPulp { report, pulp: found })
}
