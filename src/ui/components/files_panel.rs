//! The Files view: one layer's entries, or the whole image's filesystem with its layers applied,
//! listed as they arrive from the explorer worker — indented by depth, with sizes and the layer
//! that wrote each path — searchable by a piece of the path or a pattern, each file previewed or
//! downloaded on request.

use std::collections::HashMap;

use leptos::prelude::*;
use waybill_core::layers::Kind;
use waybill_core::size::human;

use crate::ui::components::file_preview::FilePreview;
use crate::ui::explore::{self, FileRow, ImageAt, Listing, Order, Preview, Progress, SHOWN, View};

/// The Files view of `image`, which has `layers` layers.
#[component]
pub fn FilesPanel(image: ImageAt, layers: usize) -> impl IntoView {
    let listing = Listing::new();
    let view_choice = RwSignal::new(View::Merged);
    let (search, order) = (listing.search, listing.order);
    let preview = RwSignal::new(None::<Preview>);
    let reading = RwSignal::new(Progress::Idle);
    let read_job = explore::job_handle();
    let image = StoredValue::new(image);
    let list = move || {
        preview.set(None);
        listing.start(image.get_value(), view_choice.get_untracked());
    };
    let on_view = move |ev| {
        let value = event_target_value(&ev);
        view_choice.set(value.parse().map_or(View::Merged, View::Layer));
        // Once files are shown, another choice shows its own at once.
        if listing.progress.get_untracked() != Progress::Idle {
            list();
        }
    };
    // A new search or order asks the worker for the rows to draw.
    Effect::new(move |_| {
        search.track();
        order.track();
        listing.refresh();
    });
    let on_preview = Callback::new(move |row: FileRow| {
        explore::preview(image.get_value(), &row, preview, reading, read_job);
    });
    let on_download = Callback::new(move |row: FileRow| {
        explore::download(image.get_value(), &row, reading, read_job);
    });
    view! {
        <section class="panel files" aria-labelledby="files-heading" data-testid="files">
            <h2 id="files-heading">"Files"</h2>
            <p class="hint">
                "Read in your browser, one layer at a time as it downloads: nothing is unpacked anywhere."
            </p>
            <div class="row">
                <label>"Show "
                    <select data-testid="files-view" on:change=on_view>
                        <option value="merged" selected>"The whole image (layers applied)"</option>
                        {(1..=layers).map(|n| view! { <option value=n.to_string()>{format!("Layer {n}")}</option> }).collect_view()}
                    </select>
                </label>
                <button data-testid="files-list" on:click=move |_| list() disabled=move || listing.progress.get().running()>
                    "Show files"
                </button>
                {move || listing.progress.get().running().then(|| view! {
                    <button class="secondary" data-testid="files-cancel" on:click=move |_| listing.cancel()>"Cancel"</button>
                })}
            </div>
            <p class="hint" aria-live="polite" data-testid="files-status" data-state=move || listing.progress.get().word()
                data-view=move || listing.view.get().map(view_word).unwrap_or_default()>{move || status(&listing.progress.get(), listing.listed.get())}</p>
            <div class="row">
                <label class="grow">"Search "
                    <input type="search" data-testid="files-search" placeholder="a piece of the path, or a pattern: *.conf, etc/**"
                        prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
                </label>
                <label>"Order "
                    <select data-testid="files-order" on:change=move |ev| order.set(if event_target_value(&ev) == "size" { Order::Size } else { Order::Path })>
                        <option value="path" selected>"by path"</option>
                        <option value="size">"largest first"</option>
                    </select>
                </label>
            </div>
            <div class="table-wrap">
                // Its rows are laid out as grids, not table rows (pages.css): the roles keep it a table
                // to assistive technology.
                <table class="files-table" role="table" data-testid="files-table" data-search=move || listing.answered.get()>
                    <thead role="rowgroup"><tr role="row">
                        <th scope="col" role="columnheader">"Path"</th><th scope="col" role="columnheader">"Size"</th><th scope="col" role="columnheader">"Type"</th>
                        <th scope="col" role="columnheader">"Mode"</th><th scope="col" role="columnheader">"Layer"</th><th scope="col" role="columnheader"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody role="rowgroup">
                        // Keyed rows: a batch that changes a few of the rows drawn adds and
                        // removes only those.
                        <For each=move || {
                                // A tree only when every row shows its parents: a search shows whole paths.
                                let tree = order.get() == Order::Path && search.with(|s| s.trim().is_empty());
                                keyed(tree, listing.rows.get())
                            }
                            key=|(key, _)| key.clone()
                            children=move |((tree, ..), row)| view! { <FileLine row tree on_preview on_download /> } />
                    </tbody>
                </table>
            </div>
            {move || (listing.matching.get() > SHOWN as u64).then(|| view! {
                <p class="hint" data-testid="files-more">{format!("Showing {SHOWN} of {} paths: search to narrow them.", listing.matching.get())}</p>
            })}
            {move || match reading.get() {
                Progress::Failed(why) => view! { <p class="notice error" role="alert" data-testid="file-failed">{why}</p> }.into_any(),
                p if p.running() => view! { <p class="hint" aria-live="polite">"Reading the file …"</p> }.into_any(),
                _ => ().into_any(),
            }}
            {move || preview.get().map(|preview| view! { <FilePreview preview /> })}
        </section>
    }
}

/// A view as the chooser's option values name it.
fn view_word(view: View) -> String {
    match view {
        View::Merged => "merged".into(),
        View::Layer(n) => n.to_string(),
    }
}

/// A row's key among the rows drawn: a layer may list one path more than once (a directory and
/// its opaque marker, a file written twice), so the key counts the repeats.
type RowKey = (bool, String, &'static str, usize);

fn keyed(tree: bool, rows: Vec<FileRow>) -> Vec<(RowKey, FileRow)> {
    let mut seen: HashMap<(String, &'static str), usize> = HashMap::new();
    rows.into_iter()
        .map(|row| {
            let repeat = seen.entry((row.entry.path.clone(), row.entry.kind.as_str())).or_default();
            *repeat += 1;
            ((tree, row.entry.path.clone(), row.entry.kind.as_str(), *repeat), row)
        })
        .collect()
}

fn status(progress: &Progress, rows: u64) -> String {
    let paths = |n: u64| if n == 1 { "1 path".to_owned() } else { format!("{n} paths") };
    match progress {
        Progress::Idle => "Choose the whole image or one layer, then show its files.".into(),
        Progress::Starting => "Starting …".into(),
        Progress::Reading { layer, layers } => {
            format!("Reading layer {layer} of {layers} … {} so far", paths(rows))
        }
        Progress::Done => format!("{} listed.", paths(rows)),
        Progress::Cancelled => format!("Cancelled: {} listed before.", paths(rows)),
        Progress::Failed(why) => format!("The files could not be listed: {why}"),
    }
}

#[component]
fn FileLine(
    row: FileRow,
    tree: bool,
    on_preview: Callback<FileRow>,
    on_download: Callback<FileRow>,
) -> impl IntoView {
    let depth = row.entry.path.matches('/').count();
    let name = if tree {
        row.entry.path.rsplit('/').next().unwrap_or(&row.entry.path).to_owned()
    } else {
        row.entry.path.clone()
    };
    let indent = if tree { format!("padding-left:{}em", depth as f32 * 1.1 + 0.5) } else { String::new() };
    let kind = row.entry.kind;
    let link = row.entry.link.clone().map(|l| match kind {
        Kind::Hardlink => format!(" (hard link to {l})"),
        _ => format!(" → {l}"),
    });
    let size = match kind {
        Kind::File => human(row.entry.size),
        _ => String::new(),
    };
    let readable = row.content.is_some();
    let (for_preview, for_download) = (row.clone(), row.clone());
    view! {
        <tr role="row" data-testid="file-row" data-path=row.entry.path.clone() data-layer=row.entry.layer.to_string() data-type=kind.as_str()>
            <td role="cell" data-label="Path" style=indent title=row.entry.path.clone()>
                <code class:dir=kind == Kind::Dir>{name}{(kind == Kind::Dir).then_some("/")}</code>
                <span class="hint">{link}</span>
            </td>
            <td role="cell" class="num" data-label="Size" title=format!("{} bytes", row.entry.size)>{size}</td>
            <td role="cell" data-label="Type">{kind_text(kind)}</td>
            <td role="cell" data-label="Mode"><code>{format!("{:04o}", row.entry.mode)}</code></td>
            <td role="cell" class="num" data-label="Layer">{row.entry.layer}</td>
            <td role="cell" data-label="">
                {readable.then(|| view! {
                    <button class="small secondary" data-testid="file-preview" on:click=move |_| on_preview.run(for_preview.clone())>"Preview"</button>
                    " "
                    <button class="small secondary" data-testid="file-download" on:click=move |_| on_download.run(for_download.clone())>"Download"</button>
                })}
            </td>
        </tr>
    }
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::File => "file",
        Kind::Dir => "directory",
        Kind::Symlink => "symbolic link",
        Kind::Hardlink => "hard link",
        Kind::Whiteout => "deleted (whiteout)",
        Kind::Opaque => "lower contents hidden (opaque)",
        Kind::Other => "other",
    }
}
