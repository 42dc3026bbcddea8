//! Platform specifiers (`linux/arm64/v8`, `windows(10.0.17763)/amd64`) and choosing a manifest
//! from an index, with containerd's normalisation rules.
//!
//! Syntax: `os[(os.version)]/arch[/variant]`, containerd's specifier syntax, chosen over an ad-hoc
//! `:os.version` suffix so that what users type here also works with `ctr` and `nerdctl`, and so
//! that [`Platform`]'s `Display` (which prints the same syntax) round-trips. Unlike containerd,
//! both os and arch are required: Waybill runs in browsers and Workers, where "the host's
//! platform" means nothing.
//!
//! Normalisation (containerd's): os and arch are lower-cased; `macos` → `darwin`; `x86_64`,
//! `x86-64` → `amd64`; `aarch64` → `arm64`; `i386` → `386`; `armhf` → `arm/v7`; `armel` →
//! `arm/v6`. Variants default per architecture — `arm64` means `arm64/v8`, `arm` means `arm/v7`,
//! `amd64` has none (`v1` is dropped) — so `linux/arm64` and `linux/arm64/v8` select the same
//! entry and print as `linux/arm64/v8`, and variants `8` and `v8` are the same. A requested
//! os.version matches an entry's os.version equal to it or extending it by whole dot-separated
//! parts: `10.0.17763` matches `10.0.17763.5458`, not `10.0.177630`.

use std::fmt;
use std::str::FromStr;

use crate::manifest::{Descriptor, ImageIndex, Platform};

/// A requested platform, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlatformSpec {
    /// Operating system (`linux`, `windows`).
    pub os: String,
    /// Architecture (`amd64`, `arm64`).
    pub architecture: String,
    /// Variant, with the architecture's default filled in (`arm64` → `v8`); `None` for `amd64`.
    pub variant: Option<String>,
    /// OS version prefix (Windows builds).
    pub os_version: Option<String>,
}

/// Why a platform could not be parsed or selected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The specifier does not have the `os[(os.version)]/arch[/variant]` form.
    #[error(
        "platform {spec:?} is not valid: {reason}; write os/arch[/variant] with an optional \
         (os.version), e.g. linux/amd64, linux/arm64/v8, windows(10.0.17763)/amd64"
    )]
    Invalid {
        /// What was given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No entry of the index matches.
    #[error("no manifest for {wanted} in this index; available: {}", list(.available))]
    NoMatch {
        /// The requested platform.
        wanted: String,
        /// The platforms the index lists, as `os[(os.version)]/arch[/variant]`.
        available: Vec<String>,
    },
    /// Several entries match and differ in os.version: picking one would be a guess.
    #[error(
        "{wanted} matches {} manifests with different os.version: {}; add the os.version, \
         e.g. {}",
        .candidates.len(), list(.candidates), example(.candidates)
    )]
    Ambiguous {
        /// The requested platform.
        wanted: String,
        /// The matching platforms.
        candidates: Vec<String>,
    },
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "none (the index declares no platforms)".to_owned() } else { items.join(", ") }
}

fn example(candidates: &[String]) -> &str {
    candidates.first().map(String::as_str).unwrap_or_default()
}

impl PlatformSpec {
    /// Parses `os[(os.version)]/arch[/variant]` and normalises it.
    pub fn parse(spec: &str) -> Result<PlatformSpec, PlatformError> {
        let invalid =
            |reason: &str| PlatformError::Invalid { spec: spec.to_owned(), reason: reason.to_owned() };
        let parts: Vec<&str> = spec.trim().split('/').collect();
        let (os_part, arch, variant) = match parts.as_slice() {
            [os, arch] => (*os, *arch, None),
            [os, arch, variant] => (*os, *arch, Some(*variant)),
            [_] => return Err(invalid("both an os and an architecture are needed")),
            _ => return Err(invalid("too many '/'-separated parts")),
        };
        let (os, os_version) = match os_part.split_once('(') {
            None => (os_part, None),
            Some((os, rest)) => {
                let version = rest.strip_suffix(')').ok_or_else(|| invalid("'(' without a closing ')'"))?;
                if !version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
                    return Err(invalid("the os.version may contain only letters, digits, '.', '_' and '-'"));
                }
                (os, Some(version).filter(|v| !v.is_empty()))
            }
        };
        for (name, part) in [("os", Some(os)), ("architecture", Some(arch)), ("variant", variant)] {
            let Some(part) = part else { continue };
            if part.is_empty() {
                return Err(invalid(&format!("the {name} is empty")));
            }
            if !part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
                return Err(invalid(&format!(
                    "the {name} {part:?} may contain only letters, digits, '.', '_' and '-'"
                )));
            }
        }
        let (architecture, variant) = normalize_arch(arch, variant.unwrap_or_default());
        Ok(PlatformSpec {
            os: normalize_os(os),
            architecture,
            variant,
            os_version: os_version.map(str::to_owned),
        })
    }

    /// Whether an index entry's platform is this one (see the module docs for the rules).
    pub fn matches(&self, platform: &Platform) -> bool {
        let (architecture, variant) =
            normalize_arch(&platform.architecture, platform.variant.as_deref().unwrap_or_default());
        normalize_os(&platform.os) == self.os
            && architecture == self.architecture
            && variant == self.variant
            && self.os_version.as_deref().is_none_or(|wanted| {
                platform.os_version.as_deref().is_some_and(|have| version_has_prefix(have, wanted))
            })
    }
}

impl FromStr for PlatformSpec {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<PlatformSpec, PlatformError> {
        PlatformSpec::parse(s)
    }
}

impl fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.os)?;
        if let Some(version) = &self.os_version {
            write!(f, "({version})")?;
        }
        write!(f, "/{}", self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// Picks the index entry for `spec`.
///
/// Entries with the same platform (a gzip and a zstd build, say) resolve to the first, as
/// containerd does; entries that match but differ in os.version (two Windows builds) are an
/// error listing them, because which Windows build to run is not Waybill's guess to make.
pub fn select<'a>(index: &'a ImageIndex, spec: &PlatformSpec) -> Result<&'a Descriptor, PlatformError> {
    let matching: Vec<(&Descriptor, &Platform)> = index
        .manifests
        .iter()
        .filter(|d| d.attests().is_none())
        .filter_map(|d| d.platform.as_ref().map(|p| (d, p)))
        .filter(|(_, p)| spec.matches(p))
        .collect();
    let Some(&(first, first_platform)) = matching.first() else {
        return Err(PlatformError::NoMatch { wanted: spec.to_string(), available: available(index) });
    };
    if matching.iter().any(|(_, p)| p.os_version != first_platform.os_version) {
        let candidates = distinct(matching.iter().map(|(_, p)| *p));
        return Err(PlatformError::Ambiguous { wanted: spec.to_string(), candidates });
    }
    Ok(first)
}

/// The distinct platforms an index lists, in order, as `os[(os.version)]/arch[/variant]`.
/// Attestation manifests' `unknown/unknown` is not among them: it is no platform to run.
pub fn available(index: &ImageIndex) -> Vec<String> {
    distinct(index.manifests.iter().filter(|d| d.attests().is_none()).filter_map(|d| d.platform.as_ref()))
}

/// Platforms as shown, first occurrence of each kept, in order.
fn distinct<'a>(platforms: impl Iterator<Item = &'a Platform>) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    for platform in platforms.map(ToString::to_string) {
        if !shown.contains(&platform) {
            shown.push(platform);
        }
    }
    shown
}

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" { "darwin".to_owned() } else { os }
}

/// containerd's architecture normalisation, with each architecture's default variant made
/// explicit (`arm64` → `v8`, `arm` → `v7`) or dropped (`amd64`'s `v1`), so that `arm64` and
/// `arm64/v8` compare (and print) the same.
fn normalize_arch(arch: &str, variant: &str) -> (String, Option<String>) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    let numbered =
        |v: &str| if v.starts_with(|c: char| c.is_ascii_digit()) { format!("v{v}") } else { v.to_owned() };
    let (arch, variant) = match arch.as_str() {
        "i386" => ("386".to_owned(), variant),
        "x86_64" | "x86-64" | "amd64" => {
            ("amd64".to_owned(), if variant == "v1" { String::new() } else { variant })
        }
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "" | "8" | "v8" | "v8.0" => "v8".to_owned(),
                "9" | "9.0" | "v9.0" => "v9".to_owned(),
                v => numbered(v),
            };
            ("arm64".to_owned(), variant)
        }
        "armhf" => ("arm".to_owned(), "v7".to_owned()),
        "armel" => ("arm".to_owned(), "v6".to_owned()),
        "arm" => ("arm".to_owned(), if variant.is_empty() { "v7".to_owned() } else { numbered(&variant) }),
        _ => (arch, variant),
    };
    (arch, Some(variant).filter(|v| !v.is_empty()))
}

/// `have` equals `wanted` or extends it by whole dot-separated parts.
fn version_has_prefix(have: &str, wanted: &str) -> bool {
    have == wanted || have.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('.'))
}
