//! Which platforms of an index Copy takes: a tick per platform, "All platforms" ticking every
//! one, and a line saying what the copy will push for the current choice — the whole index
//! unchanged, one image as the tag, or a new index of only the ticked images.

use leptos::prelude::*;

use crate::ui::api::workers::Platforms;

/// What ticking `chosen` out of the index's `offered` platforms copies; `None` while nothing is
/// ticked. Every platform ticked is the whole index, digests unchanged.
pub fn platforms_for(chosen: &[String], offered: &[String]) -> Option<Platforms> {
    let mut picked: Vec<String> = offered.iter().filter(|p| chosen.contains(p)).cloned().collect();
    match picked.len() {
        0 => None,
        n if n == offered.len() => Some(Platforms::All),
        1 => picked.pop().map(Platforms::One),
        _ => Some(Platforms::Several(picked)),
    }
}

/// What the copy will push, in words.
pub fn outcome(platforms: Option<&Platforms>) -> String {
    match platforms {
        None | Some(Platforms::Unspecified) => "Tick the platforms to copy.".to_owned(),
        Some(Platforms::All) => "The index and every image, digests unchanged.".to_owned(),
        Some(Platforms::One(platform)) => format!(
            "Only {platform}: its image manifest becomes the tag. Attestations (SBOM, provenance) are \
             attached only through an index, so any it has stay behind."
        ),
        Some(Platforms::Several(platforms)) => format!(
            "{} platforms under a new index of only them and their attestations: its digest differs from the \
             source index's, which lists images the target will not have.",
            platforms.len()
        ),
    }
}

/// The platform ticks for an index offering the platforms `offered`, bound to `chosen`.
#[component]
pub fn CopyPlatforms(legend: String, offered: Vec<String>, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let everything = StoredValue::new(offered.clone());
    let all_ticked = move || everything.with_value(|all| chosen.with(|c| all.iter().all(|p| c.contains(p))));
    let said = move || everything.with_value(|all| chosen.with(|c| outcome(platforms_for(c, all).as_ref())));
    view! {
        <fieldset class="panel platforms-choice" data-testid="copy-platforms">
            <legend>{legend}</legend>
            <label class="checkbox">
                <input type="checkbox" prop:checked=all_ticked on:change=move |ev| {
                    chosen.set(if event_target_checked(&ev) { everything.get_value() } else { Vec::new() })
                } />
                "All platforms"
            </label>
            {offered.into_iter().map(|platform| {
                let ticked = {
                    let platform = platform.clone();
                    move || chosen.with(|c| c.contains(&platform))
                };
                let toggle = {
                    let platform = platform.clone();
                    move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|p| p != &platform);
                            if on { c.push(platform.clone()) }
                        });
                    }
                };
                view! {
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=ticked on:change=toggle />
                        {platform}
                    </label>
                }
            }).collect_view()}
            <p class="hint" data-testid="platforms-outcome" aria-live="polite">{said}</p>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_ticks_decide_what_is_pushed() {
        let offered = strings(&["linux/amd64", "linux/arm64/v8", "windows(10.0.17763)/amd64"]);
        assert_eq!(platforms_for(&[], &offered), None);
        assert_eq!(
            platforms_for(&strings(&["linux/arm64/v8"]), &offered),
            Some(Platforms::One("linux/arm64/v8".into()))
        );
        // In the index's order, whatever order they were ticked in.
        assert_eq!(
            platforms_for(&strings(&["linux/arm64/v8", "linux/amd64"]), &offered),
            Some(Platforms::Several(strings(&["linux/amd64", "linux/arm64/v8"])))
        );
        let mut every = offered.clone();
        every.reverse();
        assert_eq!(platforms_for(&every, &offered), Some(Platforms::All));
        assert!(
            outcome(Some(&Platforms::Several(strings(&["a/b", "c/d"]))))
                .starts_with("2 platforms under a new index")
        );
        assert!(outcome(None).contains("Tick"));
    }
}
