//! `music-gen serve` against clients that misbehave on the socket: a
//! client that trickles its headers (slowloris) or connects and says
//! nothing is cut off, and the server keeps answering the others.

mod serve_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serve_support::start;

/// Reads until the server closes the connection, or `limit`; how long that
/// took, or `None` if it was still open.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 512];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(start.elapsed());
            }
            Err(_) => return None,
        }
    }
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let server = start();
    // Half a request, then silence; a connection that sends nothing; and
    // one that trickles a header byte every second, which an idle timer
    // alone would never cut.
    let mut partial = TcpStream::connect(&server.addr).unwrap();
    partial
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut silent = TcpStream::connect(&server.addr).unwrap();
    let trickler = {
        let addr = server.addr.clone();
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(&addr).unwrap();
            let start = Instant::now();
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nX-Slow: ");
            while start.elapsed() < Duration::from_secs(30) {
                if s.write_all(b"a").is_err() {
                    return Some(start.elapsed());
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            None
        })
    };
    for (name, stream) in [("partial", &mut partial), ("silent", &mut silent)] {
        let took = closed_within(stream, Duration::from_secs(25));
        assert!(
            took.is_some(),
            "the {name} connection was still open after 25 s"
        );
    }
    let took = trickler.join().unwrap();
    assert!(
        took.is_some(),
        "the trickling connection was still open after 30 s"
    );
    // The server still answers.
    let (status, _) = server.get("/health");
    assert_eq!(status, 200);
}
