//! Upload: an image archive dropped onto the page, inspected at once (images, tags, every layer
//! classified, foreign layers present in the archive or not), then pushed to Pulp or any
//! registry through the proxy — verified first, by the hashing workers, and refused before
//! anything is sent when it has foreign layers and they are not allowed.
//!
//! The archive is opened, verified against its metadata and pushed by the push worker with the
//! core (the CLI's `waybill push`, in the browser); this page shows what it says.

use std::sync::Arc;

use crate::ui::api::workers::{Event, Pusher, start_pusher};
use crate::ui::api::workers::{Failure, FromPusher, ImagePolicy, Side};
use leptos::prelude::*;
use waybill_core::archive::ImageFormat;
use waybill_core::archive::report::ArchiveReport;
use waybill_core::media::Compression;
use waybill_core::reference::Reference;
use waybill_core::size::human;
use web_sys::{Blob, File};

use crate::ui::bundle::{Bundle, Row};
use crate::ui::components::archive_files::ArchiveFiles;
use crate::ui::components::breakable::Breakable;
use crate::ui::components::bundle_push::{BundleControls, BundlePush, image_label};
use crate::ui::components::drop_zone::DropZone;
use crate::ui::components::login_form::SignInPrompt;
use crate::ui::components::result_panel::Target;
use crate::ui::components::target_form::{target_reference, target_repository};
use crate::ui::components::transfer_history::TransferHistory;
use crate::ui::push_choices::PushChoices;
use crate::ui::session;
use crate::ui::transfer::{Phase, Transfer};

mod image_view;

use image_view::ImageView;

/// The dropped file and what opening it gave.
#[derive(Clone)]
enum Opened {
    Nothing,
    Opening { name: String, size: u64 },
    Failed { name: String, message: String },
    Ready(Arc<Archive>),
}

/// An opened archive, as the push worker reported it.
struct Archive {
    name: String,
    size: u64,
    report: ArchiveReport,
    policy: Vec<ImagePolicy>,
    /// Every image and tag, for a bundle's push.
    rows: Vec<Row>,
}

/// The page's push settings and actions, handed down to the archive and image views as one.
#[derive(Clone, Copy)]
struct PushControls {
    choices: PushChoices,
    fields: RwSignal<session::TargetFields>,
    /// The target registry asked for a login: its sign-in form opens with its words.
    prompt: RwSignal<Option<SignInPrompt>>,
    transfer: Transfer,
    target: Signal<Option<Target>>,
    push: Callback<()>,
    cancel: Callback<()>,
    /// A bundle's push (archives of several images).
    bundle: Bundle,
    push_bundle: Callback<()>,
}

/// The Upload page.
#[component]
pub fn UploadPage() -> impl IntoView {
    let opened = RwSignal::new(Opened::Nothing);
    let image = RwSignal::new(0_usize);
    let choices = PushChoices::default();
    let fields = RwSignal::new(session::remembered_target("upload").unwrap_or_default());
    let transfer = Transfer::new();
    let bundle = Bundle::new();
    let target = RwSignal::new(None::<Target>);
    let pusher = StoredValue::new_local(None::<Pusher>);
    // The dropped file, for the Files view (the explorer worker opens it again, itself).
    let file_kept = StoredValue::new_local(None::<Blob>);
    let prompt = RwSignal::new(None::<SignInPrompt>);
    // A push the registry refused for want of a login opens the target's sign-in form.
    Effect::new(move |_| {
        if let Phase::Failed(Failure::SignIn { side: Side::Target, message }) = transfer.phase.get()
            && let Some(target) = target.get_untracked()
        {
            prompt.set(Some(SignInPrompt { host: target.registry, message }));
        }
    });

    let on_event = move |event: Event| {
        let opening = matches!(opened.try_get_untracked(), Some(Opened::Opening { .. }));
        match (&event, opened.try_get_untracked()) {
            (
                Event::Message(FromPusher::Opened { report, policy, targets, untagged }),
                Some(Opened::Opening { name, size }),
            ) => {
                prefill(fields, report);
                image.try_set(0);
                let rows = Row::all(targets, untagged);
                let archive = Archive { name, size, report: report.clone(), policy: policy.clone(), rows };
                opened.try_set(Opened::Ready(Arc::new(archive)));
            }
            (Event::Message(FromPusher::Failed { failure }), Some(Opened::Opening { name, .. })) => {
                let message = match failure {
                    Failure::Other { message } => message.clone(),
                    other => format!("{other:?}"),
                };
                opened.try_set(Opened::Failed { name, message });
            }
            (Event::Crashed(message), Some(Opened::Opening { name, .. })) => {
                opened.try_set(Opened::Failed { name, message: message.clone() });
            }
            _ if !opening && bundle.running() => bundle.handle(&event),
            _ if !opening => transfer.handle(&event),
            _ => {}
        }
    };
    let choose = move |file: File| {
        let (name, size) = (file.name(), file.size() as u64);
        transfer.phase.set(Phase::Idle);
        choices.forget_consents();
        opened.set(Opened::Opening { name, size });
        // A fresh worker per file: the previous one (and anything it was doing) ends here.
        pusher.set_value(None);
        match start_pusher(on_event) {
            Ok(worker) => {
                let blob: Blob = file.into();
                file_kept.set_value(Some(blob.clone()));
                worker.open(blob);
                pusher.set_value(Some(worker));
            }
            Err(message) => opened.set(Opened::Failed { name: "the file".into(), message }),
        }
    };
    let push = Callback::new(move |()| {
        let Ok(reference) = target_reference(&fields.get_untracked()) else { return };
        let endpoint = session::endpoint(&reference);
        let settings = choices.settings();
        target.set(Some(Target::of(&reference)));
        prompt.set(None);
        transfer.begin();
        pusher.with_value(|p| {
            if let Some(p) = p {
                p.push(image.get_untracked(), endpoint, settings);
            }
        });
    });
    let push_bundle = Callback::new(move |()| {
        let (Opened::Ready(archive), Ok(destination)) =
            (opened.get_untracked(), target_repository(&fields.get_untracked()))
        else {
            return;
        };
        let chosen: Vec<usize> =
            (0..archive.rows.len()).filter(|&i| archive.rows[i].ticked.get_untracked()).collect();
        let targets = bundle.begin(&archive.rows, &chosen, &archive.name, &destination.name());
        prompt.set(None);
        pusher.with_value(|p| {
            if let Some(p) = p {
                p.load(targets, session::endpoint(&destination), choices.settings());
            }
        });
    });
    let cancel = Callback::new(move |()| pusher.with_value(|p| p.iter().for_each(Pusher::cancel)));
    let compact = Signal::derive(move || !matches!(opened.get(), Opened::Nothing));
    let controls = PushControls {
        choices,
        fields,
        prompt,
        transfer,
        target: target.into(),
        push,
        cancel,
        bundle,
        push_bundle,
    };

    view! {
        <h1>"Upload"</h1>
        <p class="lead">
            "Push an image archive into Pulp or any registry from your browser. Waybill shows what is in it and "
            "what will happen to foreign layers before anything is sent, verifies every file, then uploads."
        </p>
        <DropZone on_file=choose compact />
        {move || match opened.get() {
            Opened::Nothing => ().into_any(),
            Opened::Opening { name, size } => view! {
                <p class="loading" aria-live="polite" data-testid="opening">{format!("Reading {name} ({}) …", human(size))}</p>
            }.into_any(),
            Opened::Failed { name, message } => view! {
                <div class="notice error" role="alert" data-testid="open-failed">
                    <h2>"Waybill cannot read "<Breakable text=name /></h2>
                    <p class="mono"><Breakable text=message /></p>
                    <p>"Waybill reads docker save / podman save output and OCI image layouts (skopeo docker-archive: and oci-archive:), plain, gzip'd or zstd'd."</p>
                </div>
            }.into_any(),
            Opened::Ready(archive) => view! {
                <ArchiveView archive image controls file=file_kept />
            }.into_any(),
        }}
        <TransferHistory transfer verb="Push" target=target.into() />
    }
}

/// Fills an empty target repository and tag from the archive's first image name.
fn prefill(fields: RwSignal<session::TargetFields>, report: &ArchiveReport) {
    let Some(name) = report.images.first().and_then(|i| i.names.first()) else { return };
    let Ok(reference) = Reference::parse(name) else { return };
    fields.try_update(|f| f.fill_from(&reference));
}

#[component]
fn ArchiveView(
    archive: Arc<Archive>,
    image: RwSignal<usize>,
    controls: PushControls,
    file: StoredValue<Option<Blob>, LocalStorage>,
) -> impl IntoView {
    let report = &archive.report;
    let formats: Vec<&str> = report
        .formats
        .iter()
        .map(|f| match f {
            ImageFormat::DockerSave => "docker save",
            ImageFormat::OciLayout => "OCI layout",
        })
        .collect();
    let compression = match report.compression {
        Compression::None => "uncompressed",
        other => other.as_str(),
    };
    let several = report.images.len() > 1;
    let images = report.images.clone();
    let current = {
        let archive = archive.clone();
        move || {
            let i = image.get();
            archive.report.images.get(i).cloned().zip(archive.policy.get(i).cloned())
        }
    };
    view! {
        <section class="panel" aria-labelledby="archive-heading" data-testid="archive">
            <h2 id="archive-heading"><Breakable text=archive.name.clone() /></h2>
            <ul class="stats">
                <li><strong>{human(archive.size)}</strong><span>{format!("{} · {}", formats.join(" + "), compression)}</span></li>
                <li><strong>{report.images.len()}</strong><span>{if several { "images" } else { "image" }}</span></li>
                <li><strong>{report.entries}</strong><span>"tar entries"</span></li>
            </ul>
            {(!report.warnings.is_empty()).then(|| view! {
                <div class="notice warn"><ul>{report.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul></div>
            })}
            <fieldset class="images">
                <legend>{if several { "Images in the archive: pick one to see its layers and files" } else { "Image in the archive" }}</legend>
                {images.into_iter().enumerate().map(|(i, img)| view! {
                    <label class="checkbox image-choice" data-testid="image-choice">
                        <input type="radio" name="archive-image" prop:checked=move || image.get() == i
                            on:change=move |_| image.set(i) />
                        <span>{image_label(&img)}</span>
                    </label>
                }).collect_view()}
            </fieldset>
        </section>
        {several.then(|| {
            let bundle_controls = BundleControls {
                choices: controls.choices,
                fields: controls.fields,
                prompt: controls.prompt,
                push: controls.push_bundle,
                cancel: controls.cancel,
            };
            view! {
                <BundlePush images=archive.report.images.clone() policy=archive.policy.clone()
                    rows=archive.rows.clone() bundle=controls.bundle controls=bundle_controls />
            }
        })}
        {move || current().map(|(img, policy)| {
            let layers = img.manifests.first().map_or(0, |m| m.layers.len());
            let index = image.get();
            view! {
                <ImageView img policy controls alone=!several />
                {(layers > 0).then(|| view! { <ArchiveFiles file image=index layers /> })}
            }
        })}
    }
}
