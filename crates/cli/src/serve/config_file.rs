//! `waybill.toml`: the `[proxy]` table becomes the core's `ProxyConfig`, the `[serve]` table the
//! server's [`ConnectionLimits`].
//!
//! Other tables belong to other commands and are ignored here; unknown keys inside `[proxy]` and
//! `[serve]` are errors (a misspelt `allowed_host` must not silently leave a registry out).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use waybill_core::proxy::ProxyConfig;

use super::error::ServeError;

/// The file used when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "waybill.toml";

/// What `waybill serve` reads from the file.
#[derive(Deserialize, Default, Debug, PartialEq)]
pub struct ConfigFile {
    /// The proxy's policy.
    #[serde(default)]
    pub proxy: ProxyConfig,
    /// How long connections may wait and how many may be open.
    #[serde(default)]
    pub serve: ConnectionLimits,
}

/// `[serve]`: the limits that keep clients which hold connections open (a slowloris, forgotten
/// keep-alives) from using up the server's file descriptors. See docs/proxy.md.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Once a request head has begun, the rest must arrive within this many seconds.
    pub header_read_timeout_secs: u64,
    /// A connection waiting for a request head (just opened, or after an answer) is closed when
    /// the head is not complete within this many seconds.
    pub keep_alive_timeout_secs: u64,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    /// Browsers send a head in one packet and reuse an idle connection within seconds; 512
    /// connections hold several hundred stalled clients while a browser is still served, and stay
    /// within a 1024-descriptor `ulimit -n` unless most of them are proxying at the same time.
    fn default() -> ConnectionLimits {
        ConnectionLimits { header_read_timeout_secs: 10, keep_alive_timeout_secs: 30, max_connections: 512 }
    }
}

/// Reads the configuration: the given file (which must exist), else `waybill.toml` when present,
/// else the defaults.
pub fn load(path: Option<&Path>) -> Result<ConfigFile, ServeError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_CONFIG_FILE).exists() => PathBuf::from(DEFAULT_CONFIG_FILE),
        None => return Ok(ConfigFile::default()),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|source| ServeError::ConfigRead { path: path.clone(), source })?;
    let config = parse(&text).map_err(|source| ServeError::ConfigParse { path: path.clone(), source })?;
    match out_of_range(&config.serve) {
        Some((key, max)) => Err(ServeError::LimitOutOfRange { path, key, max }),
        None => Ok(config),
    }
}

fn parse(text: &str) -> Result<ConfigFile, toml::de::Error> {
    toml::from_str::<ConfigFile>(text)
}

/// The longest timeout: a day is already no limit, and deadlines must not overflow.
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// The most connections: far beyond any descriptor limit, well within the semaphore's.
const MAX_CONNECTIONS: u64 = 1_000_000;

/// The `[serve]` key out of its range, and the range's top. 0 would close every connection at
/// once or accept none.
fn out_of_range(limits: &ConnectionLimits) -> Option<(&'static str, u64)> {
    [
        ("header_read_timeout_secs", limits.header_read_timeout_secs, MAX_TIMEOUT_SECS),
        ("keep_alive_timeout_secs", limits.keep_alive_timeout_secs, MAX_TIMEOUT_SECS),
        ("max_connections", limits.max_connections as u64, MAX_CONNECTIONS),
    ]
    .into_iter()
    .find(|(_, value, max)| !(1..=*max).contains(value))
    .map(|(key, _, max)| (key, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_table_and_other_tables() {
        let c = parse(
            r#"
            [push]
            chunk_size = 1
            [proxy]
            default_hosts = false
            plain_http_hosts = ["127.0.0.1:5200"]
            allowed_origins = ["http://127.0.0.1:9000"]
            max_request_body = 1024
            "#,
        )
        .unwrap()
        .proxy;
        assert!(!c.default_hosts);
        assert_eq!(c.plain_http_hosts, ["127.0.0.1:5200"]);
        assert_eq!(c.allowed_origins, ["http://127.0.0.1:9000"]);
        assert_eq!(c.max_request_body, 1024);
        assert_eq!(c.max_redirects, ProxyConfig::default().max_redirects);
    }

    #[test]
    fn empty_file_is_the_default_and_typos_are_errors() {
        assert_eq!(parse("").unwrap(), ConfigFile::default());
        let e = parse("[proxy]\nallowed_host = [\"x\"]\n").unwrap_err();
        assert!(e.to_string().contains("allowed_host"), "{e}");
        let e = parse("[serve]\nidle_timeout_secs = 5\n").unwrap_err();
        assert!(e.to_string().contains("idle_timeout_secs"), "{e}");
    }

    #[test]
    fn serve_limits_default_to_at_most_30_s_and_stay_in_range() {
        let limits = parse("[serve]\nmax_connections = 64\n").unwrap().serve;
        assert_eq!(limits.max_connections, 64);
        assert!(limits.header_read_timeout_secs <= 30 && limits.keep_alive_timeout_secs <= 30);
        assert_eq!(out_of_range(&limits), None);
        let zero = parse("[serve]\nkeep_alive_timeout_secs = 0\n").unwrap().serve;
        assert_eq!(out_of_range(&zero), Some(("keep_alive_timeout_secs", MAX_TIMEOUT_SECS)));
        let huge = parse("[serve]\nheader_read_timeout_secs = 18446744073709551615\n").unwrap().serve;
        assert_eq!(out_of_range(&huge), Some(("header_read_timeout_secs", MAX_TIMEOUT_SECS)));
    }

    #[test]
    fn an_explicit_missing_file_is_an_error() {
        let e = load(Some(Path::new("/nonexistent/waybill.toml"))).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/waybill.toml"), "{e}");
    }
}
