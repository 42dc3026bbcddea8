//! `waybill serve` against clients that hold connections open: a request head sent halfway, a
//! connection left idle, a slowloris of hundreds of half-sent heads against a server short of file
//! descriptors; and requests that stall for longer than both timeouts, which must not be cut.
//! Each timeout under test is 1 s and the others are long, so a connection that closes was closed
//! by the timeout under test. Needs no registry.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use support::serve::{Launch, PATIENCE, Server, client, raw_request, upstream};

/// The timeout a test waits for, in seconds; the others are [`LONG`].
const SHORT: u64 = 1;
const LONG: u64 = 600;

fn config(header_read: u64, keep_alive: u64, max_connections: usize, plain_http_hosts: &[String]) -> String {
    format!(
        "[proxy]\ndefault_hosts = false\nplain_http_hosts = {plain_http_hosts:?}\n\
         [serve]\nheader_read_timeout_secs = {header_read}\nkeep_alive_timeout_secs = {keep_alive}\n\
         max_connections = {max_connections}\n"
    )
}

/// A connection to `server` that has sent `bytes`.
fn connect(server: &Server, bytes: &str) -> TcpStream {
    let mut stream = TcpStream::connect_timeout(&server.addr, PATIENCE)
        .unwrap_or_else(|e| panic!("no connection within {PATIENCE:?} ({e}): the server stopped accepting"));
    stream.write_all(bytes.as_bytes()).unwrap();
    stream
}

/// Reads until the server closes the connection (an end of file or a reset) and returns what it
/// sent; fails when it is still open after [`PATIENCE`].
fn read_until_closed(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Err(e) => panic!(
            "the connection was still open after {PATIENCE:?} ({e}); received {:?}",
            String::from_utf8_lossy(&received)
        ),
    }
    String::from_utf8_lossy(&received).into_owned()
}

#[test]
fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let server = Server::start(&config(SHORT, LONG, 64, &[]));
    let mut stream = connect(&server, &format!("GET / HTTP/1.1\r\nHost: {}\r\nX-Slow: ", server.addr));
    let received = read_until_closed(&mut stream);
    assert!(!received.contains(" 200 "), "{received}");
}

#[test]
fn idle_connections_are_closed_after_the_keep_alive_timeout() {
    let server = Server::start(&config(LONG, SHORT, 64, &[]));
    let mut silent = connect(&server, "");
    let mut kept_alive = connect(&server, &format!("HEAD / HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr));
    assert!(read_until_closed(&mut silent).is_empty());
    let received = read_until_closed(&mut kept_alive);
    assert!(received.starts_with("HTTP/1.1 200 "), "the request is answered first: {received}");
}

#[test]
fn a_slowloris_does_not_keep_the_app_from_being_served() {
    // Fewer descriptors than the slowloris has connections: without a cap and timeouts, the server
    // runs out of descriptors and never accepts the real request.
    let launch = Launch { max_open_files: Some(200), ..Launch::default() };
    let server = Server::launch(&config(SHORT, SHORT, 100, &[]), launch);
    let head = format!("GET / HTTP/1.1\r\nHost: {}\r\nX-Slow: ", server.addr);
    let slowloris: Vec<TcpStream> = (0..400).map(|_| connect(&server, &head)).collect();
    let (status, body) = raw_request(server.addr, "GET", "/", &[]);
    assert!(status == 200 && body.contains("waybill test app"), "{status}: {body}");
    drop(slowloris);
    server.wait_for_log(|l| l.contains("connections are open (max_connections)"));
    assert!(!server.log_text().contains("cannot accept"), "the cap kept the server within its descriptors");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_in_progress_outlast_both_timeouts() {
    const STALL: Duration = Duration::from_secs(3 * SHORT);
    let up = upstream::start().await;
    let config = config(SHORT, SHORT, 64, &[up.a.to_string()]);
    let server = tokio::task::spawn_blocking(move || Server::start(&config)).await.unwrap();

    // An upload that stops between its parts.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let body =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let upload = client()
        .patch(server.url(&format!("/r/{}/v2/stream-in", up.a)))
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let upload = tokio::spawn(upload);
    tx.send(Ok(Bytes::from(vec![3u8; 100_000]))).await.unwrap();
    tokio::time::timeout(PATIENCE, up.signals.first_part_arrived.notified()).await.unwrap();
    tokio::time::sleep(STALL).await;
    tx.send(Ok(Bytes::from(vec![4u8; 50_000]))).await.unwrap();
    drop(tx);
    let r = upload.await.unwrap().unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap().as_str()), (202, "150000"));

    // A download whose upstream stops between its parts.
    let r = client().get(server.url(&format!("/r/{}/v2/stream-out", up.a))).send().await.unwrap();
    let mut stream = r.bytes_stream();
    let first = tokio::time::timeout(PATIENCE, stream.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(&first[..], b"first|");
    tokio::time::sleep(STALL).await;
    up.signals.first_part_received.notify_one();
    let rest: Vec<u8> = stream.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(rest, b"second");
}
