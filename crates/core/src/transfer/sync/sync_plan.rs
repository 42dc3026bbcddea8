//! What a mirror does, decided from the source's tag list and the options before any tag is
//! read: which tags are mirrored (in the source's order), which companion tags travel with which
//! image digest, and whether a tag's two HEADs alone may call it up to date. [`super::sync`]
//! runs the plan, each tag through a copy's own plan.

use super::{SyncError, SyncOptions};
use crate::digest::Digest;
use crate::registry::resolve::PlatformChoice;
use crate::transfer::copy::CopyOptions;
use crate::transfer::tag_filter::companion_subject;

/// A mirror's steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncPlan {
    /// The tags mirrored, in the source's order: chosen by the filter, companions never.
    pub tags: Vec<String>,
    /// How many tags the source lists.
    pub listed: usize,
    /// The source's companion tags with the image digest each belongs to; `None` when
    /// companions do not travel (neither these nor what a referrers API lists).
    companions: Option<Vec<(Digest, String)>>,
    /// Whether equal digests on the source's and the destination's HEAD of a tag mean there is
    /// nothing to do: only when every platform is copied (a cut-down index is a new manifest,
    /// which only the copy can compare) and foreign layers are not (Pulp's own sync keeps such a
    /// manifest without its foreign layers' blobs, and only the copy asks for those).
    pub head_decides: bool,
}

impl SyncPlan {
    /// Plans the mirror of a source that lists `listed`; refused when the filter leaves nothing.
    pub fn new(listed: Vec<String>, options: &SyncOptions) -> Result<SyncPlan, SyncError> {
        let count = listed.len();
        let companions = options
            .companions
            .then(|| listed.iter().filter_map(|t| companion_subject(t).map(|d| (d, t.clone()))).collect());
        let sample: Vec<String> = listed.iter().take(5).cloned().collect();
        let tags: Vec<String> = listed.into_iter().filter(|t| options.filter.chooses(t)).collect();
        if tags.is_empty() {
            return Err(SyncError::NothingMatched {
                include: options.filter.include.clone(),
                exclude: options.filter.exclude.clone(),
                listed: count,
                sample: if sample.is_empty() {
                    String::new()
                } else {
                    format!(", e.g. {}", sample.join(", "))
                },
            });
        }
        Ok(SyncPlan { tags, listed: count, companions, head_decides: heads_decide(&options.copy) })
    }

    /// Whether companions travel with the images mirrored.
    pub fn companions_travel(&self) -> bool {
        self.companions.is_some()
    }

    /// The companion tags of the image `digest`, in the source's order.
    pub fn companion_tags<'p>(&'p self, digest: &'p Digest) -> impl Iterator<Item = &'p str> {
        self.companions.iter().flatten().filter(move |(d, _)| d == digest).map(|(_, tag)| tag.as_str())
    }
}

/// Whether a tag copied with `copy` is up to date when both HEADs give the same digest (see
/// [`SyncPlan::head_decides`]).
pub(super) fn heads_decide(copy: &CopyOptions) -> bool {
    copy.platforms == PlatformChoice::All && !copy.allow_foreign_layers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::tag_filter::TagFilter;

    fn options(include: &[&str], exclude: &[&str], companions: bool) -> SyncOptions {
        SyncOptions {
            filter: TagFilter {
                include: include.iter().map(|p| (*p).to_owned()).collect(),
                exclude: exclude.iter().map(|p| (*p).to_owned()).collect(),
            },
            copy: CopyOptions { platforms: PlatformChoice::All, ..CopyOptions::default() },
            jobs: 2,
            companions,
        }
    }

    fn listing(digest: &Digest) -> Vec<String> {
        let hex = digest.hex();
        ["1.0", "1.1", "latest", &format!("sha256-{hex}.sig"), &format!("sha256-{hex}"), "2.0-rc"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn the_filter_chooses_in_the_sources_order_and_never_a_companion() {
        let digest = Digest::sha256_of(b"image");
        let plan =
            SyncPlan::new(listing(&digest), &options(&["1.*", "sha256-*", "2.*"], &["*-rc"], true)).unwrap();
        assert_eq!(plan.tags, ["1.0", "1.1"]);
        assert_eq!(plan.listed, 6);
        let hex = digest.hex();
        assert_eq!(
            plan.companion_tags(&digest).collect::<Vec<_>>(),
            [format!("sha256-{hex}.sig"), format!("sha256-{hex}")]
        );
        assert_eq!(plan.companion_tags(&Digest::sha256_of(b"other")).count(), 0);
        assert!(plan.companions_travel());
        assert!(plan.head_decides);
    }

    #[test]
    fn without_companions_none_travel_and_with_foreign_layers_the_heads_do_not_decide() {
        let digest = Digest::sha256_of(b"image");
        let mut without = options(&[], &[], false);
        without.copy.allow_foreign_layers = true;
        let plan = SyncPlan::new(listing(&digest), &without).unwrap();
        assert_eq!(plan.tags, ["1.0", "1.1", "latest", "2.0-rc"]);
        assert_eq!(plan.companion_tags(&digest).count(), 0);
        assert!(!plan.companions_travel());
        assert!(!plan.head_decides);
    }

    #[test]
    fn a_filter_that_leaves_nothing_names_what_the_source_has() {
        let refused = SyncPlan::new(listing(&Digest::sha256_of(b"image")), &options(&["3.*"], &[], true));
        let Err(SyncError::NothingMatched { listed, sample, .. }) = refused else { panic!("{refused:?}") };
        assert_eq!(listed, 6);
        assert!(sample.starts_with(", e.g. 1.0, 1.1, latest"), "{sample}");
    }
}
