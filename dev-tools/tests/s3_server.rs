//! The test S3 server's command line: what is wrong is named, and a good start listens where
//! it says. (The S3 protocol itself is exercised by the CLI's and the function's S3 tests.)

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn s3_server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_s3-server"))
}

#[test]
fn bad_arguments_are_named() {
    let cases: [(&[&str], &str); 4] = [
        (&[], "--root is required"),
        (&["--root", "/nonexistent/retort"], "/nonexistent/retort is not a directory"),
        (&["--root", ".", "--port", "http"], "--port: 'http' is not a port number"),
        (&["--root", ".", "--verbose"], "unknown argument '--verbose'"),
    ];
    for (args, message) in cases {
        let out = s3_server().args(args).output().expect("run s3-server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn listens_on_the_port_it_prints() {
    let root = std::env::temp_dir().join(format!("retort-s3-server-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("root");
    let mut child =
        s3_server().args(["--port", "0", "--root"]).arg(&root).stdout(Stdio::piped()).spawn().expect("start");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
    let port: u16 = line.trim().trim_start_matches("{\"port\": ").trim_end_matches('}').parse().expect("a port");
    let connected = TcpStream::connect(("127.0.0.1", port)).is_ok();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&root);
    assert!(connected, "nothing listens on {port} ({line:?})");
}
