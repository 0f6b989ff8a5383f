//! `s3://` inputs, outputs and models through a real S3-protocol server (s3s-fs on 127.0.0.1,
//! SigV4 checked) and the real `retort` binary; failures injected by the fault proxy between
//! them. A completed multipart upload uses S3's real 5 MiB minimum part (s3s-fs enforces it as
//! S3 does); the failure tests, which never complete one, use small parts
//! (RETORT_S3_PART_SIZE) to stay fast.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use retort_dev_tools::fault_proxy::{FaultProxy, Faults};
use retort_dev_tools::s3_server::{aws_env, S3Server, BUCKET};

const EXE: &str = env!("CARGO_BIN_EXE_retort");
const SEED_SOURCES: &str = include_str!("../assets/bench-inputs.txt");
const TOY_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/default.retort");

/// Decoding flags of every run: n-best lists with attention make outputs of some size fast.
const FLAGS: [&str; 7] = ["--format", "jsonl", "--beam-size", "3", "--n-best", "3", "--attention"];

struct Fixture {
    dir: PathBuf,
    s3: S3Server,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("retort-cli-s3-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let s3 = S3Server::start(&dir.join("s3"));
        Fixture { dir, s3 }
    }

    /// Stores an object by writing it where s3s-fs keeps it.
    fn put(&self, key: &str, bytes: &[u8]) -> String {
        let path = self.s3.object_path(key);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("object dir");
        std::fs::write(path, bytes).expect("write object");
        url(key)
    }

    fn local(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write local file");
        path
    }

    fn object(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.s3.object_path(key)).ok()
    }

    /// `retort` with the test credentials, talking to `endpoint` (the server or a proxy).
    fn retort(&self, args: &[&str], endpoint: &str, extra_env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(EXE);
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.envs(aws_env(None)).env("AWS_ENDPOINT_URL_S3", endpoint).env_remove("RETORT_S3_PART_SIZE");
        cmd.envs(extra_env.iter().copied());
        cmd.output().expect("run retort")
    }

    /// The local run's output for the same inputs and flags: the reference.
    fn local_output(&self, input: &Path) -> Vec<u8> {
        let out = Command::new(EXE).arg("translate").args(FLAGS).arg(input).output().expect("run retort");
        assert!(out.status.success(), "local run: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.s3.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn url(key: &str) -> String {
    format!("s3://{BUCKET}/{key}")
}

fn inputs(n: usize) -> String {
    SEED_SOURCES.lines().cycle().take(n).map(|l| format!("{l}\n")).collect()
}

fn translate_args<'a>(input: &'a str, output: &'a str) -> Vec<&'a str> {
    let mut args = vec!["translate"];
    args.extend(FLAGS);
    args.extend([input, "-o", output]);
    args
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(o.status.success(), "retort failed ({}): {}", o.status, stderr(o));
}

fn assert_fails(o: &Output, code: i32, says: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit status; stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    for s in says {
        assert!(err.contains(s), "stderr should say {s:?}: {err}");
    }
}

#[test]
fn s3_input_and_model_to_s3_output_equal_the_local_run() {
    let f = Fixture::new("round-trip");
    let text = inputs(12);
    let input = f.put("in/reactions.smi", text.as_bytes());
    let model = f.put("models/toy.retort", &std::fs::read(TOY_MODEL).expect("toy model"));
    let want = f.local_output(&f.local("reactions.smi", &text));

    let mut args = translate_args(&input, "s3://retort-out/runs/out.jsonl");
    args.extend(["-m", &model]);
    assert_ok(&f.retort(&args, &f.s3.endpoint(), &[]));
    assert_eq!(f.object("runs/out.jsonl").as_deref(), Some(want.as_slice()));

    let inspected = f.retort(&["inspect", "--json", &model], &f.s3.endpoint(), &[]);
    assert_ok(&inspected);
    let report: serde_json::Value = serde_json::from_slice(&inspected.stdout).expect("inspect --json");
    assert_eq!(report["path"], model.as_str());
    assert_eq!(report["file_bytes"], std::fs::metadata(TOY_MODEL).expect("toy model").len());
    assert!(f.s3.pending_uploads().is_empty(), "{:?}", f.s3.pending_uploads());
}

#[test]
fn a_large_output_goes_up_in_parts_of_s3s_minimum_size() {
    let f = Fixture::new("multipart");
    let text = inputs(120);
    let local = f.local("many.smi", &text);
    let want = f.local_output(&local);
    let part = retort_s3_io::MIN_PART_SIZE;
    assert!(want.len() > 2 * part, "the test needs 3+ parts: {} bytes", want.len());
    // Counts the requests: CreateMultipartUpload, one UploadPart per part, Complete.
    let proxy = FaultProxy::start(f.s3.addr(), Faults::default()).expect("proxy");

    let out = f.retort(
        &translate_args(local.to_str().expect("utf-8 path"), &url("big.jsonl")),
        &proxy.endpoint(),
        &[("RETORT_S3_PART_SIZE", &part.to_string())],
    );
    assert_ok(&out);
    assert_eq!(f.object("big.jsonl").as_deref(), Some(want.as_slice()));
    let parts = want.len().div_ceil(part);
    assert_eq!(proxy.stats().requests, parts + 2, "{parts} parts: {:?}", proxy.stats());
    assert!(f.s3.pending_uploads().is_empty(), "{:?}", f.s3.pending_uploads());
}

#[test]
fn a_missing_input_object_is_named() {
    let f = Fixture::new("missing");
    let out = f.retort(&translate_args(&url("absent.smi"), &url("out.jsonl")), &f.s3.endpoint(), &[]);
    assert_fails(&out, 2, &["s3://retort-out/absent.smi", "GetObject failed", "NoSuchKey"]);
    assert!(f.s3.objects().is_empty(), "{:?}", f.s3.objects());
}

#[test]
fn refused_credentials_are_named() {
    let f = Fixture::new("credentials");
    let input = f.put("in.smi", inputs(2).as_bytes());
    let out = f.retort(
        &translate_args(&input, &url("out.jsonl")),
        &f.s3.endpoint(),
        &[("AWS_SECRET_ACCESS_KEY", "not-the-secret")],
    );
    // A refusal is final: not retried, and not said to be.
    assert_fails(&out, 1, &["s3://retort-out/in.smi", "GetObject failed:", "SignatureDoesNotMatch"]);
    assert!(!stderr(&out).contains("attempts"), "{}", stderr(&out));
}

#[test]
fn a_connection_reset_mid_upload_leaves_nothing_at_the_key() {
    let f = Fixture::new("reset");
    let local = f.local("in.smi", &inputs(30));
    let part = 16 * 1024;
    // Parts 1 and 2 go through; every attempt at part 3 is cut off halfway.
    let proxy = FaultProxy::start(f.s3.addr(), Faults::default().reset_after(part as u64 / 2, 2)).expect("proxy");

    let out = f.retort(
        &translate_args(local.to_str().expect("utf-8 path"), &url("out.jsonl")),
        &proxy.endpoint(),
        &[("RETORT_S3_PART_SIZE", &part.to_string())],
    );
    assert_fails(&out, 1, &["s3://retort-out/out.jsonl", "UploadPart 3 failed after 3 attempts"]);
    assert_eq!(proxy.stats().resets, 3, "{:?}", proxy.stats());
    assert!(f.object("out.jsonl").is_none() && f.s3.objects().is_empty(), "{:?}", f.s3.objects());
    assert!(f.s3.pending_uploads().is_empty(), "the multipart upload was not aborted: {:?}", f.s3.pending_uploads());
}

#[test]
fn a_failed_run_aborts_its_upload() {
    let f = Fixture::new("abort");
    let input = f.put("in.smi", inputs(20).as_bytes());
    // One target too many: found only after every input was translated and written (an S3
    // input is not counted first), when parts are already up.
    let targets = f.local("targets.txt", &inputs(21));
    let mut args = translate_args(&input, "s3://retort-out/out.jsonl");
    args.extend(["--targets", targets.to_str().expect("utf-8 path")]);
    let out = f.retort(&args, &f.s3.endpoint(), &[("RETORT_S3_PART_SIZE", "262144")]);
    assert_fails(&out, 2, &["has more lines than the input"]);
    assert_eq!(f.s3.objects(), vec!["in.smi".to_string()]);
    assert!(f.s3.pending_uploads().is_empty(), "the multipart upload was not aborted: {:?}", f.s3.pending_uploads());
}

#[test]
fn ctrl_c_aborts_the_open_upload() {
    let f = Fixture::new("ctrl-c");
    // The first chunk (1024 lines) is written in many tiny parts while the rest is decoding.
    let local = f.local("in.smi", &inputs(1300));
    let mut child = Command::new(EXE)
        .args(["translate", "--beam-size", "1", local.to_str().expect("utf-8 path"), "-o", &url("out.txt")])
        .envs(aws_env(Some(&f.s3)))
        .env("RETORT_S3_PART_SIZE", "1024")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start retort");
    let start = std::time::Instant::now();
    // Part 2 under way: part 1's call has returned and the upload is registered for the handler.
    while !f.s3.pending_uploads().iter().any(|name| name.ends_with(".part-2")) {
        assert!(child.try_wait().expect("poll retort").is_none(), "retort ended before its upload began");
        assert!(start.elapsed().as_secs() < 60, "no multipart upload began within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill -INT");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait for retort");
    assert_eq!(out.status.code(), Some(130), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("aborted the unfinished upload to s3://retort-out/out.txt"), "{}", stderr(&out));
    assert!(f.s3.objects().is_empty(), "{:?}", f.s3.objects());
    assert!(f.s3.pending_uploads().is_empty(), "{:?}", f.s3.pending_uploads());
}

#[test]
fn throttled_requests_are_retried() {
    let f = Fixture::new("throttled");
    let text = inputs(5);
    let input = f.put("in.smi", text.as_bytes());
    let want = f.local_output(&f.local("in.smi", &text));
    let proxy = FaultProxy::start(f.s3.addr(), Faults::default().fail_first(2, 503)).expect("proxy");

    assert_ok(&f.retort(&translate_args(&input, &url("out.jsonl")), &proxy.endpoint(), &[]));
    assert_eq!(proxy.stats().injected_errors, 2);
    assert_eq!(f.object("out.jsonl").as_deref(), Some(want.as_slice()));
}
