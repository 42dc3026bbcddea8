//! A repository's tags: `GET /v2/<name>/tags/list`, page after page as the registry's `Link`
//! header leads (distribution and Pulp page with `n` and `last`, Docker Hub and GHCR too).
//!
//! The registry's answer is hostile until checked: every tag must be a tag by the reference
//! grammar (it becomes part of a reference, a path and a file name later), the `name` must be the
//! repository asked for, a next page must stay on the registry (it receives its credentials) and
//! must not repeat, and the whole listing is bounded in pages and tags.

use std::collections::HashSet;

use serde::Deserialize;

use super::body::read_limited;
use super::client::Client;
use super::errors::Error;
use super::upload::resolve_location;
use crate::reference::Reference;
use crate::registry::auth::Scope;
use crate::transport::{Method, Request, Transport};

/// Largest page accepted (100,000 tags of 40 bytes).
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Most tags listed: far above real repositories (Docker Hub's largest have tens of thousands),
/// low enough that a registry cannot grow the listing without bound.
pub const MAX_TAGS: usize = 100_000;
/// Most pages followed, for the same reason.
const MAX_PAGES: usize = 10_000;

#[derive(Deserialize)]
struct Page {
    name: String,
    // `null` for a repository with no tags (distribution after the last tag is deleted).
    tags: Option<Vec<String>>,
}

impl<T: Transport> Client<T> {
    /// Every tag of `repository`, in the registry's order, each once. `page_size` asks for pages
    /// of that many (`?n=`); `None` lets the registry choose.
    pub async fn list_tags(&self, repository: &str, page_size: Option<u32>) -> Result<Vec<String>, Error> {
        self.list_tags_paged(repository, page_size, &mut |_| {}).await
    }

    /// [`Client::list_tags`], telling `on_page` each page's new tags as the page arrives (checked
    /// like the rest), so that a page can show a long listing before its last page.
    pub async fn list_tags_paged(
        &self,
        repository: &str,
        page_size: Option<u32>,
        on_page: &mut dyn FnMut(&[String]),
    ) -> Result<Vec<String>, Error> {
        let mut url = self.url(&format!("/v2/{repository}/tags/list"));
        if let Some(n) = page_size {
            url.query_pairs_mut().append_pair("n", &n.to_string());
        }
        let mut tags = Vec::new();
        let mut seen_tags = HashSet::new();
        let mut seen_pages = HashSet::new();
        loop {
            let protocol = |what: String| Error::Protocol { method: Method::Get, url: url.to_string(), what };
            if !seen_pages.insert(url.clone()) {
                return Err(protocol("the registry's next page is one it already sent (a loop)".into()));
            }
            if seen_pages.len() > MAX_PAGES {
                return Err(protocol(format!("the registry sent more than {MAX_PAGES} pages of tags")));
            }
            let request = Request::new(Method::Get, url.as_str()).header("Accept", "application/json");
            let mut response = self.send(request, &Scope::pull(repository)).await?;
            if response.status != 200 {
                return Err(self.fail(Method::Get, &url, response).await);
            }
            let next = response.header("link").and_then(next_link).map(str::to_owned);
            let bytes = read_limited(&mut response.body, MAX_PAGE_BYTES, Method::Get, &url).await?;
            let page: Page = serde_json::from_slice(&bytes)
                .map_err(|e| protocol(format!("the tag list is not {{\"name\", \"tags\"}} JSON ({e})")))?;
            if page.name != repository {
                return Err(protocol(format!("the tag list is for {:?}, not {repository:?}", page.name)));
            }
            let known = tags.len();
            for tag in page.tags.unwrap_or_default() {
                if !Reference::is_tag(&tag) {
                    return Err(protocol(format!("{tag:?} is not a valid tag")));
                }
                if seen_tags.insert(tag.clone()) {
                    tags.push(tag);
                }
                if tags.len() > MAX_TAGS {
                    return Err(protocol(format!("the repository lists more than {MAX_TAGS} tags")));
                }
            }
            on_page(&tags[known..]);
            let Some(next) = next else { return Ok(tags) };
            let next = resolve_location(&url, Some(&next))
                .map_err(|e| protocol(format!("the next page's Link is not usable: {e}")))?;
            if !self.in_registry(&next) {
                return Err(protocol(
                    "the next page's Link leads off the registry; it is not followed (it would receive \
                     the registry's credentials)"
                        .into(),
                ));
            }
            url = next;
        }
    }
}

/// The target of the `rel="next"` link in a `Link` header (RFC 8288), if any.
fn next_link(value: &str) -> Option<&str> {
    value.split(',').find_map(|link| {
        let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
        params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .any(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("next")
            })
            .then_some(target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?last=b&n=2>; rel="next""#),
            Some("/v2/a/tags/list?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<https://x/p1>; rel="prev", <https://x/p3>; rel=next"#),
            Some("https://x/p3")
        );
        assert_eq!(next_link(r#"</v2/a/tags/list?last=b>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn tags_by_the_grammar() {
        for good in ["latest", "1.0", "ltsc2019-amd64", "_x", "A_b.c-d", &"a".repeat(128)] {
            assert!(Reference::is_tag(good), "{good}");
        }
        for bad in ["", ".x", "-x", "a/b", "a:b", "../x", "a b", "é", &"a".repeat(129)] {
            assert!(!Reference::is_tag(bad), "{bad}");
        }
    }
}
