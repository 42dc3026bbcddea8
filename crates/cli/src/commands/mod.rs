//! One module per command.

pub mod archive;
pub mod cat;
pub mod copy;
pub mod diff;
pub mod inspect;
pub mod load;
pub mod ls;
pub mod push;
pub mod save;
pub mod sync;
pub mod tags;
pub mod verify;

use std::time::Duration;

use crate::args::NetworkArgs;
use crate::failure::Failure;
use crate::transport::NativeTransport;

/// What every registry command needs.
pub struct Context {
    /// The shared HTTP client.
    pub transport: NativeTransport,
    /// Hosts allowed over plain HTTP besides loopback.
    pub plain_http: Vec<String>,
}

impl Context {
    /// The HTTP client for these network options.
    pub fn new(network: &NetworkArgs) -> Result<Context, Failure> {
        let timeout = Duration::from_secs(network.timeout);
        let transport = NativeTransport::new(network.plain_http.clone(), timeout).map_err(Failure::error)?;
        Ok(Context { transport, plain_http: network.plain_http.clone() })
    }
}
