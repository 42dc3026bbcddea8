//! A file's first bytes: text as text, anything else as a hex dump (offset, 16 bytes, ASCII).

use leptos::prelude::*;
use waybill_core::size::human;

use crate::ui::explore::{PREVIEW_BYTES, Preview};

/// The preview of one file.
#[component]
pub fn FilePreview(preview: Preview) -> impl IntoView {
    let note = if preview.truncated {
        format!("The first {} of {}.", human(PREVIEW_BYTES), human(preview.size))
    } else {
        format!("{} ({} bytes).", human(preview.size), preview.size)
    };
    let body = match preview.text {
        Some(text) => view! { <pre class="preview" data-testid="preview-text">{text}</pre> }.into_any(),
        None => view! { <pre class="preview" data-testid="preview-hex">{hex_dump(&preview.bytes)}</pre> }
            .into_any(),
    };
    view! {
        <div class="file-preview" data-testid="preview" data-path=preview.path.clone()>
            <h3><code>{preview.path.clone()}</code></h3>
            <p class="hint">{note}</p>
            {body}
        </div>
    }
}

/// `hexdump -C`'s layout: offset, 16 bytes in hex, the printable ones as characters.
fn hex_dump(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 4 + 16);
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", line * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(chunk.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }));
        out.push_str("|\n");
    }
    out
}
