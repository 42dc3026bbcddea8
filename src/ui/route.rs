//! Hash routes (`#/inspect?ref=…&platform=…`): deep links that survive a reload on any static
//! host (`waybill serve`, the Worker, a file server) without server-side routing.

/// A page and its query parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Inspect a reference, or a pasted manifest when `reference` is empty.
    Inspect { reference: String, platform: String },
    /// Push an image archive dropped onto the page.
    Upload,
    /// Copy an image from one registry to another, `source` and `target` prefilled, foreign
    /// layers allowed from the start when `allow_foreign` (the audit's suggested copy).
    Copy { source: String, target: String, allow_foreign: bool },
    /// Copy the tags of repository `source` that `include` and `exclude` choose into repository
    /// `target` (`#/copy?mode=repository&…`): Copy's repository mode.
    CopyRepository { source: String, target: String, include: String, exclude: String, allow_foreign: bool },
    /// The foreign blobs a Pulp lacks, `pulp` (its API origin) prefilled.
    Audit { pulp: String },
    /// What differs between images `a` and `b`.
    Diff { a: String, b: String },
    /// Anything else: shown as "page not found" with a link home.
    NotFound(String),
}

impl Route {
    /// Parses `location.hash` (with or without the leading `#`).
    pub fn from_hash(hash: &str) -> Route {
        let hash = hash.strip_prefix('#').unwrap_or(hash);
        let (path, query) = hash.split_once('?').unwrap_or((hash, ""));
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        match path.trim_end_matches('/') {
            "" | "/inspect" => Route::Inspect { reference: param("ref"), platform: param("platform") },
            "/upload" => Route::Upload,
            "/copy" if param("mode") == "repository" => Route::CopyRepository {
                source: param("from"),
                target: param("to"),
                include: param("include"),
                exclude: param("exclude"),
                allow_foreign: param("allow_foreign") == "1",
            },
            "/copy" => Route::Copy {
                source: param("from"),
                target: param("to"),
                allow_foreign: param("allow_foreign") == "1",
            },
            "/audit" => Route::Audit { pulp: param("pulp") },
            "/diff" => Route::Diff { a: param("a"), b: param("b") },
            other => Route::NotFound(other.to_owned()),
        }
    }
}

/// The hash that opens Inspect on `reference` (and `platform`, when not empty).
pub fn inspect_hash(reference: &str, platform: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("ref", reference);
    if !platform.is_empty() {
        query.append_pair("platform", platform);
    }
    format!("#/inspect?{}", query.finish())
}

/// The hash that opens Diff on `a` and `b`.
pub fn diff_hash(a: &str, b: &str) -> String {
    let query =
        form_urlencoded::Serializer::new(String::new()).append_pair("a", a).append_pair("b", b).finish();
    format!("#/diff?{query}")
}

/// The hash that opens Copy with `source` (may be empty) and `target` filled in, foreign layers
/// allowed when `allow_foreign`.
pub fn copy_hash(source: &str, target: &str, allow_foreign: bool) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !source.is_empty() {
        query.append_pair("from", source);
    }
    query.append_pair("to", target);
    if allow_foreign {
        query.append_pair("allow_foreign", "1");
    }
    format!("#/copy?{}", query.finish())
}

/// The hash that opens Copy's repository mode with its fields filled in (empty ones left out).
pub fn copy_repository_hash(
    source: &str,
    target: &str,
    include: &str,
    exclude: &str,
    allow_foreign: bool,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("mode", "repository");
    for (key, value) in [("from", source), ("to", target), ("include", include), ("exclude", exclude)] {
        if !value.trim().is_empty() {
            query.append_pair(key, value.trim());
        }
    }
    if allow_foreign {
        query.append_pair("allow_foreign", "1");
    }
    format!("#/copy?{}", query.finish())
}

/// Opens Diff on `a` and `b` (a reload or a shared link lands on the same view).
pub fn go_diff(a: &str, b: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&diff_hash(a, b));
    }
}

/// Which navigation entry a route belongs to.
pub fn section(route: &Route) -> &'static str {
    match route {
        Route::Inspect { .. } => "inspect",
        Route::Upload => "upload",
        Route::Copy { .. } | Route::CopyRepository { .. } => "copy",
        Route::Diff { .. } => "diff",
        Route::Audit { .. } => "audit",
        Route::NotFound(_) => "",
    }
}

/// Opens Inspect on `reference`: the hash changes, the page follows (and a reload or a shared
/// link lands on the same view).
pub fn go_inspect(reference: &str, platform: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&inspect_hash(reference, platform));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspect_hash_round_trips() {
        let hash = inspect_hash("127.0.0.1:5001/fixtures/multi:v1", "windows(10.0.17763)/amd64");
        assert_eq!(
            Route::from_hash(&hash),
            Route::Inspect {
                reference: "127.0.0.1:5001/fixtures/multi:v1".into(),
                platform: "windows(10.0.17763)/amd64".into()
            }
        );
        assert_eq!(inspect_hash("alpine", ""), "#/inspect?ref=alpine");
    }

    #[test]
    fn inspect_deep_link_is_decoded() {
        let route = Route::from_hash(
            "#/inspect?ref=127.0.0.1%3A5001%2Fwaybill%2Forigin-story%3Awindows&platform=windows%2Famd64",
        );
        let expected = Route::Inspect {
            reference: "127.0.0.1:5001/waybill/origin-story:windows".into(),
            platform: "windows/amd64".into(),
        };
        assert_eq!(route, expected);
    }

    #[test]
    fn diff_hash_round_trips() {
        let hash =
            diff_hash("127.0.0.1:5001/fixtures/explorer-diff:v1", "127.0.0.1:5001/fixtures/explorer-diff:v2");
        assert_eq!(
            Route::from_hash(&hash),
            Route::Diff {
                a: "127.0.0.1:5001/fixtures/explorer-diff:v1".into(),
                b: "127.0.0.1:5001/fixtures/explorer-diff:v2".into()
            }
        );
    }

    #[test]
    fn copy_repository_round_trips() {
        let hash = copy_repository_hash(
            "127.0.0.1:5001/team/app",
            "127.0.0.1:24817/mirror/app",
            "v1.* latest",
            "",
            true,
        );
        assert_eq!(
            Route::from_hash(&hash),
            Route::CopyRepository {
                source: "127.0.0.1:5001/team/app".into(),
                target: "127.0.0.1:24817/mirror/app".into(),
                include: "v1.* latest".into(),
                exclude: String::new(),
                allow_foreign: true,
            }
        );
        assert_eq!(copy_repository_hash("", "", "", "", false), "#/copy?mode=repository");
        assert_eq!(section(&Route::from_hash("#/copy?mode=repository")), "copy");
    }

    #[test]
    fn upload_and_copy() {
        assert_eq!(Route::from_hash("#/upload"), Route::Upload);
        assert_eq!(Route::from_hash("#/upload/"), Route::Upload);
        let nothing = Route::Copy { source: String::new(), target: String::new(), allow_foreign: false };
        assert_eq!(Route::from_hash("#/copy"), nothing);
        assert_eq!(
            Route::from_hash("#/copy?from=127.0.0.1%3A5001%2Ffixtures%2Fmulti%3Av1"),
            Route::Copy {
                source: "127.0.0.1:5001/fixtures/multi:v1".into(),
                target: String::new(),
                allow_foreign: false
            }
        );
    }

    #[test]
    fn the_audits_copy_link_round_trips() {
        let hash = copy_hash("127.0.0.1:5001/fixtures/w:1", "127.0.0.1:24817/team/w:1", true);
        assert_eq!(
            Route::from_hash(&hash),
            Route::Copy {
                source: "127.0.0.1:5001/fixtures/w:1".into(),
                target: "127.0.0.1:24817/team/w:1".into(),
                allow_foreign: true
            }
        );
        assert_eq!(copy_hash("", "p/x:1", false), "#/copy?to=p%2Fx%3A1");
        assert_eq!(
            Route::from_hash("#/audit?pulp=127.0.0.1%3A24817"),
            Route::Audit { pulp: "127.0.0.1:24817".into() }
        );
    }

    #[test]
    fn empty_hash_is_inspect_and_unknown_paths_are_not_found() {
        assert_eq!(
            Route::from_hash(""),
            Route::Inspect { reference: String::new(), platform: String::new() }
        );
        assert_eq!(Route::from_hash("#/"), Route::from_hash("#/inspect"));
        assert_eq!(Route::from_hash("#/nope?x=1"), Route::NotFound("/nope".into()));
    }
}
