//! From an image reference on the command line to a registry client for it.

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use waybill_core::reference::Reference;
use waybill_core::registry::client::Sleep;
use waybill_core::registry::{Client, Credentials};

use crate::args::{LoginArgs, SourceLoginArgs};
use crate::commands::Context;
use crate::credentials::one_stdin;
use crate::failure::Failure;
use crate::transport::{NativeTransport, scheme_for};

/// A parsed reference and a client for its registry.
pub struct Opened {
    /// The reference as parsed.
    pub reference: Reference,
    /// A client for its registry.
    pub client: Client<NativeTransport>,
}

/// Parses `text` and builds a client for its registry: https, or http for loopback and
/// `--plain-http` hosts.
pub fn open(
    text: &str,
    transport: &NativeTransport,
    plain_http: &[String],
    credentials: Option<Credentials>,
) -> Result<Opened, Failure> {
    let reference = Reference::parse(text).map_err(|e| Failure::error(e.to_string()))?;
    let host = reference.api_host();
    let base = format!("{}://{host}", scheme_for(host, plain_http));
    let clock: Rc<dyn Fn() -> u64> =
        Rc::new(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    // The core's retry rule says how long to wait; tokio's timer waits.
    let sleep: Sleep = Rc::new(|duration| Box::pin(tokio::time::sleep(duration)));
    let client = Client::new(transport.clone(), &base)
        .map_err(|e| Failure::error(e.to_string()))?
        .with_credentials(credentials)
        .with_clock(clock)
        .with_sleep(sleep);
    Ok(Opened { reference, client })
}

/// Opens a source and a destination (images or repositories). The destination's credentials
/// serve the source too when both are on the same host and the source has none of its own.
pub fn open_pair(
    source: &str,
    destination: &str,
    src_login: &SourceLoginArgs,
    dst_login: &LoginArgs,
    context: &Context,
) -> Result<(Opened, Opened), Failure> {
    let (src_login, dst_login) = (src_login.source(), dst_login.source());
    one_stdin(&[&src_login, &dst_login])?;
    let dst_credentials = dst_login.resolve()?;
    let mut src_credentials = src_login.resolve()?;
    let dst = open(destination, &context.transport, &context.plain_http, dst_credentials.clone())?;
    if src_credentials.is_none() {
        let src_host = Reference::parse(source).map(|r| r.api_host().to_owned()).unwrap_or_default();
        if src_host == dst.reference.api_host() {
            src_credentials = dst_credentials;
        }
    }
    let src = open(source, &context.transport, &context.plain_http, src_credentials)?;
    Ok((src, dst))
}
