//! `waybill inspect`: the classified layer table of a manifest file, of an image in a registry,
//! or of every image in an archive file.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use waybill_core::manifest::ManifestDocument;
use waybill_core::manifest_report::InspectReport;
use waybill_core::registry::inspect;

use super::Context;
use crate::archive_arg::{Target, classify};
use crate::args::{RegistryArgs, parse_platform};
use crate::failure::{Failure, Outcome};
use crate::open::open;
use crate::render::report_text;

/// Arguments of `waybill inspect`.
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Image in a registry ([registry/]repository[:tag][@digest]) or an archive file; an
    /// existing file path wins: a path to a file is read as an archive (docker save,
    /// docker-archive:, oci-archive:, plain, gzip or zstd), anything else is an image reference
    #[arg(required_unless_present = "file", conflicts_with = "file", value_name = "REFERENCE|ARCHIVE")]
    reference: Option<String>,
    /// Read the manifest from this file instead ("-" reads stdin)
    #[arg(long, value_name = "MANIFEST.json")]
    file: Option<PathBuf>,
    /// For an index: inspect this platform's image (os/arch[/variant])
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", requires = "reference")]
    platform: Option<String>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    /// For compressed archives: the most bytes decompression may produce before the archive is
    /// taken for a decompression bomb (default: 100 times the file, at least 1 GiB)
    #[arg(long, value_name = "SIZE", value_parser = crate::args::parse_size)]
    max_uncompressed_size: Option<u64>,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill inspect`.
pub async fn run(args: InspectArgs) -> Outcome {
    if let Some(Target::Archive(path)) = args.reference.as_deref().map(classify).transpose()? {
        if let Some(platform) = &args.platform {
            return Err(Failure::error(format!(
                "--platform {platform} applies to registry images; an archive's report lists every platform"
            )));
        }
        return super::archive::inspect(&path, args.json, args.max_uncompressed_size).await;
    }
    let context = &Context::new(&args.registry.network)?;
    let report = match &args.file {
        Some(path) => report_for_file(path)?,
        None => {
            let text = args.reference.as_deref().unwrap_or_default();
            let credentials = args.registry.login.source().resolve()?;
            let opened = open(text, &context.transport, &context.plain_http, credentials)?;
            let platform = args.platform.as_deref().map(parse_platform).transpose()?;
            let repository = opened.reference.repository();
            inspect(&opened.client, repository, &opened.reference.reference(), platform.as_ref()).await?
        }
    };
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Failure::error(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", report_text(&report));
    }
    Ok(())
}

fn report_for_file(path: &Path) -> Result<InspectReport, Failure> {
    let mut bytes = Vec::new();
    let shown = path.display().to_string();
    let read = if shown == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map(|_| ())
    };
    read.map_err(|e| Failure::error(format!("reading {shown}: {e}")))?;
    let document =
        ManifestDocument::parse(bytes, None).map_err(|e| Failure::error(format!("{shown}: {e}")))?;
    Ok(InspectReport::from_document(&document))
}
