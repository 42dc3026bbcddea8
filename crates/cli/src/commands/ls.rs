//! `waybill ls REF|ARCHIVE [--layer N | --merged | --history] [--hash] [--json]`: the files of
//! one layer (streamed as the layer is read: a large layer's first entries show at once), of the
//! merged image (the default), or the layers lined up with the history that made them. `--hash`
//! adds each regular file's sha256, computed in the same pass over the layer as the listing.

use std::io::Write as _;
use std::ops::ControlFlow;

use serde::Serialize;
use waybill_core::digest::Digest;
use waybill_core::layers::history::History;
use waybill_core::layers::listing::{ListedEntry, Listing};
use waybill_core::layers::source::read_layer;
use waybill_core::layers::views::merged_view;
use waybill_core::layers::{Event, ReadOptions};

use super::Context;
use crate::args::RegistryArgs;
use crate::explore::{Explored, ImageArgs};
use crate::failure::{Failure, Outcome};
use crate::listing_text::{entry_line, history_text};

/// Arguments of `waybill ls`.
#[derive(clap::Args, Debug)]
pub struct LsArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// List this layer's entries (numbered from 1, base first), whiteouts and opaque markers
    /// included, in the layer's order
    #[arg(long, value_name = "N", conflicts_with_all = ["merged", "history"])]
    layer: Option<usize>,
    /// List the image's files, layers applied in order (the default)
    #[arg(long, conflicts_with = "history")]
    merged: bool,
    /// List the layers with the history steps that made them (empty steps marked, a mismatch
    /// between history and layers flagged)
    #[arg(long)]
    history: bool,
    /// Also give each regular file's sha256 (hashed as the layer is read, in the same pass): a
    /// column before the path, or "sha256" in each file's JSON entry
    #[arg(long, conflicts_with = "history")]
    hash: bool,
    /// Print JSON: {"reference", "digest", "entries": [{"path", "type", "size", "mode", "link", "layer"}]}
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// `ls --history --json`.
#[derive(Serialize)]
struct HistoryJson<'a> {
    reference: &'a str,
    digest: &'a Digest,
    layers: Vec<LayerJson<'a>>,
    history: History,
}

#[derive(Serialize)]
struct LayerJson<'a> {
    layer: usize,
    digest: &'a Digest,
    size: u64,
    media_type: &'a str,
    diff_id: Option<&'a Digest>,
}

/// Runs `waybill ls`.
pub async fn run(args: LsArgs) -> Outcome {
    let context = &Context::new(&args.registry.network)?;
    let explored = Explored::open(&args.image, || args.registry.login.source().resolve(), context).await?;
    let image = &explored.image;
    if args.history {
        let history = image.history();
        if args.json {
            let layers = image
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| LayerJson {
                    layer: i + 1,
                    digest: &l.digest,
                    size: l.size,
                    media_type: &l.media_type,
                    diff_id: l.diff_id.as_ref(),
                })
                .collect();
            let json = HistoryJson { reference: &image.reference, digest: &image.digest, layers, history };
            return print_json(&json);
        }
        print!("{}", history_text(image, &history));
        return Ok(());
    }
    if let Some(n) = args.layer {
        return list_layer(&explored, n, args.hash, args.json).await;
    }
    let fs = merged_view(&explored.layers(), image, args.hash).await?;
    if args.json {
        return print_json(&Listing::merged(&image.reference, &image.digest, &fs));
    }
    let mut out = std::io::stdout().lock();
    for e in fs.entries() {
        if writeln!(out, "{}", entry_line(&e.entry, e.layer, args.hash)).is_err() {
            break; // the reader went away (`| head`): nothing more to say
        }
    }
    Ok(())
}

/// Prints layer `n`'s entries as they come out of the layer, text or JSON alike.
async fn list_layer(explored: &Explored, n: usize, hash: bool, json: bool) -> Outcome {
    let image = &explored.image;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = 0usize;
    let mut closed = false;
    if json {
        // The listing's JSON written piece by piece: the same fields as `Listing`, one entry at a
        // time, so that a layer of millions of files is never held.
        let head = serde_json::json!({"reference": image.reference, "digest": image.digest});
        let head = head.to_string();
        closed |= write!(out, "{},\"entries\":[", &head[..head.len() - 1]).is_err();
    }
    let mut visit = |event: Event<'_>| {
        let Event::Entry(entry) = event else { return ControlFlow::Continue(()) };
        let line = if json {
            let listed = serde_json::to_string(&ListedEntry::new(entry, n)).unwrap_or_default();
            format!("{}{listed}", if written == 0 { "" } else { "," })
        } else {
            entry_line(entry, n, hash)
        };
        written += 1;
        closed |= if json { write!(out, "{line}") } else { writeln!(out, "{line}") }.is_err();
        if closed { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    };
    let options = ReadOptions { hash_files: hash, capture: None };
    read_layer(&explored.layers(), image, n, options, &mut visit).await?;
    if json && !closed {
        let _ = writeln!(out, "]}}");
    }
    let _ = out.flush();
    Ok(())
}

fn print_json(value: &impl Serialize) -> Outcome {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::error(e.to_string()))?;
    println!("{text}");
    Ok(())
}
