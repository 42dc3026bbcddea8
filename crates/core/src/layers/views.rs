//! What the shells ask for, built by reading layers: an image's merged view, the diff of two
//! images, and one file's bytes out of the merged view (`cat`).

use std::ops::ControlFlow;

use super::diff::{ImageDiff, diff_images};
use super::entry::{Kind, shown};
use super::explore_error::ExploreError;
use super::explored_image::ExploredImage;
use super::merged::{Content, MergeError, MergedFs};
use super::source::{LayerSource, read_layer};
use super::tar_stream::{Event, ReadOptions};

/// Symbolic links followed for one path before giving up (Linux's own limit).
pub const MAX_SYMLINKS: usize = 40;

/// Applies layers `from..=to` (1-based) of `image` to `fs`, reading each to its end.
async fn apply_layers<S: LayerSource>(
    source: &S,
    image: &ExploredImage,
    fs: &mut MergedFs,
    (from, to): (usize, usize),
    hash_files: bool,
) -> Result<(), ExploreError> {
    for n in from..=to {
        let mut failed: Option<MergeError> = None;
        let mut visit = |event: Event<'_>| match event {
            Event::Entry(entry) => match fs.apply(n, entry) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            },
            Event::Data(_) => ControlFlow::Continue(()),
        };
        read_layer(source, image, n, ReadOptions { hash_files, capture: None }, &mut visit).await?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    Ok(())
}

/// The merged filesystem of `image`, every layer read once in order; `hash_files` hashes every
/// regular file too.
pub async fn merged_view<S: LayerSource>(
    source: &S,
    image: &ExploredImage,
    hash_files: bool,
) -> Result<MergedFs, ExploreError> {
    let mut fs = MergedFs::new();
    apply_layers(source, image, &mut fs, (1, image.layers.len()), hash_files).await?;
    Ok(fs)
}

/// A compared with B. The layers both start with (a common base) are read once: B's merged view
/// starts from A's after them.
pub async fn diff<A: LayerSource, B: LayerSource>(
    (source_a, a): (&A, &ExploredImage),
    (source_b, b): (&B, &ExploredImage),
) -> Result<ImageDiff, ExploreError> {
    let (ids_a, ids_b) = (a.layer_ids(), b.layer_ids());
    let common = ids_a.iter().zip(&ids_b).take_while(|(x, y)| x.same(y)).count();
    let mut fs_a = MergedFs::new();
    apply_layers(source_a, a, &mut fs_a, (1, common), true).await?;
    let mut fs_b = fs_a.clone();
    apply_layers(source_a, a, &mut fs_a, (common + 1, a.layers.len()), true).await?;
    apply_layers(source_b, b, &mut fs_b, (common + 1, b.layers.len()), true).await?;
    Ok(diff_images((&ids_a, &ids_b), (a.config.as_deref(), b.config.as_deref()), (&fs_a, &fs_b)))
}

/// Where the bytes of the file at `asked` are in the merged view: symbolic links followed inside
/// the image (an absolute target starts at the image's root, `..` stops there), at most
/// [`MAX_SYMLINKS`]; hard links lead to their target's bytes.
pub fn resolve_file(fs: &MergedFs, asked: &str) -> Result<Content, ExploreError> {
    let fail = |why: String| ExploreError::Path(format!("cannot read {}: {why}", shown(asked.as_bytes())));
    let asked_path = components(asked).collect::<Vec<_>>().join("/");
    // Components still to walk, last first; and the resolved path so far.
    let mut todo: Vec<String> = components(asked).rev().collect();
    let mut done: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            done.pop();
            continue;
        }
        done.push(part);
        let path = done.join("/");
        let last = todo.is_empty();
        let Some(found) = fs.get(&path) else {
            if !last && fs.has_children(&path) {
                continue; // a parent no layer lists
            }
            return Err(fail(missing(fs, &path, path == asked_path)));
        };
        match found.entry.kind {
            Kind::Symlink => {
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(fail(format!("more than {MAX_SYMLINKS} symbolic links (a loop?)")));
                }
                let target = found.entry.link.clone().unwrap_or_default();
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                todo.extend(components(&target).rev());
            }
            Kind::Dir if last => return Err(fail(format!("{} is a directory", shown(path.as_bytes())))),
            Kind::Dir => {}
            Kind::File | Kind::Hardlink if last => {
                return found.content.clone().ok_or_else(|| {
                    let target = found.entry.link.as_deref().unwrap_or_default();
                    fail(format!("a hard link to {}, which no layer below holds", shown(target.as_bytes())))
                });
            }
            kind => {
                let what = if last { "a file" } else { "a directory" };
                return Err(fail(format!("{} is a {}, not {what}", shown(path.as_bytes()), kind.as_str())));
            }
        }
    }
    Err(fail("names the image's root directory, not a file".into()))
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    path.split('/').filter(|p| !p.is_empty() && *p != ".").map(str::to_owned)
}

/// Why a path is not there: deleted by a layer, or never written (`itself`: the path asked).
fn missing(fs: &MergedFs, path: &str, itself: bool) -> String {
    let deleted = fs.deletions().iter().rev().find(|d| {
        d.path == path || path.strip_prefix(d.path.as_str()).is_some_and(|rest| rest.starts_with('/'))
    });
    let what = if itself { "it".to_owned() } else { shown(path.as_bytes()) };
    match deleted {
        Some(d) if d.opaque => {
            format!("{what} is not in the image (layer {} made {} opaque)", d.layer, d.path)
        }
        Some(d) => format!("{what} is not in the image (layer {} deleted {})", d.layer, d.path),
        None => format!("{what} is not in the image"),
    }
}

/// Hands the bytes of `content` (from [`resolve_file`]) to `out`, in order; the layer is read to
/// its end so that its digest and diff ID are checked (a failure comes after the bytes).
pub async fn read_file<S: LayerSource>(
    source: &S,
    image: &ExploredImage,
    content: &Content,
    out: &mut dyn FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<(), ExploreError> {
    let mut visit = |event: Event<'_>| match event {
        Event::Data(piece) => out(piece),
        Event::Entry(_) => ControlFlow::Continue(()),
    };
    let options = ReadOptions { hash_files: false, capture: Some(content.offset) };
    read_layer(source, image, content.layer, options, &mut visit).await?;
    Ok(())
}
