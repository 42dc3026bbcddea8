//! One module per command.

pub mod archive;
pub mod audit;
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

use waybill_core::transfer::foreign_mirror::ForeignMirrors;

use crate::args::NetworkArgs;
use crate::failure::Failure;
use crate::transport::{NativeTransport, read_ca_file};

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
        Context::with_mirrors(network, &ForeignMirrors::default())
    }

    /// The HTTP client for these network options, which may also speak plain HTTP to the
    /// `http://` mirrors the user named (to no registry on them unless `--plain-http` says so).
    pub fn with_mirrors(network: &NetworkArgs, mirrors: &ForeignMirrors) -> Result<Context, Failure> {
        let timeout = Duration::from_secs(network.timeout);
        let roots = match &network.ca_file {
            Some(path) => read_ca_file(path).map_err(Failure::error)?,
            None => Vec::new(),
        };
        let mut plain_http = network.plain_http.clone();
        plain_http.extend(mirrors.plain_http_hosts());
        let transport = NativeTransport::new(plain_http, timeout, roots).map_err(Failure::error)?;
        Ok(Context { transport, plain_http: network.plain_http.clone() })
    }
}
