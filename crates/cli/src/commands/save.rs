//! `waybill save REF-or-REPO… -o FILE`: tags from registries into one OCI image-layout archive,
//! written as FILE.partial and renamed into place only once every blob was verified.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::PathBuf;

use waybill_core::transfer::save::{LayoutSink, SaveError, SaveOptions, SaveSource, save};
use waybill_core::transfer::sync::SyncReport;
use waybill_core::transfer::tag_filter::companion_subject;

use super::Context;
use crate::args::{MirrorArgs, RegistryArgs};
use crate::failure::{Failure, Outcome};
use crate::open::{Opened, open};
use crate::tag_summary::{exit_for, table};

/// Arguments of `waybill save`.
#[derive(clap::Args, Debug)]
pub struct SaveArgs {
    /// Images (registry/repository:tag) and repositories (registry/repository: every tag that
    /// the filters admit), every platform of each
    #[arg(required = true, value_name = "REF-or-REPO")]
    sources: Vec<String>,
    /// The archive to write (an OCI image layout in a tar; `oci-archive:FILE:TAG` in skopeo)
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    mirror: MirrorArgs,
    /// Print the summary as JSON, as `waybill sync --json` does
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryArgs,
}

struct FileSink(BufWriter<File>);

impl LayoutSink for FileSink {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.0.write_all(bytes).map_err(|e| e.to_string())
    }
}

/// Runs `waybill save`: exit 1 if any tag failed, else 3 if any was refused, else 0.
pub async fn run(args: SaveArgs) -> Outcome {
    let options = SaveOptions {
        allow_foreign_layers: args.mirror.allow_foreign_layers,
        foreign_mirrors: args.mirror.foreign_mirrors.mirrors()?,
    };
    let context = &Context::with_mirrors(&args.registry.network, &options.foreign_mirrors)?;
    let credentials = args.registry.login.source().resolve()?;
    let opened = args
        .sources
        .iter()
        .map(|text| open(text, &context.transport, &context.plain_http, credentials.clone()))
        .collect::<Result<Vec<Opened>, Failure>>()?;
    if credentials.is_some()
        && opened.windows(2).any(|w| w[0].reference.api_host() != w[1].reference.api_host())
    {
        return Err(Failure::error(
            "a login belongs to one registry: save from one registry at a time when logging in",
        ));
    }
    let filter = args.mirror.tags.filter();
    let names: Vec<String> = opened.iter().map(|o| o.reference.name()).collect();
    let mut sources: Vec<SaveSource<'_, _>> = Vec::new();
    for (o, name) in opened.iter().zip(&names) {
        let tags = match (o.reference.tag(), o.reference.digest()) {
            (Some(tag), None) => vec![tag.to_owned()],
            (None, None) => {
                let mut tags: Vec<String> = o
                    .client
                    .list_tags(o.reference.repository(), None)
                    .await?
                    .into_iter()
                    .filter(|t| companion_subject(t).is_none() && filter.admits(t))
                    .collect();
                if tags.is_empty() {
                    return Err(Failure::error(format!("no tag of {name} matches the tag filters")));
                }
                // Sorted, so that the same tags give the same archive whatever the registry's order.
                tags.sort();
                tags
            }
            _ => {
                return Err(Failure::error(format!(
                    "{name}: save names images by tag (a digest has no name to load it under)"
                )));
            }
        };
        match sources.iter_mut().find(|s| s.name == name.as_str()) {
            Some(same) => {
                for tag in tags {
                    if !same.tags.contains(&tag) {
                        same.tags.push(tag);
                    }
                }
            }
            None => sources.push(SaveSource {
                client: &o.client,
                repository: o.reference.repository(),
                name,
                tags,
            }),
        }
    }

    let partial = PathBuf::from(format!("{}.partial", args.output.display()));
    let file = File::create(&partial).map_err(|e| Failure::error(format!("{}: {e}", partial.display())))?;
    let mut sink = FileSink(BufWriter::with_capacity(1 << 20, file));
    let written = save(&sources, &options, &mut sink).await;
    let finished = written.and_then(|tags| {
        let file = sink.0.into_inner().map_err(|e| SaveError::Write(e.error().to_string()))?;
        file.sync_all().map_err(|e| SaveError::Write(e.to_string()))?;
        std::fs::rename(&partial, &args.output).map_err(|e| SaveError::Write(e.to_string()))?;
        Ok(tags)
    });
    let tags = match finished {
        Ok(tags) => tags,
        Err(error) => {
            // Never a short file under the name asked for: the partial one goes.
            let _ = std::fs::remove_file(&partial);
            let message = format!("{error}; {} was not written", args.output.display());
            if let SaveError::Nothing(tags) = error {
                print!("{}", table(&summary(&args, tags)));
            }
            return Err(Failure::error(message));
        }
    };
    let report = summary(&args, tags);
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", table(&report));
    }
    exit_for(&report.tags, "save them")
}

fn summary(args: &SaveArgs, tags: Vec<waybill_core::transfer::sync::TagResult>) -> SyncReport {
    SyncReport { source: args.sources.join(" "), destination: args.output.display().to_string(), tags }
}
