//! A TCP proxy for HTTP/1.1 that misbehaves on request, for testing clients against failing
//! servers (S3 here; any HTTP service): it can reset the connection partway through a long
//! request, answer the first requests with an error status instead of forwarding them, and
//! hold responses back. Everything else passes through unchanged, byte for byte.
//!
//! ```no_run
//! # use retort_dev_tools::fault_proxy::{FaultProxy, Faults};
//! # let upstream: std::net::SocketAddr = "127.0.0.1:9000".parse().unwrap();
//! let proxy = FaultProxy::start(upstream, Faults::default().fail_first(2, 503)).unwrap();
//! // point the client at proxy.endpoint() ...
//! assert_eq!(proxy.stats().injected_errors, 2);
//! ```
//!
//! It reads each request's head to count requests and find where the body ends
//! (`Content-Length`); a connection that sends a `Transfer-Encoding: chunked` body is passed
//! through untouched from then on. One request at a time per connection (no pipelining), as
//! the AWS SDKs and every common client send them.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What goes wrong. The default is nothing: a plain proxy.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    fail_first: usize,
    fail_status: u16,
    reset_after_bytes: Option<u64>,
    reset_spare: usize,
    response_delay: Duration,
}

impl Faults {
    /// Answers the first `requests` requests with `status` (S3's XML error body, code
    /// `SlowDown` for 503, `InternalError` otherwise) and closes their connections, without
    /// forwarding them.
    pub fn fail_first(mut self, requests: usize, status: u16) -> Faults {
        self.fail_first = requests;
        self.fail_status = status;
        self
    }

    /// Resets the connection (TCP RST) once a request has sent `bytes` bytes, head included,
    /// except for the first `spare` requests that long, which pass. Shorter requests always pass.
    pub fn reset_after(mut self, bytes: u64, spare: usize) -> Faults {
        self.reset_after_bytes = Some(bytes);
        self.reset_spare = spare;
        self
    }

    /// Holds each response back this long before forwarding its first byte.
    pub fn delay_responses(mut self, delay: Duration) -> Faults {
        self.response_delay = delay;
        self
    }
}

/// What the proxy has seen and done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests whose head arrived (injected errors and resets included).
    pub requests: usize,
    pub injected_errors: usize,
    pub resets: usize,
}

#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    injected_errors: AtomicUsize,
    resets: AtomicUsize,
    /// Requests at least `reset_after_bytes` long so far (the spare ones included).
    long_requests: AtomicUsize,
}

/// The running proxy, on 127.0.0.1; dropping it stops accepting connections.
pub struct FaultProxy {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub fn start(upstream: SocketAddr, faults: Faults) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s, f) = (counters.clone(), stop.clone(), Arc::new(faults));
        let acceptor = std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let (c, f) = (c.clone(), f.clone());
                std::thread::spawn(move || {
                    // A connection's end, orderly or not, is the client's business.
                    let _ = Connection { upstream, faults: f, counters: c }.serve(client);
                });
            }
        });
        Ok(FaultProxy { addr, counters, stop, acceptor: Some(acceptor) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, for a client's endpoint setting.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.counters.requests.load(Ordering::SeqCst),
            injected_errors: self.counters.injected_errors.load(Ordering::SeqCst),
            resets: self.counters.resets.load(Ordering::SeqCst),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

struct Connection {
    upstream: SocketAddr,
    faults: Arc<Faults>,
    counters: Arc<Counters>,
}

/// A request's head as it arrived, and what the proxy needs of it.
struct Head {
    raw: Vec<u8>,
    content_length: u64,
    chunked: bool,
    expects_continue: bool,
}

impl Connection {
    fn serve(self, client: TcpStream) -> io::Result<()> {
        let mut reader = BufReader::new(client.try_clone()?);
        let mut upstream: Option<TcpStream> = None;
        let forwarded = Arc::new(AtomicUsize::new(0));
        let resetting = Arc::new(AtomicBool::new(false));
        loop {
            let Some(head) = read_head(&mut reader)? else {
                return Ok(());
            };
            let index = self.counters.requests.fetch_add(1, Ordering::SeqCst);
            if index < self.faults.fail_first {
                self.counters.injected_errors.fetch_add(1, Ordering::SeqCst);
                if !head.expects_continue {
                    io::copy(&mut (&mut reader).take(head.content_length), &mut io::sink())?;
                }
                (&client).write_all(&error_response(self.faults.fail_status))?;
                return client.shutdown(Shutdown::Both);
            }
            let up = match upstream.as_mut() {
                Some(up) => up,
                None => {
                    let up = TcpStream::connect(self.upstream)?;
                    let (from, to) = (up.try_clone()?, client.try_clone()?);
                    let (delay, forwarded, resetting) =
                        (self.faults.response_delay, forwarded.clone(), resetting.clone());
                    std::thread::spawn(move || pump_responses(from, to, delay, &forwarded, &resetting));
                    upstream.insert(up)
                }
            };
            forwarded.fetch_add(1, Ordering::SeqCst);
            if head.chunked {
                // Where such a body ends is not worth parsing here: pass the rest through.
                up.write_all(&head.raw)?;
                io::copy(&mut reader, up)?;
                return up.shutdown(Shutdown::Write);
            }
            let length = head.raw.len() as u64 + head.content_length;
            let cut = self
                .faults
                .reset_after_bytes
                .filter(|&n| length >= n)
                .filter(|_| self.counters.long_requests.fetch_add(1, Ordering::SeqCst) >= self.faults.reset_spare);
            match cut {
                None => {
                    up.write_all(&head.raw)?;
                    io::copy(&mut (&mut reader).take(head.content_length), up)?;
                }
                Some(n) => {
                    let (head_part, body_part) = match usize::try_from(n).ok().filter(|&n| n < head.raw.len()) {
                        Some(n) => (&head.raw[..n], 0),
                        None => (&head.raw[..], n - head.raw.len() as u64),
                    };
                    up.write_all(head_part)?;
                    io::copy(&mut (&mut reader).take(body_part), up)?;
                    self.counters.resets.fetch_add(1, Ordering::SeqCst);
                    resetting.store(true, Ordering::SeqCst);
                    return reset(&client, &*up);
                }
            }
        }
    }
}

/// Drops the connection with a TCP RST (linger 0), as a crashed peer or a middlebox does, and
/// the upstream side with it.
fn reset(client: &TcpStream, upstream: &TcpStream) -> io::Result<()> {
    socket2::SockRef::from(client).set_linger(Some(Duration::ZERO))?;
    // The response pump holds a clone of the client socket; closing upstream ends it (without
    // the orderly FIN it sends otherwise), and the last close sends the RST.
    upstream.shutdown(Shutdown::Both)
}

/// Copies upstream's answers to the client, holding back the first bytes after each newly
/// forwarded request by `delay`. When upstream closes, so does the client's side, in order,
/// unless the connection is being reset.
fn pump_responses(
    mut from: TcpStream,
    mut to: TcpStream,
    delay: Duration,
    forwarded: &AtomicUsize,
    resetting: &AtomicBool,
) {
    let mut delayed = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let requests = forwarded.load(Ordering::SeqCst);
        if !delay.is_zero() && requests > delayed {
            std::thread::sleep(delay);
            delayed = requests;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    if !resetting.load(Ordering::SeqCst) {
        let _ = to.shutdown(Shutdown::Write);
    }
}

/// Reads a request head up to its blank line; `None` when the client closed between requests.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut raw = Vec::new();
    let mut head = Head { raw: Vec::new(), content_length: 0, chunked: false, expects_continue: false };
    loop {
        let start = raw.len();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            return if raw.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the request head was cut short"))
            };
        }
        let line = String::from_utf8_lossy(&raw[start..]).trim().to_ascii_lowercase();
        if line.is_empty() {
            head.raw = raw;
            return Ok(Some(head));
        }
        if let Some((name, value)) = line.split_once(':') {
            match (name.trim(), value.trim()) {
                ("content-length", v) => {
                    head.content_length = v
                        .parse()
                        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad Content-Length {v:?}")))?
                }
                ("transfer-encoding", v) => head.chunked = v.contains("chunked"),
                ("expect", v) => head.expects_continue = v == "100-continue",
                _ => {}
            }
        }
    }
}

/// An error answer in S3's XML form, so an S3 client classifies it as S3 would.
fn error_response(status: u16) -> Vec<u8> {
    let (code, reason) = match status {
        503 => ("SlowDown", "Service Unavailable"),
        500 => ("InternalError", "Internal Server Error"),
        _ => ("InternalError", "Injected Error"),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by \
         the fault proxy</Message></Error>"
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: \
         close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
