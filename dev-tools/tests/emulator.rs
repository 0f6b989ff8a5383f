//! The emulator itself, as its users (the function's end-to-end tests) drive it: command-line
//! errors are named, and a function that dies before taking work fails its caller the way the
//! service reports it instead of hanging. Being an integration test also makes
//! `cargo test --workspace` build the `lambda-emulator` binary that host-lambda's tests start.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EMULATOR: &str = env!("CARGO_BIN_EXE_lambda-emulator");

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(EMULATOR).args(args).output().expect("run lambda-emulator");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn command_line_errors_are_named() {
    let (code, err) = run(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("--bootstrap <path> is required"), "{err}");

    let (code, err) = run(&["--bootstrap", "/bin/true", "--port", "eighty"]);
    assert_eq!(code, 2);
    assert!(err.contains("--port") && err.contains("\"eighty\" is not a number"), "{err}");

    let (code, err) = run(&["--bootstrap", "/bin/true", "--colour"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown argument \"--colour\""), "{err}");

    let (code, err) = run(&["--bootstrap"]);
    assert_eq!(code, 2);
    assert!(err.contains("--bootstrap needs a value"), "{err}");
}

#[test]
fn a_bootstrap_that_cannot_start_stops_the_emulator_with_its_path() {
    let (code, err) = run(&["--bootstrap", "/nonexistent/retort-bootstrap"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot start /nonexistent/retort-bootstrap"), "{err}");
}

/// Kills the emulator when the test ends, passed or not.
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_runtime_that_exits_fails_the_invocation_as_the_service_reports_it() {
    // `/bin/true` exits at once and never polls for work: the caller gets the service's
    // Runtime.ExitError, well before the function timeout, instead of waiting for ever.
    let mut child = Command::new(EMULATOR)
        .args(["--bootstrap", "/bin/true", "--timeout-s", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lambda-emulator");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first_line).expect("read port line");
    let guard = Guard(child);
    let port: serde_json::Value = serde_json::from_str(&first_line).expect("port line is JSON");
    let port = port["port"].as_u64().expect("port") as u16;

    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let body = r#"{"src":["CCO"]}"#;
    write!(
        stream,
        "POST /2015-03-31/functions/retort/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read answer");
    drop(guard);

    let lower = answer.to_ascii_lowercase();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(lower.contains("x-amz-function-error: unhandled"), "{answer}");
    assert!(answer.contains("\"errorType\":\"Runtime.ExitError\""), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
}
