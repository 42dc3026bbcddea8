//! `waybill serve` against what a hostile client sends it directly, with no upstream involved:
//! requests that do not say which host they are for, and paths to links out of the app folder.
//! Needs no registry.

mod support;

use std::os::unix::fs::symlink;
use std::path::Path;

use support::serve::{Launch, Server, error_of, raw_exchange, raw_request};

const CONFIG: &str = "[proxy]\ndefault_hosts = false\nplain_http_hosts = [\"127.0.0.2:5000\"]\n";
const OUTSIDE: &str = "a file next to the app folder, not in it";

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

#[test]
fn links_out_of_the_app_folder_are_not_followed() {
    let prepare = |dist: &Path| {
        let beside = dist.parent().unwrap();
        std::fs::write(beside.join("outside.txt"), OUTSIDE).unwrap();
        symlink(beside.join("outside.txt"), dist.join("outside.txt")).unwrap();
        symlink("/etc/passwd", dist.join("passwd")).unwrap();
        symlink(beside, dist.join("up")).unwrap();
        symlink("app.wasm", dist.join("latest.wasm")).unwrap();
        std::fs::create_dir(dist.join("assets")).unwrap();
        symlink("../index.html", dist.join("assets/start.html")).unwrap();
    };
    let server =
        Server::launch(CONFIG, Launch { prepare_dist: Some(Box::new(prepare)), ..Launch::default() });
    for path in ["/outside.txt", "/%6Futside.txt", "/passwd", "/up/outside.txt", "/up/dist/../outside.txt"] {
        let (status, body) = raw_request(server.addr, "GET", path, &[]);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains(OUTSIDE) && !body.contains("root:"), "{path}: {body}");
    }
    // Links that stay inside the app folder are the app's own files.
    let (status, body) = raw_request(server.addr, "GET", "/latest.wasm", &[]);
    assert_eq!((status, body.as_str()), (200, "\0asm\x01\0\0\0"));
    let (status, body) = raw_request(server.addr, "GET", "/assets/start.html", &[]);
    assert!(status == 200 && body.contains("waybill test app"), "{status}: {body}");
}
