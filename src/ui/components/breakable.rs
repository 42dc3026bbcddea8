//! Long unspaced text — digests, paths, media types, urls, pull commands — with line-break
//! opportunities (`<wbr>`) after `/`, `.`, `:` and `@`, so that a phone (390 px) wraps it where
//! a reader expects rather than mid-word. `<wbr>` adds no character: selecting and copying the
//! text gives it whole. (style.css breaks a piece that is still too wide anywhere.)

use leptos::prelude::*;

/// The pieces of `text`, each ending at a break point.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '/' | '.' | ':' | '@') {
            out.push(&text[start..=i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// `text` with a `<wbr>` after each break point.
#[component]
pub fn Breakable(#[prop(into)] text: String) -> impl IntoView {
    pieces(&text).into_iter().map(|piece| view! { {piece.to_owned()}<wbr /> }).collect_view()
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn breaks_after_separators() {
        assert_eq!(pieces("a.io/b:c"), ["a.", "io/", "b:", "c"]);
        assert_eq!(pieces("x/"), ["x/"]);
        assert!(pieces("").is_empty());
    }
}
