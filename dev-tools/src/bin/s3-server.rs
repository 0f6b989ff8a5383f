//! `s3-server`: a real S3-protocol server on 127.0.0.1 for the tests — the `s3s` protocol
//! implementation (SigV4 and presigned URLs checked against the test credentials) over the
//! `s3s-fs` file-system store. Built here rather than `cargo install`ed, so it shares tokio,
//! hyper and the rest with the workspace's build (minutes of CI saved) and is always present
//! beside the tests that start it.
//!
//! Usage: `s3-server --root <dir> [--port 0]`; prints `{"port": N}` on one line once listening.

use std::path::PathBuf;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use retort_dev_tools::s3_server::{ACCESS_KEY, SECRET_KEY};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use s3s_fs::FileSystem;
use tokio::net::TcpListener;

const USAGE: &str = "usage: s3-server --root <dir> [--port 0]";

struct Options {
    root: PathBuf,
    port: u16,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut root, mut port) = (None, 0u16);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--root" => root = Some(PathBuf::from(value()?)),
            "--port" => {
                let v = value()?;
                port = v.parse().map_err(|_| format!("--port: '{v}' is not a port number"))?;
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    let root = root.ok_or("--root is required")?;
    if !root.is_dir() {
        return Err(format!("--root: {} is not a directory", root.display()));
    }
    Ok(Options { root, port })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let options = options().unwrap_or_else(|e| {
        eprintln!("s3-server: {e}\n{USAGE}");
        std::process::exit(2);
    });
    if let Err(e) = serve(options).await {
        eprintln!("s3-server: {e}");
        std::process::exit(1);
    }
}

async fn serve(options: Options) -> Result<(), String> {
    let store = FileSystem::new(&options.root).map_err(|e| format!("{}: {e:?}", options.root.display()))?;
    let mut builder = S3ServiceBuilder::new(store);
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();

    let listener = TcpListener::bind(("127.0.0.1", options.port)).await.map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("{{\"port\": {port}}}");
    loop {
        // A failed accept (a client gone before it was taken) is that client's problem only.
        let Ok((socket, _)) = listener.accept().await else { continue };
        let service = service.clone();
        tokio::spawn(async move {
            // Connection errors (the fault proxy's resets) end that connection only.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(socket), service).await;
        });
    }
}
