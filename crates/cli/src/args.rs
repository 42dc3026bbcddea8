//! Argument groups shared by several commands.

use std::path::PathBuf;

use waybill_core::platform::PlatformSpec;
use waybill_core::registry::PlatformChoice;
use waybill_core::transfer::foreign_mirror::ForeignMirrors;
use waybill_core::transfer::tag_filter::TagFilter;

use crate::credentials::CredentialSource;
use crate::failure::Failure;

/// How to reach registries.
#[derive(clap::Args, Debug)]
pub struct NetworkArgs {
    /// Allow plain HTTP to this registry host (host or host:port); loopback is always allowed.
    /// Repeatable
    #[arg(long, value_name = "HOST")]
    pub plain_http: Vec<String>,
    /// Give up on a request when the registry sends nothing for this many seconds (it is then
    /// sent again, or an upload resumes, as long as retries are left)
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Trust the certificate authorities in this PEM file too (an internal CA), besides the
    /// system's, for registries and foreign-layer mirrors alike
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

/// The login and the network options every registry command ends with, in this order (so each
/// command's help lists them the same way); one group, declared once.
#[derive(clap::Args, Debug)]
pub struct RegistryArgs {
    #[command(flatten)]
    pub login: LoginArgs,
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// Where foreign layers' blobs are fetched from.
#[derive(clap::Args, Debug)]
pub struct ForeignMirrorArgs {
    /// Fetch foreign layers whose url starts with URL-PREFIX from MIRROR-PREFIX + the rest of the
    /// url (the manifest and its urls stay as they are). The mirror may be http:// or on a private
    /// address: you named it; it never gets registry credentials. Repeatable; the longest prefix wins
    #[arg(long, value_name = "URL-PREFIX=MIRROR-PREFIX")]
    pub foreign_mirror: Vec<String>,
}

impl ForeignMirrorArgs {
    /// The core's mirror rules.
    pub fn mirrors(&self) -> Result<ForeignMirrors, Failure> {
        ForeignMirrors::parse_all(&self.foreign_mirror)
            .map_err(|e| Failure::error(format!("--foreign-mirror: {e}")))
    }
}

/// What a repository's mirror (`sync`, `save`) takes: which tags, and whether their foreign
/// layers go too.
#[derive(clap::Args, Debug)]
pub struct MirrorArgs {
    #[command(flatten)]
    pub tags: TagFilterArgs,
    /// Copy foreign (non-distributable) layers' blobs too: from the source registry, else from
    /// their urls (https, public hosts, no credentials). Without it, a tag whose image has any is
    /// refused and reported (exit 3), and the other tags still go
    #[arg(long)]
    pub allow_foreign_layers: bool,
    #[command(flatten)]
    pub foreign_mirrors: ForeignMirrorArgs,
}

/// Which tags of a repository (`sync`, `save`), as Pulp's remote takes them.
#[derive(clap::Args, Debug)]
pub struct TagFilterArgs {
    /// Only tags matching this shell pattern (*, ?, [a-z], [!x]), as Pulp's include_tags.
    /// Repeatable; default: every tag
    #[arg(long, value_name = "PATTERN")]
    pub include_tags: Vec<String>,
    /// Leave out tags matching this pattern, as Pulp's exclude_tags. Repeatable
    #[arg(long, value_name = "PATTERN")]
    pub exclude_tags: Vec<String>,
}

impl TagFilterArgs {
    /// The core's filter.
    pub fn filter(&self) -> TagFilter {
        TagFilter { include: self.include_tags.clone(), exclude: self.exclude_tags.clone() }
    }
}

/// Credentials for the (destination) registry.
#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    /// Username for the registry (for copy: the destination)
    #[arg(long, visible_alias = "dst-username", env = "WAYBILL_USERNAME", value_name = "USER")]
    pub username: Option<String>,
    /// Read the password (or token) from stdin; otherwise it comes from WAYBILL_PASSWORD
    #[arg(long, visible_alias = "dst-password-stdin")]
    pub password_stdin: bool,
}

impl LoginArgs {
    /// Where these credentials come from.
    pub fn source(&self) -> CredentialSource {
        CredentialSource {
            username: self.username.clone(),
            password_stdin: self.password_stdin,
            password_env: "WAYBILL_PASSWORD",
        }
    }
}

/// Credentials for the source registry of a copy or a mirror.
#[derive(clap::Args, Debug)]
pub struct SourceLoginArgs {
    /// Username for the source registry (default: none, or the destination's on the same host)
    #[arg(long, env = "WAYBILL_SRC_USERNAME", value_name = "USER")]
    pub src_username: Option<String>,
    /// Read the source registry's password from stdin; otherwise it comes from
    /// WAYBILL_SRC_PASSWORD
    #[arg(long)]
    pub src_password_stdin: bool,
}

impl SourceLoginArgs {
    /// Where these credentials come from.
    pub fn source(&self) -> CredentialSource {
        CredentialSource {
            username: self.src_username.clone(),
            password_stdin: self.src_password_stdin,
            password_env: "WAYBILL_SRC_PASSWORD",
        }
    }
}

/// Which platforms of an index to work on.
#[derive(clap::Args, Debug)]
pub struct PlatformArgs {
    /// From an index, only this platform: os/arch[/variant], optionally os(os.version)/arch.
    /// Repeat it for several: copy then pushes a new index of only those (its digest differs
    /// from the source's)
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", conflicts_with = "all_platforms")]
    pub platform: Vec<String>,
    /// From an index, every platform (and the index itself)
    #[arg(long)]
    pub all_platforms: bool,
}

impl PlatformArgs {
    /// The core's platform choice.
    pub fn choice(&self) -> Result<PlatformChoice, Failure> {
        let mut specs = Vec::with_capacity(self.platform.len());
        for text in &self.platform {
            specs.push(parse_platform(text)?);
        }
        Ok(match (specs.len(), self.all_platforms) {
            (0, true) => PlatformChoice::All,
            (0, false) => PlatformChoice::Unspecified,
            (1, _) => PlatformChoice::Only(specs.remove(0)),
            _ => PlatformChoice::Several(specs),
        })
    }
}

/// Parses one `--platform` value (os/arch[/variant]); the core's complaint is the error. Every
/// command that takes a platform reads it here.
pub fn parse_platform(text: &str) -> Result<PlatformSpec, Failure> {
    PlatformSpec::parse(text).map_err(|e| Failure::error(e.to_string()))
}

/// Parses a byte size: a number with an optional unit — B; KiB, MiB, GiB (also K, M, G); or
/// the decimal KB, MB, GB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a size like 8MiB or 4194304"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => return Err(format!("unknown size unit {other:?} (use B, KiB, MiB, GiB, KB, MB or GB)")),
    };
    let size = number.checked_mul(factor).ok_or_else(|| format!("{text:?} is too large"))?;
    if size == 0 {
        return Err("the size must be at least one byte".to_owned());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("4M"), Ok(4 * 1024 * 1024));
        assert_eq!(parse_size("5MB"), Ok(5_000_000));
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size(" 64 KiB "), Ok(65_536));
        assert!(parse_size("0").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
