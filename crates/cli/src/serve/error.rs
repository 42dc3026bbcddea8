//! Why `waybill serve` could not start or keep running.

use std::net::SocketAddr;
use std::path::PathBuf;

use waybill_core::proxy::ConfigError;

/// A failure to start or run the server; each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration file could not be read.
    #[error("could not read the configuration file {path}: {source}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has unknown keys in [proxy].
    #[error("the configuration file {path} is not valid: {source}")]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// The TOML error, with line and column.
        source: toml::de::Error,
    },
    /// A [serve] limit is out of its range.
    #[error("the configuration file {path}: [serve] {key} must be between 1 and {max}")]
    LimitOutOfRange {
        /// The file.
        path: PathBuf,
        /// The key.
        key: &'static str,
        /// The largest value it may have.
        max: u64,
    },
    /// A [proxy] entry cannot be used.
    #[error("{source}")]
    Policy {
        /// The entry and what is wrong with it.
        source: ConfigError,
    },
    /// The listen address is taken or not ours.
    #[error(
        "could not listen on {addr}: {source} (is another server running there? choose another with --listen)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The upstream HTTP client could not be built (e.g. no TLS root certificates).
    #[error("could not set up the upstream HTTP client: {source}")]
    Client {
        /// reqwest's error.
        source: reqwest::Error,
    },
}
