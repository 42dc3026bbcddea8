//! `waybill serve` against what a hostile client sends it directly, with no upstream involved:
//! requests that do not say which host they are for. Needs no registry.

mod support;

use support::{Server, error_of, raw_exchange, raw_request};

const CONFIG: &str = "[proxy]\ndefault_hosts = false\nplain_http_hosts = [\"127.0.0.2:5000\"]\n";

#[test]
fn a_request_without_one_host_is_refused_on_loopback() {
    let server = Server::start(CONFIG);
    let port = server.addr.port();
    for request in [
        "GET / HTTP/1.0\r\n\r\n".to_owned(),
        "GET /r/127.0.0.2:5000/v2/ HTTP/1.0\r\n\r\n".to_owned(),
        "GET / HTTP/1.1\r\nConnection: close\r\n\r\n".to_owned(),
        format!(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: rebound.example\r\nConnection: close\r\n\r\n"
        ),
    ] {
        let (status, body) = raw_exchange(server.addr, &request);
        assert_eq!(status, 400, "{request:?}: {body}");
        let (code, message) = error_of(&body);
        assert_eq!(code, "PROXY_BAD_HOST_HEADER", "{request:?}");
        assert!(message.contains("DNS rebinding"), "{message}");
    }
    // An absolute-form target names the host as much as `Host` does.
    let target = "http://rebound.example:8080/";
    let (status, body) = raw_request(server.addr, "GET", target, &[]);
    assert_eq!((status, error_of(&body).0.as_str()), (421, "PROXY_MISDIRECTED"), "{body}");
    let (status, body) = raw_request(server.addr, "GET", "/", &[]);
    assert_eq!(status, 200, "a request with its Host is answered: {body}");
}
