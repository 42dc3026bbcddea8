//! `waybill diff A B [--json]`: what differs between two images — registry references or archive
//! files, in any mix — in layers, run-time config and files (every file hashed). A layer both
//! images start with is read once. Exit 0 whether or not they differ (1 is an error).

use std::fmt::Write as _;

use serde_json::Value;
use waybill_core::layers::diff::{FileFacts, ImageDiff};
use waybill_core::layers::views::diff;
use waybill_core::reference::Reference;

use super::Context;
use crate::args::{RegistryArgs, SourceLoginArgs};
use crate::credentials::one_stdin;
use crate::explore::{Explored, ImageArgs};
use crate::failure::{Failure, Outcome};

/// Arguments of `waybill diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// Image A: a registry reference or an archive file (an existing path wins)
    #[arg(value_name = "A")]
    a: String,
    /// Image B: a registry reference or an archive file (an existing path wins)
    #[arg(value_name = "B")]
    b: String,
    /// For an index (or an archive holding one): this platform's image, on both sides
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<String>,
    /// When A is an archive of several images: this one
    #[arg(long, value_name = "NAME:TAG")]
    image_a: Option<String>,
    /// When B is an archive of several images: this one
    #[arg(long, value_name = "NAME:TAG")]
    image_b: Option<String>,
    /// For compressed archives: the decompression limit (default: 100 times the file, at least 1 GiB)
    #[arg(long, value_name = "SIZE", value_parser = crate::args::parse_size)]
    max_uncompressed_size: Option<u64>,
    /// Print JSON: {"layers": {"shared", "only_a", "only_b"}, "config": [{"field", "a", "b"}],
    /// "files": {"added", "removed", "changed"}}
    #[arg(long)]
    json: bool,
    // A's credentials (--src-username); without them, B's serve A when both are on one host.
    #[command(flatten)]
    src_login: SourceLoginArgs,
    // B's credentials (--username).
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Runs `waybill diff`.
pub async fn run(args: DiffArgs) -> Outcome {
    let context = &Context::new(&args.registry.network)?;
    let (a_login, b_login) = (args.src_login.source(), args.registry.login.source());
    one_stdin(&[&a_login, &b_login])?;
    let side = |target: &String, image: &Option<String>| ImageArgs {
        target: target.clone(),
        platform: args.platform.clone(),
        image: image.clone(),
        max_uncompressed_size: args.max_uncompressed_size,
    };
    // B's password is read once (stdin cannot be read twice), and serves A only on B's host:
    // credentials belong to one registry.
    let b_credentials = std::cell::OnceCell::new();
    let b_resolved = || match b_credentials.get_or_init(|| b_login.resolve()) {
        Ok(credentials) => Ok(credentials.clone()),
        Err(f) => Err(Failure { code: f.code, message: f.message.clone() }),
    };
    let b = Explored::open(&side(&args.b, &args.image_b), b_resolved, context).await?;
    let host = |text: &str| Reference::parse(text).ok().map(|r| r.api_host().to_owned());
    let same_host = host(&args.a).is_some() && host(&args.a) == host(&args.b);
    let a_credentials = || match a_login.resolve()? {
        Some(credentials) => Ok(Some(credentials)),
        None if same_host => b_resolved(),
        None => Ok(None),
    };
    let a = Explored::open(&side(&args.a, &args.image_a), a_credentials, context).await?;
    let result = diff((&a.layers(), &a.image), (&b.layers(), &b.image)).await?;
    if args.json {
        let text = serde_json::to_string_pretty(&result).map_err(|e| Failure::error(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", diff_text(&a.image.reference, &b.image.reference, &result));
    }
    Ok(())
}

fn diff_text(a: &str, b: &str, d: &ImageDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A  {a}\nB  {b}");
    let l = &d.layers;
    let _ = writeln!(
        out,
        "\nLayers: {} shared, {} only in A, {} only in B",
        l.shared.len(),
        l.only_a.len(),
        l.only_b.len()
    );
    for (mark, list) in [("  shared", &l.shared), ("  only A", &l.only_a), ("  only B", &l.only_b)] {
        for digest in list {
            let _ = writeln!(out, "{mark}  {digest}");
        }
    }
    let _ = writeln!(out, "\nConfig: {} difference(s)", d.config.len());
    for change in &d.config {
        let _ = writeln!(out, "  {}: {} -> {}", change.field, value(&change.a), value(&change.b));
    }
    let f = &d.files;
    let _ = writeln!(
        out,
        "\nFiles: {} added, {} removed, {} changed",
        f.added.len(),
        f.removed.len(),
        f.changed.len()
    );
    for path in &f.added {
        let _ = writeln!(out, "  + {}", path.escape_default());
    }
    for path in &f.removed {
        let _ = writeln!(out, "  - {}", path.escape_default());
    }
    for change in &f.changed {
        let what: Vec<String> =
            change.fields.iter().map(|field| describe(field, &change.a, &change.b)).collect();
        let _ = writeln!(out, "  ~ {} ({})", change.path.escape_default(), what.join(", "));
    }
    out
}

fn value(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

fn describe(field: &str, a: &FileFacts, b: &FileFacts) -> String {
    match field {
        "type" => format!("type {} -> {}", a.kind.as_str(), b.kind.as_str()),
        "size" => format!("size {} -> {}", a.size, b.size),
        "mode" => format!("mode {:04o} -> {:04o}", a.mode, b.mode),
        "link" => {
            format!("link {} -> {}", a.link.as_deref().unwrap_or("-"), b.link.as_deref().unwrap_or("-"))
        }
        other => format!("{other} differs"),
    }
}
