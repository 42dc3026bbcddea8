//! The Files view of an image in a dropped archive: the explorer worker opens the file itself
//! (the core's archive reader, by `Blob.slice`) and reads its layers from it — no request leaves
//! the page.

use leptos::prelude::*;
use web_sys::Blob;

use crate::ui::components::files_panel::FilesPanel;
use crate::ui::explore::{self, ImageAt, Progress};

/// Image `image` (its position in the archive) of `file`, with `layers` layers.
#[component]
pub fn ArchiveFiles(
    file: StoredValue<Option<Blob>, LocalStorage>,
    image: usize,
    layers: usize,
) -> impl IntoView {
    let images = RwSignal::new(Vec::new());
    let progress = RwSignal::new(Progress::Idle);
    let handle = explore::job_handle();
    if let Some(blob) = file.get_value() {
        explore::open_archive(blob, images, progress, handle);
    }
    move || match progress.get() {
        Progress::Done => {
            view! { <FilesPanel image=ImageAt::Archive { image, platform: String::new() } layers /> }
                .into_any()
        }
        Progress::Failed(why) => view! {
            <div class="notice error" role="alert" data-testid="archive-files-failed">
                <h2>"The archive's files cannot be shown"</h2><p>{why}</p>
            </div>
        }
        .into_any(),
        _ => view! { <p class="loading" aria-live="polite">"Opening the archive's layers …"</p> }.into_any(),
    }
}
