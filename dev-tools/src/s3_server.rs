//! A real S3-protocol server on loopback for tests: this crate's `s3-server` binary (`s3s` with
//! the `s3s-fs` store, which checks SigV4 signatures, presigned URLs included) over a directory,
//! killed when its guard drops, and the environment an AWS client needs to reach it and nothing
//! else.
//!
//! Test fixtures: the functions panic with a message saying what is missing, which is the
//! test's failure.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ACCESS_KEY: &str = "AKRETORTTEST";
pub const SECRET_KEY: &str = "SKRETORTTESTSECRET";
pub const BUCKET: &str = "retort-out";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening ({status})");
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{what} did not listen on {port} within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `s3-server` binary of the same build as the running test: test executables live in
/// `target/<profile>/deps/`, the workspace's binaries one level up (`cargo test --workspace`
/// builds them, as this crate has integration tests). `$RETORT_S3_SERVER` overrides.
fn s3_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("RETORT_S3_SERVER") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let bin = profile_dir.join("s3-server");
    assert!(
        bin.is_file(),
        "{} is missing: build it with the tests (cargo test --release --workspace, or -p retort-dev-tools)",
        bin.display()
    );
    bin
}

pub struct S3Server {
    pub port: u16,
    pub root: PathBuf,
    child: Child,
}

impl S3Server {
    /// Starts the server over `root` with the bucket [`BUCKET`] (a bucket is a directory under it).
    pub fn start(root: &Path) -> S3Server {
        std::fs::create_dir_all(root.join(BUCKET)).expect("bucket dir");
        Self::start_on(root, free_port())
    }

    pub fn start_on(root: &Path, port: u16) -> S3Server {
        let mut child = Command::new(s3_server_bin())
            .args(["--port", &port.to_string(), "--root"])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start s3-server: {e}"));
        wait_for_port(port, "s3-server", &mut child);
        S3Server { port, root: root.to_path_buf(), child }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Objects in the bucket (relative keys), from the server's directory.
    pub fn objects(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, base, out);
                } else if !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                    out.push(p.strip_prefix(base).expect("under base").to_string_lossy().into_owned());
                }
            }
        }
        let base = self.root.join(BUCKET);
        let mut out = Vec::new();
        walk(&base, &base, &mut out);
        out.sort();
        out
    }

    /// The path of an object of [`BUCKET`] on the server's disk.
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.root.join(BUCKET).join(key)
    }

    /// Multipart uploads in progress (created, neither completed nor aborted). s3s-fs does not
    /// answer ListMultipartUploads; it keeps each upload's record and parts as `.upload…`
    /// files in its root directory.
    pub fn pending_uploads(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".upload"))
            .collect();
        out.sort();
        out
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The environment every AWS client in a test needs: static credentials for s3s-fs, a region,
/// and no reaching out to instance metadata or the user's own AWS files; with a server, its
/// endpoint.
pub fn aws_env(s3: Option<&S3Server>) -> Vec<(String, String)> {
    let mut env = vec![
        ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("AWS_CONFIG_FILE".into(), "/nonexistent/retort-test".into()),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), "/nonexistent/retort-test".into()),
    ];
    if let Some(s3) = s3 {
        env.push(("AWS_ENDPOINT_URL_S3".into(), s3.endpoint()));
    }
    env
}
