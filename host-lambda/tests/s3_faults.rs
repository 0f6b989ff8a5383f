//! Faults between the function and S3 (issue #13), injected by a proxy in front of the local
//! S3 server: 5xx answers and a slow S3 are ridden out, a connection reset in every upload
//! attempt and refused credentials end in a typed `OutputStoreError` after the SDK's retries
//! (none for a refusal), with nothing half-written; the function answers the next request.

mod support;

use std::time::{Duration, Instant};

use retort_dev_tools::fault_proxy::{FaultProxy, Faults};
use serde_json::{json, Value};
use support::*;

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("retort-s3-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The function with an output bucket, its S3 calls going through `proxy`.
fn function_behind(proxy: &FaultProxy, extra: &[(&str, &str)]) -> Emulator {
    let mut env = aws_env(None);
    env.push(("MODEL_PATH".into(), toy_model().display().to_string()));
    env.push(("OUTPUT_BUCKET".into(), BUCKET.into()));
    env.push(("AWS_ENDPOINT_URL_S3".into(), proxy.endpoint()));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Emulator::start(&env, &[])
}

/// Big enough that its upload is several kilobytes.
fn stored_request() -> Value {
    let inputs: Vec<String> = (0..20).map(|i| format!("{}CC(=O)O", "C".repeat(i % 7 + 1))).collect();
    json!({"inputs": inputs, "options": {"n_best": 5, "return_attention": true}, "output": "store"})
}

fn store_error(reply: &HttpReply) -> String {
    assert_eq!(reply.header("x-amz-function-error"), Some("Unhandled"), "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    assert_eq!(body["errorType"], json!("OutputStoreError"), "{body}");
    body["errorMessage"].as_str().expect("errorMessage").to_string()
}

fn still_answers(emu: &Emulator) {
    let reply = emu.invoke_json(&json!({"inputs": ["CCO"]})).json();
    assert!(reply["results"].is_array(), "{reply}");
}

#[test]
fn five_hundreds_are_retried_and_the_answer_is_stored() {
    let s3 = S3Server::start(&tempdir("5xx"));
    let proxy = FaultProxy::start(s3.addr(), Faults::default().fail_first(2, 503)).expect("proxy");
    let emu = function_behind(&proxy, &[]);
    let reply = emu.invoke_json(&stored_request()).json();
    assert!(reply["stored"]["key"].is_string(), "{reply}");
    assert_eq!(proxy.stats().injected_errors, 2);
    assert_eq!(s3.objects().len(), 1, "{:?}", s3.objects());
}

#[test]
fn a_slow_s3_is_waited_for() {
    let s3 = S3Server::start(&tempdir("slow"));
    let proxy =
        FaultProxy::start(s3.addr(), Faults::default().delay_responses(Duration::from_millis(1500))).expect("proxy");
    let emu = function_behind(&proxy, &[]);
    let started = Instant::now();
    let reply = emu.invoke_json(&stored_request()).json();
    assert!(reply["stored"]["key"].is_string(), "{reply}");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!(proxy.stats().resets + proxy.stats().injected_errors, 0);
}

#[test]
fn a_reset_in_every_upload_attempt_is_a_typed_error_with_nothing_written() {
    let s3 = S3Server::start(&tempdir("reset"));
    // Every request over 2 KB (the upload; the answer's gzip is larger) is cut mid-body.
    let proxy = FaultProxy::start(s3.addr(), Faults::default().reset_after(2048, 0)).expect("proxy");
    let emu = function_behind(&proxy, &[]);
    let message = store_error(&emu.invoke_json(&stored_request()));
    assert!(message.contains("PutObject failed after 3 attempts"), "{message}");
    assert_eq!(proxy.stats().resets, 3, "one reset per attempt");
    assert!(s3.objects().is_empty(), "half-written: {:?}", s3.objects());
    assert!(s3.pending_uploads().is_empty(), "{:?}", s3.pending_uploads());
    still_answers(&emu);
}

#[test]
fn refused_credentials_are_a_typed_error_without_retries() {
    let s3 = S3Server::start(&tempdir("creds"));
    let proxy = FaultProxy::start(s3.addr(), Faults::default()).expect("proxy");
    let emu = function_behind(&proxy, &[("AWS_SECRET_ACCESS_KEY", "not-the-secret")]);
    let message = store_error(&emu.invoke_json(&stored_request()));
    assert!(message.contains("SignatureDoesNotMatch") || message.contains("403"), "{message}");
    assert!(!message.contains("attempts"), "a refusal is not retried: {message}");
    assert_eq!(proxy.stats().requests, 1);
    assert!(s3.objects().is_empty(), "{:?}", s3.objects());
    still_answers(&emu);
}
