//! A push or copy while it runs and after: verification (each file hashed by the workers),
//! then each blob's upload with its rate and time left, the overall figures, Cancel, and how it
//! ended.

use crate::ui::api::now_ms;
use crate::ui::api::workers::{Failure, Side};
use leptos::prelude::*;
use waybill_core::archive::verify::BlobStatus;
use waybill_core::size::human;
use waybill_core::transfer::BlobOutcome;

use crate::ui::components::breakable::Breakable;
use crate::ui::components::digest::DigestBadge;
use crate::ui::components::progress::{eta, format_rate, meaningful_rate, percent};
use crate::ui::components::rejection_panel::{AbsentPanel, RejectionPanel};
use crate::ui::components::result_panel::{ResultPanel, Target};
use crate::ui::transfer::{BlobRow, FileRow, Phase, Transfer};

/// The run's panel. `verb` is "Push" or "Copy"; `on_cancel` stops it; `allow` and `fetch` are
/// the page's toggles (a refusal's buttons tick them).
#[component]
pub fn TransferPanel(
    transfer: Transfer,
    verb: &'static str,
    target: Signal<Option<Target>>,
    #[prop(into)] on_cancel: Callback<()>,
    allow: RwSignal<bool>,
    fetch: RwSignal<bool>,
) -> impl IntoView {
    let running = move || transfer.running();
    view! {
        <section class="panel" aria-labelledby="transfer-heading" data-testid="transfer">
            <div class="row spread">
                <h2 id="transfer-heading" data-testid="transfer-heading">{move || match transfer.phase.get() {
                    Phase::Idle => String::new(),
                    Phase::Verifying => "Verifying before anything is sent".to_owned(),
                    Phase::Uploading => format!("{verb}ing"),
                    Phase::Done(..) => format!("{verb} complete"),
                    Phase::Failed(Failure::Cancelled) => format!("{verb} cancelled"),
                    Phase::Failed(_) => format!("{verb} failed"),
                }}</h2>
                // Only while the run goes on: a Cancel left after the end reads as "still running".
                {move || running().then(|| view! {
                    <button type="button" class="secondary" data-testid="cancel"
                        on:click=move |_| on_cancel.run(())>"Cancel"</button>
                })}
            </div>
            <Verification transfer />
            <Uploads transfer />
            {move || match transfer.phase.get() {
                Phase::Done(report, pulp) => target.get().map(|target| view! { <ResultPanel report target pulp /> }.into_any()),
                Phase::Failed(failure) => Some(view! { <FailurePanel failure verb target allow fetch /> }.into_any()),
                _ => None,
            }}
        </section>
    }
}

#[component]
fn Verification(transfer: Transfer) -> impl IntoView {
    let workers = crate::ui::session::pool().size();
    move || {
        let files = transfer.files.get();
        if let Some((done, total)) = transfer.verifying.get() {
            return Some(
                view! {
                    <div class="overall" data-testid="verify-progress">
                        <h3>"Verification (in the push worker: the compressed archive is read once)"</h3>
                        <progress max=total.max(1) value=done aria-label="Verification progress"></progress>
                        <p>{format!("{} of {} · {}%", human(done), human(total), percent(done, total))}</p>
                    </div>
                }
                .into_any(),
            );
        }
        if files.is_empty() {
            return None;
        }
        let (done, total, finished, failed) = transfer.hashing_totals();
        let started = transfer.verify_started.get().unwrap_or_else(now_ms);
        let mb = meaningful_rate(done, now_ms() - started);
        let mut line = format!("{} of {} · {}%", human(done), human(total), percent(done, total));
        if let Some(mb) = mb {
            line.push_str(&format!(" · {}", format_rate(mb)));
            if finished < files.len() {
                line.push_str(&format!(" · {}", eta(total.saturating_sub(done), mb)));
            }
        }
        let count = files.len();
        let verdict = if finished < count {
            format!("{finished} of {count} files hashed in up to {workers} workers")
        } else if failed > 0 {
            format!("{failed} of {count} files could not be read")
        } else {
            format!("all {count} files hashed")
        };
        Some(view! {
            <div class="overall" data-testid="verify-progress">
                <h3>"Verification: every file the image uses, hashed in your browser before anything is sent"</h3>
                <progress max=total.max(1) value=done aria-label="Verification progress"></progress>
                <p><strong>{verdict}</strong>" · "{line}</p>
                <details class="raw">
                    <summary>"Files"</summary>
                    <ul class="plain files">{files.into_iter().map(|f| view! { <FileLine file=f /> }).collect_view()}</ul>
                </details>
            </div>
        }.into_any())
    }
}

#[component]
fn FileLine(file: FileRow) -> impl IntoView {
    let size = file.request.size;
    view! {
        <li data-testid="hashed-file">
            <code><Breakable text=file.request.path.clone() /></code>
            <span class="exact">{move || match file.result.get() {
                None => format!("{} of {} · {}%", human(file.done.get()), human(size), percent(file.done.get(), size)),
                Some(Ok(())) => format!("✓ hashed · {}", human(size)),
                Some(Err(why)) => format!("✗ {why}"),
            }}</span>
        </li>
    }
}

#[component]
fn Uploads(transfer: Transfer) -> impl IntoView {
    move || {
        let blobs = transfer.blobs.get();
        let started = transfer.upload_started.get()?;
        let t = transfer.upload_totals();
        let end = match transfer.phase.get() {
            Phase::Uploading => now_ms(),
            _ => blobs.iter().map(|b| b.progress.get().1).fold(started, f64::max),
        };
        let mb = meaningful_rate(t.sent, end - started);
        let mut line = format!("{} of {} · {}%", human(t.done), human(t.bytes), percent(t.done, t.bytes));
        if let Some(mb) = mb {
            line.push_str(&format!(" · {} sent at {}", human(t.sent), format_rate(mb)));
            if transfer.running() {
                line.push_str(&format!(" · {}", eta(t.bytes.saturating_sub(t.done), mb)));
            }
        }
        let present = (t.present > 0).then(|| format!(" · {} already on the registry (HEAD)", t.present));
        Some(view! {
            <div class="overall" data-testid="upload-progress">
                // Blobs are layers and configs: said so, beside a summary that counts layers.
                <h3>{format!("Blobs (layers and config): {} of {} done", t.finished, t.count)}{present}</h3>
                <progress max=t.bytes.max(1) value=t.done aria-label="Upload progress"></progress>
                <p data-testid="upload-line">{line}</p>
                <div class="table-wrap">
                    <table class="layers blobs">
                        <thead><tr>
                            <th scope="col">"Blob"</th><th scope="col">"Size"</th><th scope="col">"Progress"</th>
                        </tr></thead>
                        <tbody>{blobs.into_iter().map(|b| view! { <BlobLine blob=b transfer /> }).collect_view()}</tbody>
                    </table>
                </div>
            </div>
        })
    }
}

#[component]
fn BlobLine(blob: BlobRow, transfer: Transfer) -> impl IntoView {
    let size = blob.size;
    let started = blob.started;
    view! {
        <tr data-testid="blob-row" data-digest=blob.digest.to_string()>
            <td data-label="Blob"><DigestBadge digest=blob.digest.clone() /></td>
            <td class="num" data-label="Size">{human(size)}</td>
            <td data-label="Progress" class="progress-cell">
                {move || {
                    let (done, at) = blob.progress.get();
                    match blob.outcome.get() {
                        Some(outcome) => {
                            let text = match outcome {
                                BlobOutcome::AlreadyPresent => "✓ already on the registry".to_owned(),
                                BlobOutcome::Mounted => "✓ mounted from the source repository".to_owned(),
                                BlobOutcome::Uploaded => match meaningful_rate(size, at - started) {
                                    Some(mb) => format!("✓ uploaded · {}", format_rate(mb)),
                                    None => "✓ uploaded".to_owned(),
                                },
                                BlobOutcome::UploadedFromUrls => "✓ fetched from its urls and uploaded".to_owned(),
                                BlobOutcome::Compressed => match meaningful_rate(size, at - started) {
                                    Some(mb) => format!("✓ compressed and uploaded · {}", format_rate(mb)),
                                    None => "✓ compressed and uploaded".to_owned(),
                                },
                            };
                            view! { <span class="verdict ok" data-testid="blob-outcome">{text}</span> }.into_any()
                        }
                        None if !transfer.running() => view! {
                            <span class="verdict warn" data-testid="blob-outcome">
                                {format!("stopped at {}%: not finalised", percent(done, size))}
                            </span>
                        }.into_any(),
                        None => {
                            let detail = match meaningful_rate(done, at - started) {
                                Some(mb) => format!("{}% · {} · {}", percent(done, size), format_rate(mb), eta(size.saturating_sub(done), mb)),
                                None if done == 0 => "checking the registry…".to_owned(),
                                None => format!("{}%", percent(done, size)),
                            };
                            view! {
                                <progress max=size.max(1) value=done aria-label="Blob upload progress"></progress>
                                <span class="exact">{detail}</span>
                            }.into_any()
                        }
                    }
                }}
            </td>
        </tr>
    }
}

#[component]
fn FailurePanel(
    failure: Failure,
    verb: &'static str,
    target: Signal<Option<Target>>,
    allow: RwSignal<bool>,
    fetch: RwSignal<bool>,
) -> impl IntoView {
    match failure {
        Failure::Rejected { rejections } => view! { <RejectionPanel rejections allow action=verb /> }.into_any(),
        Failure::ForeignAbsent { absent } => view! { <AbsentPanel absent allow fetch /> }.into_any(),
        // The page keeps Push disabled until its warning is acknowledged, so this is a safety net.
        Failure::MarksLost { lost } => view! {
            <div class="notice error" role="alert" data-testid="failure">
                <h2>{format!("{verb} refused: this image's foreign layers may have lost their marks")}</h2>
                <p>{lost.describe()}</p>
                <p>"Nothing was sent."</p>
            </div>
        }.into_any(),
        Failure::SignIn { side, message } => {
            let registry = match side {
                Side::Target => target.get_untracked().map(|t| t.registry),
                Side::Source => None,
            };
            let who = registry.unwrap_or_else(|| "The source registry".to_owned());
            view! {
                <div class="notice error" role="alert" data-testid="failure">
                    <h2>{format!("{verb} failed: {who} asked for a login")}</h2>
                    <p>{format!("Sign in to {who} in the form that opened above, then {} again.", verb.to_lowercase())}</p>
                    <p class="mono wrap" data-testid="failure-message">{message}</p>
                    <p>"Nothing was pushed under the tag: the registry shows no new image."</p>
                </div>
            }.into_any()
        }
        Failure::Cancelled => view! {
            <div class="notice warn" role="status" data-testid="failure">
                <h2>{format!("{verb} cancelled")}</h2>
                <p>"No manifest was pushed, so the registry shows no new image; open upload sessions were cancelled."</p>
            </div>
        }.into_any(),
        Failure::Verification { lines, checks } => {
            let failed: Vec<_> = checks
                .iter()
                .flat_map(|image| image.manifests.iter().flat_map(|m| m.blobs.iter()))
                .filter_map(|b| match &b.status {
                    BlobStatus::Failed(why) => Some((b.clone(), why.clone())),
                    _ => None,
                })
                .collect();
            view! {
                <div class="notice error" role="alert" data-testid="failure">
                    <h2>"Verification failed: nothing was sent"</h2>
                    <p>"These files in the archive are not what its metadata says, so Waybill will not push the image:"</p>
                    <ul class="rejections">
                        {failed.into_iter().map(|(b, why)| {
                            view! {
                                <li data-testid="failed-blob" data-path=b.path.clone()>
                                    <strong>{match b.role { waybill_core::policy::BlobRole::Config => "config ", _ => "layer " }}<Breakable text=b.path.clone() /></strong>
                                    <dl class="digests">
                                        {b.expected_digest.map(|d| view! { <dt>"Expected"</dt><dd><code data-testid="expected"><Breakable text=d.to_string() /></code></dd> })}
                                        {b.digest.map(|d| view! { <dt>"Actual"</dt><dd><code data-testid="actual"><Breakable text=d.to_string() /></code></dd> })}
                                        {b.expected_diff_id.map(|d| view! { <dt>"diff_id (config)"</dt><dd><code><Breakable text=d.to_string() /></code></dd> })}
                                        {b.diff_id.map(|d| view! { <dt>"diff_id (content)"</dt><dd><code><Breakable text=d.to_string() /></code></dd> })}
                                        <dt>"Why"</dt><dd>{why}</dd>
                                    </dl>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <details><summary>"All problems"</summary><ul>{lines.into_iter().map(|l| view! { <li class="mono wrap">{l}</li> }).collect_view()}</ul></details>
                </div>
            }.into_any()
        }
        Failure::Other { message } => view! {
            <div class="notice error" role="alert" data-testid="failure">
                <h2>{format!("{verb} failed")}</h2>
                <p class="mono wrap" data-testid="failure-message">{message}</p>
                <p>"The tag was not pushed: the registry shows no new image under it."</p>
            </div>
        }.into_any(),
    }
}
