//! A data table in its scrolling box (`.table-wrap`), its header row built from column names:
//! the frame every table of the app shares, so each caller writes only its rows.

use leptos::prelude::*;

/// One header cell.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    label: &'static str,
    shown: bool,
}

impl Column {
    /// A column whose label only assistive technology reads (a column of buttons).
    pub fn unlabelled(label: &'static str) -> Column {
        Column { label, shown: false }
    }
}

impl From<&'static str> for Column {
    fn from(label: &'static str) -> Column {
        Column { label, shown: true }
    }
}

/// The table of class `class`: `columns` head it, `caption` (when given) names it to assistive
/// technology, and `children` are its rows.
#[component]
pub fn DataTable(
    class: &'static str,
    columns: Vec<Column>,
    #[prop(optional)] caption: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class=class>
                {caption.map(|c| view! { <caption class="sr-only">{c}</caption> })}
                <thead>
                    <tr>
                        {columns.into_iter().map(|c| if c.shown {
                            view! { <th scope="col">{c.label}</th> }.into_any()
                        } else {
                            view! { <th scope="col"><span class="sr-only">{c.label}</span></th> }.into_any()
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
