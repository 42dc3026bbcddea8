//! Where a request goes after a redirect, and where a registry's credentials may follow it: the
//! client follows redirects itself (transports never do) so that `Authorization` is dropped
//! whenever a hop leaves the registry (invariant 4).

use url::Url;

use super::errors::Error;
use super::upload::resolve_location;
use crate::transport::{Method, Request, Response};

/// Redirect hops followed before giving up.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// Whether `url` lies under `base`: same origin (scheme, host, port) and a path at or below
/// base's path. Through the proxy, `http://p/r/ghcr.io` covers `http://p/r/ghcr.io/v2/...` but
/// not `http://p/r/pkg-containers.githubusercontent.com/...`, the CDN a blob redirects to.
pub fn under_base(base: &Url, url: &Url) -> bool {
    if url.origin() != base.origin() {
        return false;
    }
    let prefix = base.path().trim_end_matches('/');
    prefix.is_empty() || url.path() == prefix || url.path().starts_with(&format!("{prefix}/"))
}

/// Where a redirect points, if this response is one the request should follow.
pub(crate) fn redirect_target<C, B>(
    request: &Request<C>,
    url: &Url,
    response: &Response<B>,
) -> Result<Option<Url>, Error> {
    let follows = match response.status {
        301..=303 => matches!(request.method, Method::Get | Method::Head),
        307 | 308 => true,
        _ => false,
    };
    if !follows {
        return Ok(None);
    }
    resolve_location(url, response.header("location")).map(Some).map_err(|source| Error::Upload {
        method: request.method,
        url: url.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Method, Request, Response};

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn credentials_stay_under_the_base() {
        let hub = url("https://registry-1.docker.io");
        assert!(under_base(&hub, &url("https://registry-1.docker.io/v2/library/ubuntu/blobs/sha256:ab")));
        assert!(!under_base(&hub, &url("https://production.cloudflare.docker.com/registry-v2/blobs/x")));
        assert!(!under_base(&hub, &url("http://registry-1.docker.io/v2/")), "scheme change");
        assert!(!under_base(&hub, &url("https://registry-1.docker.io:444/v2/")), "port change");
        let pulp = url("http://127.0.0.1:24817");
        assert!(!under_base(&pulp, &url("http://127.0.0.1:24816/pulp/container/a/blobs/sha256:ab")));
        let proxied = url("http://127.0.0.1:8080/r/ghcr.io");
        assert!(under_base(&proxied, &url("http://127.0.0.1:8080/r/ghcr.io/v2/o/i/manifests/1")));
        assert!(!under_base(&proxied, &url("http://127.0.0.1:8080/r/ghcr.io.evil/v2/")));
        assert!(!under_base(
            &proxied,
            &url("http://127.0.0.1:8080/r/pkg-containers.githubusercontent.com/x")
        ));
    }

    #[test]
    fn redirects_followed_by_method_and_status() {
        let here = url("http://127.0.0.1:24817/v2/a/blobs/sha256:ab");
        let response = |status: u16, location: Option<&str>| Response {
            status,
            headers: location.map(|l| vec![("Location".to_owned(), l.to_owned())]).unwrap_or_default(),
            body: (),
        };
        let get: Request<()> = Request::new(Method::Get, here.as_str());
        let put: Request<()> = Request::new(Method::Put, here.as_str());
        let target =
            redirect_target(&get, &here, &response(302, Some("http://127.0.0.1:24816/pulp/container/a/x")));
        assert_eq!(target.unwrap().unwrap().as_str(), "http://127.0.0.1:24816/pulp/container/a/x");
        let relative = redirect_target(&get, &here, &response(307, Some("/elsewhere"))).unwrap().unwrap();
        assert_eq!(relative.as_str(), "http://127.0.0.1:24817/elsewhere");
        assert_eq!(redirect_target(&put, &here, &response(302, Some("/x"))).unwrap(), None);
        assert!(redirect_target(&put, &here, &response(308, Some("/x"))).unwrap().is_some());
        assert_eq!(redirect_target(&get, &here, &response(200, Some("/x"))).unwrap(), None);
        assert!(redirect_target(&get, &here, &response(302, None)).is_err());
    }
}
