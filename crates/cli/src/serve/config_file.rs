//! `waybill.toml`: the `[proxy]` table becomes the core's `ProxyConfig`.
//!
//! Other tables belong to other commands and are ignored here; unknown keys inside `[proxy]` are
//! errors (a misspelt `allowed_host` must not silently leave a registry out).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use waybill_core::proxy::ProxyConfig;

use super::error::ServeError;

/// The file used when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "waybill.toml";

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    proxy: ProxyConfig,
}

/// Reads the configuration: the given file (which must exist), else `waybill.toml` when present,
/// else the defaults.
pub fn load(path: Option<&Path>) -> Result<ProxyConfig, ServeError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_CONFIG_FILE).exists() => PathBuf::from(DEFAULT_CONFIG_FILE),
        None => return Ok(ProxyConfig::default()),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|source| ServeError::ConfigRead { path: path.clone(), source })?;
    parse(&text).map_err(|source| ServeError::ConfigParse { path, source })
}

fn parse(text: &str) -> Result<ProxyConfig, toml::de::Error> {
    toml::from_str::<ConfigFile>(text).map(|f| f.proxy)
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
        .unwrap();
        assert!(!c.default_hosts);
        assert_eq!(c.plain_http_hosts, ["127.0.0.1:5200"]);
        assert_eq!(c.allowed_origins, ["http://127.0.0.1:9000"]);
        assert_eq!(c.max_request_body, 1024);
        assert_eq!(c.max_redirects, ProxyConfig::default().max_redirects);
    }

    #[test]
    fn empty_file_is_the_default_and_typos_are_errors() {
        assert_eq!(parse("").unwrap(), ProxyConfig::default());
        let e = parse("[proxy]\nallowed_host = [\"x\"]\n").unwrap_err();
        assert!(e.to_string().contains("allowed_host"), "{e}");
    }

    #[test]
    fn an_explicit_missing_file_is_an_error() {
        let e = load(Some(Path::new("/nonexistent/waybill.toml"))).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/waybill.toml"), "{e}");
    }
}
