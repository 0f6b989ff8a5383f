//! The fault proxy against a minimal HTTP/1.1 upstream that answers each request with the
//! number of body bytes it received: each fault happens as asked, and everything else passes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use retort_dev_tools::fault_proxy::{FaultProxy, Faults};

/// Answers `got <n>` to every request, keeping connections open; counts whole requests.
fn upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut conn = conn;
                while let Some(length) = read_head(&mut reader) {
                    let mut body = vec![0u8; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let answer = format!("got {length}");
                    let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{answer}", answer.len());
                    if conn.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, served)
}

/// The Content-Length of the next request or answer, `None` at the end of the connection.
fn read_head(reader: &mut impl BufRead) -> Option<usize> {
    let mut length = 0;
    let mut started = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line.trim().is_empty() && started {
            return Some(length);
        }
        started = true;
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
    }
}

/// Sends one request with a body of `body` bytes on `conn`; the status and the answer's body.
fn request(conn: &mut TcpStream, body: usize) -> std::io::Result<(u16, String)> {
    let head = format!("PUT /bucket/key HTTP/1.1\r\nHost: test\r\nContent-Length: {body}\r\n\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(&vec![b'x'; body])?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut answer = vec![0u8; length];
    reader.read_exact(&mut answer)?;
    Ok((status, String::from_utf8_lossy(&answer).into_owned()))
}

fn connect(proxy: &FaultProxy) -> TcpStream {
    let conn = TcpStream::connect(proxy.addr()).expect("connect to the proxy");
    conn.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    conn
}

#[test]
fn without_faults_requests_pass_unchanged() {
    let (addr, served) = upstream();
    let proxy = FaultProxy::start(addr, Faults::default()).expect("proxy");
    let mut conn = connect(&proxy);
    assert_eq!(request(&mut conn, 10).expect("first"), (200, "got 10".into()));
    assert_eq!(request(&mut conn, 70_000).expect("second, same connection"), (200, "got 70000".into()));
    assert_eq!(proxy.stats().requests, 2);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[test]
fn the_first_requests_get_the_error_status_and_never_reach_upstream() {
    let (addr, served) = upstream();
    let proxy = FaultProxy::start(addr, Faults::default().fail_first(2, 503)).expect("proxy");
    for _ in 0..2 {
        let (status, body) = request(&mut connect(&proxy), 100).expect("answered");
        assert_eq!(status, 503);
        assert!(body.contains("<Code>SlowDown</Code>"), "{body}");
    }
    assert_eq!(request(&mut connect(&proxy), 100).expect("third"), (200, "got 100".into()));
    assert_eq!(proxy.stats().injected_errors, 2);
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
fn long_requests_are_reset_partway_after_the_spare_ones() {
    let (addr, served) = upstream();
    let proxy = FaultProxy::start(addr, Faults::default().reset_after(1000, 1)).expect("proxy");
    let mut conn = connect(&proxy);
    assert_eq!(request(&mut conn, 100).expect("short"), (200, "got 100".into()));
    assert_eq!(request(&mut conn, 5000).expect("the spare long one"), (200, "got 5000".into()));
    let err = request(&mut conn, 5000).expect_err("the next long one is cut off");
    assert!(matches!(err.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe), "{err:?}");
    assert_eq!(proxy.stats().resets, 1);
    assert_eq!(served.load(Ordering::SeqCst), 2, "upstream never got the cut request whole");
}

#[test]
fn responses_are_held_back() {
    let (addr, _) = upstream();
    let delay = Duration::from_millis(300);
    let proxy = FaultProxy::start(addr, Faults::default().delay_responses(delay)).expect("proxy");
    let mut conn = connect(&proxy);
    for _ in 0..2 {
        let start = Instant::now();
        assert_eq!(request(&mut conn, 10).expect("answered"), (200, "got 10".into()));
        assert!(start.elapsed() >= delay, "answered after {:?}", start.elapsed());
    }
}
