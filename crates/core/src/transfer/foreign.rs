//! Fetching a foreign layer from the `urls` in its descriptor — only when the policy allows it,
//! and only after the source registry itself could not serve the blob.
//!
//! Those URLs come from the manifest, i.e. from whoever wrote the image, so they are treated as
//! hostile: https only, no credentials (neither the registry's nor any in the URL), and never a
//! loopback, private, link-local or metadata address (classified as the proxy classifies them)
//! — checked again on every redirect. The check sees the URL only: a public name that resolves
//! to a private address is the shell's transport's business.
//!
//! A url the user mapped to a mirror of their own ([`ForeignMirrors`]) is judged all the same,
//! then fetched from the mirror, which is exempt from the judgement (the user chose it), as are
//! its redirects within its own origin; a redirect leaving it is judged again.

use std::net::IpAddr;

use url::{Host, Url};

use super::foreign_mirror::{ForeignMirrors, on_mirror};
use crate::digest::Digest;
use crate::proxy::{AddressClass, classify};
use crate::registry::body::read_prefix;
use crate::registry::errors::{ERROR_BODY_LIMIT, Error, RegistryError};
use crate::registry::pull::BlobStream;
use crate::registry::upload::resolve_location;
use crate::transport::{Method, Request, Transport};

/// Redirect hops followed for one URL.
const MAX_REDIRECTS: usize = 5;

/// Why a foreign-layer URL is refused, or `Ok` with the parsed URL.
pub fn check_foreign_url(raw: &str) -> Result<Url, Error> {
    let refuse = |reason: &str| Error::UnsafeUrl { url: raw.to_owned(), reason: reason.to_owned() };
    let url = Url::parse(raw).map_err(|e| refuse(&format!("not a URL ({e})")))?;
    if url.scheme() != "https" {
        return Err(refuse("foreign layers are fetched over https only"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("the URL carries credentials"));
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(class) = ip.map(classify).filter(|class| *class != AddressClass::Public) {
        return Err(refuse(&format!("{} is not a public address", class.describe())));
    }
    match url.host() {
        None => return Err(refuse("the URL has no host")),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") || name.ends_with(".internal") {
                return Err(refuse("a local or internal host name"));
            }
            if !name.contains('.') {
                return Err(refuse("a single-label host name (resolved by the local network)"));
            }
        }
        Some(_) => {}
    }
    Ok(url)
}

/// Downloads a foreign layer from the first of its `urls` that serves it — or from the mirror
/// `mirrors` name for it —, without credentials, verified as it streams. Every url, and every
/// redirect hop off a mirror, must pass [`check_foreign_url`].
pub async fn fetch_foreign<T: Transport>(
    transport: &T,
    mirrors: &ForeignMirrors,
    urls: &[String],
    digest: &Digest,
    size: u64,
) -> Result<BlobStream<T::Body>, Error> {
    let mut last_error = Error::UnsafeUrl {
        url: String::new(),
        reason: format!("the foreign layer {digest} lists no urls to fetch it from"),
    };
    for raw in urls {
        match fetch_one(transport, mirrors, raw, digest, size).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

async fn fetch_one<T: Transport>(
    transport: &T,
    mirrors: &ForeignMirrors,
    raw: &str,
    digest: &Digest,
    size: u64,
) -> Result<BlobStream<T::Body>, Error> {
    // The url is judged even when a mirror serves it: the manifest's urls stay https and public.
    let original = check_foreign_url(raw)?;
    let mirrored =
        mirrors.route(&original).map_err(|reason| Error::UnsafeUrl { url: raw.to_owned(), reason })?;
    let Some(mirrored) = mirrored else { return fetch_from(transport, original, None, digest, size).await };
    let stream = fetch_from(transport, mirrored.url.clone(), Some(&mirrored.mirror), digest, size)
        .await
        .map_err(|source| Error::Mirror {
            mirror: mirrored.url.to_string(),
            url: original.to_string(),
            source: Box::new(source),
        })?;
    Ok(stream.mirrored_for(&original))
}

/// GETs `url`, following redirects; hops on `mirror`'s origin are exempt from the url rules.
async fn fetch_from<T: Transport>(
    transport: &T,
    mut url: Url,
    mirror: Option<&Url>,
    digest: &Digest,
    size: u64,
) -> Result<BlobStream<T::Body>, Error> {
    for _ in 0..=MAX_REDIRECTS {
        let mut response = transport
            .send(Request::new(Method::Get, url.as_str()))
            .await
            .map_err(|source| Error::Transport { method: Method::Get, url: url.to_string(), source })?;
        match response.status {
            200 => return Ok(BlobStream::new(response.body, url, digest.clone(), Some(size))),
            301..=303 | 307 | 308 => {
                let next = resolve_location(&url, response.header("Location"))
                    .map_err(|source| Error::Upload { method: Method::Get, url: url.to_string(), source })?;
                url = match mirror {
                    Some(mirror) if on_mirror(mirror, &next) => next,
                    _ => check_foreign_url(next.as_str())?,
                };
            }
            status => {
                let body = read_prefix(&mut response.body, ERROR_BODY_LIMIT).await.unwrap_or_default();
                return Err(Error::Registry(Box::new(RegistryError::from_response(
                    Method::Get,
                    url.as_str(),
                    status,
                    &response.headers,
                    &body,
                ))));
            }
        }
    }
    Err(Error::Protocol {
        method: Method::Get,
        url: url.to_string(),
        what: format!("more than {MAX_REDIRECTS} redirects"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        matches!(check_foreign_url(url), Err(Error::UnsafeUrl { .. }))
    }

    #[test]
    fn public_https_urls_pass() {
        for ok in [
            "https://go.microsoft.com/fwlink/?linkid=837858",
            "https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:ab",
            "https://8.8.8.8/blob",
            "https://[2606:4700::1111]/blob",
            "https://example.com./x",
        ] {
            assert!(check_foreign_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn dangerous_urls_are_refused() {
        for bad in [
            "http://go.microsoft.com/x",
            "ftp://example.com/x",
            "https://user:pw@example.com/x",
            "https://localhost/x",
            "https://registry.localhost/x",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://intranet/x",
            "https://127.0.0.1:5000/v2/",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "not a url",
        ] {
            assert!(refused(bad), "{bad} should be refused");
        }
        // Decimal and hex IPv4 spellings are normalised by the URL parser, so they are caught too.
        assert!(refused("https://2130706433/x"));
        assert!(refused("https://0x7f.0.0.1/x"));
    }

    #[test]
    fn embedded_ipv4_and_metadata_are_refused_too() {
        assert!(refused("https://[64:ff9b::a00:1]/x"), "NAT64 to 10.0.0.1");
        assert!(refused("https://[2002:7f00:1::]/x"), "6to4 via 127.0.0.1");
        let e = check_foreign_url("https://169.254.169.254/latest/").unwrap_err();
        assert!(e.to_string().contains("metadata"), "{e}");
    }
}
