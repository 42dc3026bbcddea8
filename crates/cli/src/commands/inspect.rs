//! `waybill inspect`: the classified layer table of a manifest file or of an image in a
//! registry.

use std::io::Read as _;
use std::path::PathBuf;

use waybill_core::config::ImageConfig;
use waybill_core::manifest::{Manifest, ManifestDocument};
use waybill_core::platform::{self, PlatformSpec};
use waybill_core::registry::{Client, fetch_document};
use waybill_core::report::InspectReport;

use super::Context;
use crate::args::LoginArgs;
use crate::failure::{Failure, Outcome};
use crate::open::open;
use crate::render::report_text;
use crate::transport::NativeTransport;

/// Configs larger than this are not image configs.
const CONFIG_LIMIT: usize = 16 * 1024 * 1024;

/// Arguments of `waybill inspect`.
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Image in a registry: [registry/]repository[:tag][@digest]
    #[arg(required_unless_present = "file", conflicts_with = "file")]
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
    #[command(flatten)]
    login: LoginArgs,
}

/// Runs `waybill inspect`.
pub async fn run(args: InspectArgs, context: &Context) -> Outcome {
    let report = match &args.file {
        Some(path) => report_for_file(path)?,
        None => {
            let text = args.reference.as_deref().unwrap_or_default();
            let credentials = args.login.source().resolve()?;
            let opened = open(text, &context.transport, &context.plain_http, credentials)?;
            let platform = args
                .platform
                .as_deref()
                .map(PlatformSpec::parse)
                .transpose()
                .map_err(|e| Failure::error(e.to_string()))?;
            let repository = opened.reference.repository();
            report_for_image(&opened.client, repository, &opened.reference.reference(), platform.as_ref())
                .await?
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

fn report_for_file(path: &PathBuf) -> Result<InspectReport, Failure> {
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

async fn report_for_image(
    client: &Client<NativeTransport>,
    repository: &str,
    reference: &str,
    platform: Option<&PlatformSpec>,
) -> Result<InspectReport, Failure> {
    let top = fetch_document(client, repository, reference).await?;
    let (document, index_platforms) = match (top.manifest(), platform) {
        (Manifest::Index(index), Some(spec)) => {
            let entry = platform::select(index, spec).map_err(|e| Failure::error(e.to_string()))?;
            let child = fetch_document(client, repository, &entry.digest.to_string()).await?;
            (child, Some(InspectReport::from_document(&top).platforms))
        }
        (_, None) => (top, None),
        (_, Some(spec)) => {
            return Err(Failure::error(format!(
                "{repository}:{reference} is a single image, not an index: --platform {spec} does not apply"
            )));
        }
    };
    let mut report = InspectReport::from_document(&document);
    if let Manifest::Image(image) = document.manifest() {
        let config = &image.config;
        if config.size <= CONFIG_LIMIT as u64 {
            let mut stream = client.get_blob(repository, &config.digest, Some(config.size)).await?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await? {
                bytes.extend_from_slice(&chunk);
            }
            match ImageConfig::parse(&bytes) {
                Ok(parsed) => report = report.with_config(&parsed),
                Err(e) => report.warnings.push(format!("the config is not an image config: {e}")),
            }
        }
    }
    // The image's report also lists the platforms of the index it was picked from.
    if let Some(platforms) = index_platforms {
        report.platforms = platforms;
    }
    Ok(report)
}
