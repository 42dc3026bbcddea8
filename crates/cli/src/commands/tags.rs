//! `waybill tags`: every tag of a repository, following the registry's pages.

use serde::Serialize;

use super::Context;
use crate::args::RegistryArgs;
use crate::failure::{Failure, Outcome};
use crate::open::open;

/// Arguments of `waybill tags`.
#[derive(clap::Args, Debug)]
pub struct TagsArgs {
    /// The repository: [registry/]repository, without a tag or digest
    #[arg(value_name = "REPOSITORY")]
    repository: String,
    /// Print `{"repository", "tags"}` as JSON
    #[arg(long)]
    json: bool,
    /// Ask the registry for pages of this many tags (it may send fewer); by default it chooses
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    page_size: Option<u32>,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Serialize)]
struct Listing<'a> {
    repository: String,
    tags: &'a [String],
}

/// Runs `waybill tags`.
pub async fn run(args: TagsArgs) -> Outcome {
    let context = &Context::new(&args.registry.network)?;
    let credentials = args.registry.login.source().resolve()?;
    let opened = open(&args.repository, &context.transport, &context.plain_http, credentials)?;
    let reference = &opened.reference;
    if reference.tag().is_some() || reference.digest().is_some() {
        return Err(Failure::error(format!(
            "{} names an image; waybill tags takes a repository ({}), without :tag or @digest",
            args.repository,
            reference.name()
        )));
    }
    let tags = opened.client.list_tags(reference.repository(), args.page_size).await?;
    if args.json {
        let listing = Listing { repository: reference.name(), tags: &tags };
        let json = serde_json::to_string_pretty(&listing).map_err(|e| Failure::error(e.to_string()))?;
        println!("{json}");
    } else {
        for tag in &tags {
            println!("{tag}");
        }
    }
    Ok(())
}
