//! Real parts on loopback for the end-to-end tests: an S3-protocol server (`s3s-fs`, which checks
//! SigV4 signatures; its guard is retort-dev-tools', shared with the CLI's tests), the Lambda
//! emulator running the real `bootstrap`, and a minimal HTTP/1.1 client. Every process is killed
//! when its guard drops.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// Each test file uses its own part of this module; not every file needs the S3 server.
#[allow(unused_imports)]
pub use retort_dev_tools::s3_server::{aws_env, S3Server, BUCKET};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

pub fn toy_model() -> PathBuf {
    repo_root().join("host-cli/assets/default.retort")
}

/// The seed's samples, committed (fixtures/seed/README.md).
pub fn seed() -> PathBuf {
    repo_root().join("fixtures/seed/deep-synthesis")
}

/// A binary of another workspace crate, from the same build as `bootstrap` (cargo builds the
/// binaries of every package a `cargo test` names before the tests run).
fn sibling_bin(name: &str, package: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_bootstrap")).parent().expect("target dir").to_path_buf();
    let bin = dir.join(name);
    assert!(
        bin.is_file(),
        "{} is missing: build it with these tests (cargo test --release -p retort-lambda -p {package}, or \
         --workspace)",
        bin.display()
    );
    bin
}

/// The `retort` CLI (retort-cli) of the same build.
pub fn retort_bin() -> PathBuf {
    sibling_bin("retort", "retort-cli")
}

/// The local Lambda service (retort-dev-tools) of the same build.
pub fn emulator_bin() -> PathBuf {
    sibling_bin("lambda-emulator", "retort-dev-tools")
}

/// The function's environment for the built-in toy model, AWS pointed nowhere.
pub fn model_env() -> Vec<(String, String)> {
    let mut env = aws_env(None);
    env.push(("MODEL_PATH".into(), toy_model().display().to_string()));
    env
}

pub struct Emulator {
    pub port: u16,
    child: Child,
}

impl Emulator {
    /// Starts the emulator (and through it the real `bootstrap`) with these environment
    /// variables for the function, and extra emulator flags.
    pub fn start(env: &[(String, String)], flags: &[&str]) -> Emulator {
        Self::start_with(Path::new(env!("CARGO_BIN_EXE_bootstrap")), env, flags)
    }

    pub fn start_with(bootstrap: &Path, env: &[(String, String)], flags: &[&str]) -> Emulator {
        let mut cmd = Command::new(emulator_bin());
        cmd.arg("--bootstrap").arg(bootstrap).args(flags);
        for var in
            ["MODEL_PATH", "MODEL_BUCKET", "MODEL_KEY", "OUTPUT_BUCKET", "OUTPUT_THRESHOLD_BYTES", "INLINE_LIMIT_BYTES"]
        {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("start lambda-emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("emulator's port line");
        let port = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["port"].as_u64())
            .unwrap_or_else(|| panic!("the emulator printed {line:?} instead of its port")) as u16;
        Emulator { port, child }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Invokes the function synchronously through the Invoke API.
    pub fn invoke(&self, payload: &[u8]) -> HttpReply {
        http(self.port, "POST", "/2015-03-31/functions/retort/invocations", payload)
    }

    pub fn invoke_json(&self, payload: &serde_json::Value) -> HttpReply {
        self.invoke(payload.to_string().as_bytes())
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_slice(&http(self.port, "GET", "/emulator/stats", b"").body).expect("stats JSON")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // SIGTERM first: the emulator takes its bootstraps down with it.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body[..self.body.len().min(500)]))
        })
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub fn http(port: u16, method: &str, path_and_query: &str, body: &[u8]) -> HttpReply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(300))).expect("timeout");
    let head = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|_| s.write_all(body)).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read reply");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status line");
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    HttpReply { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

/// GETs an absolute `http://127.0.0.1:<port>/...` URL (a presigned URL from the local S3).
pub fn get_url(url: &str) -> HttpReply {
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap_or_else(|| panic!("not a loopback URL: {url}"));
    let (port, path) = rest.split_at(rest.find('/').expect("path"));
    http(port.parse().expect("port"), "GET", path, b"")
}
