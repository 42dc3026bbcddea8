//! What foreign layers are, what Pulp does with them, and the switch that allows uploading them.
//! The words follow the image: Docker's foreign media type on a Windows image is the Windows
//! base-layer story; a Linux image with OCI non-distributable (e.g. `+zstd`) layers is told as
//! what it is, never as a Windows image (issue 16).

use leptos::prelude::*;
use waybill_core::manifest_report::InspectReport;
use waybill_core::media::DOCKER_FOREIGN_LAYER;
use waybill_core::size::human;

use crate::ui::components::checkbox::Checkbox;

/// What the panel says the image is: its platform (`os[(version)]/arch`, when known) and the
/// media types of its foreign layers.
#[derive(Clone, Debug, Default)]
pub struct ForeignKind {
    /// The platform, from the config or the index entry.
    pub platform: Option<String>,
    /// The foreign layers' media types, each once.
    pub media_types: Vec<String>,
}

impl ForeignKind {
    /// From a platform and the layers' `(foreign, media type)`.
    pub fn new<'a>(
        platform: Option<String>,
        layers: impl IntoIterator<Item = (bool, &'a str)>,
    ) -> ForeignKind {
        let mut media_types: Vec<String> = Vec::new();
        for (_, media_type) in layers.into_iter().filter(|(foreign, _)| *foreign) {
            if !media_types.iter().any(|m| m == media_type) {
                media_types.push(media_type.to_owned());
            }
        }
        ForeignKind { platform, media_types }
    }

    /// From a registry manifest's report (its config's platform, when it was read).
    pub fn of_report(report: &InspectReport) -> ForeignKind {
        let platform = report.config.as_ref().and_then(|c| c.platform.clone());
        ForeignKind::new(platform, report.layers.iter().map(|l| (l.foreign, l.media_type.as_str())))
    }

    /// Whether this is the Windows base-layer case: a Windows platform, or — platform unknown —
    /// only Docker's foreign media type, which nothing but Windows images ever used.
    fn windows(&self) -> bool {
        match &self.platform {
            Some(platform) => platform.starts_with("windows"),
            None => {
                !self.media_types.is_empty() && self.media_types.iter().all(|m| m == DOCKER_FOREIGN_LAYER)
            }
        }
    }
}

/// The explanation panel and the "Allow foreign layers" toggle (off by default).
#[component]
pub fn ForeignPanel(count: usize, bytes: u64, allow: RwSignal<bool>, kind: ForeignKind) -> impl IntoView {
    let noun = if count == 1 { "foreign layer" } else { "foreign layers" };
    let what = if kind.windows() {
        view! {
            <p data-testid="foreign-why">
                "Foreign (non-distributable) layers are a legacy of images whose base layers could not be "
                "redistributed — old Windows base images above all. The OCI spec deprecates them and "
                "Microsoft stopped publishing them in 2023, but they live on in old tags and mirrors."
            </p>
        }
        .into_any()
    } else {
        let os = kind.platform.clone().map_or_else(|| "This image".to_owned(), |p| format!("This {p} image"));
        view! {
            <p data-testid="foreign-why">
                {format!("{os} marks layers non-distributable by their media type (")}
                {kind.media_types.iter().enumerate().map(|(i, m)| view! {
                    {(i > 0).then_some(", ")}<code>{m.clone()}</code>
                }).collect_view()}
                "): whoever built it asked that those blobs not be copied to other registries. The OCI spec "
                "deprecates these media types, and registries and tools treat them unevenly."
            </p>
        }
        .into_any()
    };
    view! {
        <section class="notice warn" aria-labelledby="foreign-heading" data-testid="foreign-panel">
            <h2 id="foreign-heading">{format!("This image has {count} {noun} ({})", human(bytes))}</h2>
            {what}
            <p>
                <strong>"Pulp sync"</strong>" skips them unless the remote's "<code>"include_foreign_layers"</code>
                " is set, and Pulp's REST API does not expose that option. "
                <strong>"A push to Pulp"</strong>" needs the blob itself uploaded to the repository, with the "
                <code>"urls"</code>" kept in the manifest."
            </p>
            <Checkbox checked=allow
                label="Allow foreign layers: upload their blobs and keep their urls; verify may fetch them from their urls when the registry lacks them (if the proxy permits the host)" />
        </section>
    }
}
