//! One module per command.

pub mod copy;
pub mod inspect;
pub mod verify;

use crate::transport::NativeTransport;

/// What every network command needs.
pub struct Context {
    /// The shared HTTP client.
    pub transport: NativeTransport,
    /// Hosts allowed over plain HTTP besides loopback.
    pub plain_http: Vec<String>,
}
