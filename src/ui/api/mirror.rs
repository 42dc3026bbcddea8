//! The repository copy's I/O on the page: the core's tag listing, per-tag preview and `save` (the
//! one `waybill save` runs, written to the user's disk), driven through the browser's fetch
//! transport and the proxy. (The mirror itself, the core's `sync`, runs in a push worker:
//! [`super::workers`].) The page gets values, events and [`Problem`]s; what to copy, what to refuse and what is up to date is
//! decided in the core only.

use waybill_core::reference::Reference;
use waybill_core::registry::{Client, ImageError};
use waybill_core::transfer::save::{SaveError, SaveOptions, SaveSource, save};
use waybill_core::transfer::sync::{RepoAt, TagResult};
use waybill_core::transfer::sync_preview::{TagPreview, preview_tag};
use waybill_core::transfer::tag_filter::TagFilter;

use super::{client_with, typed_reference};
use crate::browser::download::ArchiveOut;
use crate::browser::fetch::{Cancel, FetchTransport};
use crate::ui::problems::{Problem, ProblemKind, RepositoryKnown, problem, reference_problem};
use crate::ui::session;

/// A repository as typed: `registry/repository`, a pasted `http(s)://` dropped. A tag or digest
/// is refused, as `waybill sync` refuses it: the tags are chosen by the patterns.
pub fn repository(text: &str) -> Result<Reference, Problem> {
    let typed = typed_reference(text);
    let reference = Reference::parse(typed).map_err(|e| reference_problem(&e))?;
    if reference.tag().is_some() || reference.digest().is_some() {
        return Err(Problem {
            kind: ProblemKind::BadReference,
            title: format!("{typed} names an image, not a repository"),
            detail: String::new(),
            hint: "Write the repository alone (e.g. registry:5000/team/app) and choose its tags with the filters."
                .into(),
        });
    }
    Ok(reference)
}

/// The patterns typed in a filter field, one per word (commas or blanks between them).
pub fn patterns(typed: &str) -> Vec<String> {
    typed.split([',', ' ', '\t', '\n']).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// The tag filter of the typed include and exclude fields (the syntax of `waybill sync`'s).
pub fn filter(include: &str, exclude: &str) -> TagFilter {
    TagFilter { include: patterns(include), exclude: patterns(exclude) }
}

/// Every tag of `source`, `on_page` told each page's tags as the page arrives.
pub async fn list_tags(
    source: &Reference,
    on_page: &mut dyn FnMut(&[String]),
) -> Result<Vec<String>, Problem> {
    let client = client(source, None)?;
    client
        .list_tags_paged(source.repository(), Some(100), on_page)
        .await
        .map_err(|e| problem(&ImageError::Registry(e), source, RepositoryKnown::Unsure))
}

/// What a mirror would do with `tag` of `source`, the destination asked too when there is one.
pub async fn preview(
    source: &Reference,
    destination: Option<&Reference>,
    tag: &str,
) -> Result<TagPreview, String> {
    let src = client(source, None).map_err(|p| p.title)?;
    let dst = destination.map(|d| client(d, None)).transpose().map_err(|p| p.title)?;
    let dst_at =
        dst.as_ref().zip(destination).map(|(client, d)| RepoAt { client, repository: d.repository() });
    preview_tag(&RepoAt { client: &src, repository: source.repository() }, dst_at.as_ref(), tag)
        .await
        .map_err(|e| e.to_string())
}

/// An archive written to the user's disk.
#[derive(Clone, Debug, PartialEq)]
pub struct Downloaded {
    /// The file's suggested name.
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// Per tag: saved, refused (left out) or failed.
    pub tags: Vec<TagResult>,
}

/// Why a download failed: what went wrong, and the tags' results when they were judged.
#[derive(Clone, Debug, PartialEq)]
pub struct DownloadFailed {
    /// What went wrong, and what became of the file.
    pub message: String,
    /// Per tag, when the tags were read (every one refused or failed: nothing to save).
    pub tags: Vec<TagResult>,
}

/// Writes `tags` of `source` into one OCI-layout archive on the user's disk, as `waybill save`
/// does (the same bytes for the same tags), foreign blobs included when `allow_foreign_layers`;
/// `written` is told the bytes written so far. Call from a click: where the browser has a save
/// picker it opens first. Every blob is verified as it is written; a failure marks the file
/// failed (see [`crate::browser::download`]). `None`: the user closed the save dialog.
pub async fn download(
    source: &Reference,
    mut tags: Vec<String>,
    allow_foreign_layers: bool,
    cancel: &Cancel,
    written: impl Fn(u64) + 'static,
) -> Result<Option<Downloaded>, DownloadFailed> {
    let failed = |message: String| DownloadFailed { message, tags: Vec::new() };
    let name = archive_name(source, &tags);
    let Some(mut out) = ArchiveOut::start(&name, written).await.map_err(failed)? else { return Ok(None) };
    let src = match client(source, Some(cancel)) {
        Ok(src) => src,
        Err(problem) => {
            out.fail(&problem.title).await;
            return Err(failed(problem.title));
        }
    };
    // Sorted, as `waybill save` sorts them: the same tags give the same archive.
    tags.sort();
    let full_name = source.name();
    let sources = [SaveSource { client: &src, repository: source.repository(), name: &full_name, tags }];
    let options = SaveOptions { allow_foreign_layers, ..SaveOptions::default() };
    let saved = save(&sources, &options, &mut out).await;
    match saved {
        Ok(tags) => match out.finish().await {
            Ok(bytes) => Ok(Some(Downloaded { name, bytes, tags })),
            Err(why) => Err(failed(why)),
        },
        Err(error) => {
            let why = if cancel.is_cancelled() { "cancelled".to_owned() } else { error.to_string() };
            out.fail(&why).await;
            let tags = match error {
                SaveError::Nothing(tags) => tags,
                _ => Vec::new(),
            };
            Err(DownloadFailed { message: format!("{why}: the file is marked failed, not an archive"), tags })
        }
    }
}

/// `app-v1.tar` for one tag, `app-3-tags.tar` for several.
fn archive_name(source: &Reference, tags: &[String]) -> String {
    let repository = source.repository().rsplit('/').next().unwrap_or("images");
    match tags {
        [one] => format!("{repository}-{one}.tar"),
        several => format!("{repository}-{}-tags.tar", several.len()),
    }
}

/// The core's client for the registry of `reference`, with this tab's login for it, stopped by
/// `cancel` when given.
fn client(reference: &Reference, cancel: Option<&Cancel>) -> Result<Client<FetchTransport>, Problem> {
    let mut transport = FetchTransport::new(&session::proxy_origin());
    if let Some(cancel) = cancel {
        transport = transport.with_cancel(cancel.clone());
    }
    client_with(transport, reference.api_host(), reference.registry())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_words() {
        assert_eq!(patterns(" v1.*, latest\tltsc*"), ["v1.*", "latest", "ltsc*"]);
        assert!(patterns(" , ").is_empty());
        assert!(filter("", "*-rc").admits("1.0") && !filter("", "*-rc").admits("1.0-rc"));
    }

    #[test]
    fn repositories_not_images() {
        assert_eq!(repository("http://127.0.0.1:5001/team/app/").unwrap().repository(), "team/app");
        assert!(repository("127.0.0.1:5001/team/app:1.0").is_err());
        assert!(repository("127.0.0.1:5001/team/app@sha256:0000").is_err());
        assert!(repository("").is_err());
    }
}
