//! Hostile events (issue #13), through the real `bootstrap` under the emulator, the function
//! held to an address-space ceiling (`prlimit --as`, the SAM template's smallest memory size):
//! malformed and oversized events each get a typed error naming the problem, the function
//! answers a good event correctly after every bad one, and over a soak of mixed events its
//! resident memory stays flat. `SOAK_INVOCATIONS` (default 2,000) sets the soak's length;
//! `scripts/soak-lambda.sh` runs it at 10,000 and prints the figures.

mod support;

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};
use support::*;

/// The template's smallest MemorySize (host-lambda/template.yaml, MinValue: 512).
const CEILING_BYTES: u64 = 512 << 20;

/// A bootstrap wrapper that records its pid and then becomes the real function under the
/// ceiling (`prlimit` execs it: the pid stays the function's).
fn ceilinged_bootstrap(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let pid_file = dir.join("bootstrap.pid");
    let script = dir.join("bootstrap-under-ceiling");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec prlimit --as={CEILING_BYTES} -- '{}'\n",
            pid_file.display(),
            env!("CARGO_BIN_EXE_bootstrap")
        ),
    )
    .expect("write wrapper");
    std::process::Command::new("chmod").arg("+x").arg(&script).status().expect("chmod");
    (script, pid_file)
}

fn rss_kib(pid_file: &std::path::Path) -> u64 {
    let pid = std::fs::read_to_string(pid_file).expect("bootstrap pid").trim().to_string();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the function is alive");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmRSS")
}

/// How one event ended: refused by the Lambda service before the function saw it (its Invoke
/// API takes only JSON payloads), or the function's error type and message.
#[derive(Debug)]
enum Ended {
    ServiceRefused(String),
    Function { error_type: String, message: String },
}

fn ended(reply: &HttpReply) -> Ended {
    if reply.status == 400 {
        return Ended::ServiceRefused(reply.header("x-amzn-errortype").unwrap_or("").to_string());
    }
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("x-amz-function-error"), Some("Unhandled"), "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    Ended::Function {
        error_type: body["errorType"].as_str().unwrap_or("").to_string(),
        message: body["errorMessage"].as_str().unwrap_or("").to_string(),
    }
}

/// The same bytes as the body of a function URL request (payload 2.0, base64 so any bytes
/// pass): the function itself parses them and answers with an HTTP error.
/// `needle` is one phrase, or alternatives separated by `|`.
fn says(message: &str, needle: &str) -> bool {
    needle.split('|').any(|n| message.contains(n))
}

fn through_function_url(emu: &Emulator, body: &[u8]) -> (u64, String, String) {
    let event = json!({
        "version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
        "headers": {"content-type": "application/json"},
        "body": retort_core::sink::base64_encode(body), "isBase64Encoded": true,
    });
    let reply = emu.invoke_json(&event);
    if reply.status != 200 {
        let refusal = reply.header("x-amzn-errortype").unwrap_or("").to_string();
        return (reply.status.into(), refusal, String::from_utf8_lossy(&reply.body).into_owned());
    }
    let reply = reply.json();
    let status = reply["statusCode"].as_u64().unwrap_or(0);
    let inner: Value = serde_json::from_str(reply["body"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    (
        status,
        inner["errorType"].as_str().unwrap_or("").to_string(),
        inner["errorMessage"].as_str().unwrap_or("").to_string(),
    )
}

/// Raw event bytes, the error type the function must answer with, and a phrase of its message.
fn hostile_events() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    let nested =
        |depth: usize| format!("{{\"inputs\":{}\"CCO\"{}}}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
    let huge_input = format!("{{\"inputs\":[\"{}\"]}}", "C".repeat(5_000_000)).into_bytes();
    let many_inputs = json!({ "inputs": vec!["CCO"; 100_000] }).to_string().into_bytes();
    let long_key = format!("{{\"{}\":1,\"inputs\":[\"CCO\"]}}", "k".repeat(1_000_000)).into_bytes();
    let long_smiles = "c1ccc(cc1)C(=O)Nc1ccc(cc1)S(=O)(=O)N".repeat(3);
    let huge_answer = json!({
        "inputs": vec![long_smiles; 1000],
        "options": {"beam_size": 32, "n_best": 32, "max_length": 500, "return_attention": true}
    })
    .to_string()
    .into_bytes();
    vec![
        ("answer of ~30 GB in caps", huge_answer, "LimitExceeded", "MAX_ANSWER_MB"),
        ("not JSON", b"hello".to_vec(), "InvalidRequest", "not JSON"),
        ("empty body", Vec::new(), "InvalidRequest", "inputs|not JSON"),
        ("truncated JSON", b"{\"inputs\":[\"CC".to_vec(), "InvalidRequest", "not JSON"),
        ("JSON null", b"null".to_vec(), "InvalidRequest", "expected a JSON object"),
        ("JSON string", b"\"CCO\"".to_vec(), "InvalidRequest", "expected a JSON object"),
        ("JSON number 1e400", b"1e400".to_vec(), "InvalidRequest", "not JSON"),
        ("arrays nested 100k deep", nested(100_000), "InvalidRequest", "not JSON"),
        (
            "arrays nested 100 deep",
            nested(100),
            "InvalidRequest",
            "inputs[0][0]: invalid type: sequence, expected a token string",
        ),
        ("one 5 MB input", huge_input, "InvalidInput", "inputs[0]"),
        ("100,000 inputs", many_inputs, "LimitExceeded", "MAX_INPUTS"),
        ("1 MB field name", long_key, "InvalidRequest", "unknown field"),
        ("warmup not a boolean", br#"{"warmup":"yes"}"#.to_vec(), "InvalidRequest", "warmup"),
        (
            "null input",
            br#"{"inputs":[null]}"#.to_vec(),
            "InvalidRequest",
            "inputs[0]: invalid type: null, expected a string or a list of token strings",
        ),
        ("lone surrogate", br#"{"inputs":["C\ud800C"]}"#.to_vec(), "InvalidRequest", "not JSON"),
        (
            "beam 10^9",
            br#"{"inputs":["CCO"],"options":{"beam_size":1000000000}}"#.to_vec(),
            "InvalidRequest",
            "beam_size",
        ),
        ("beam -1", br#"{"inputs":["CCO"],"options":{"beam_size":-1}}"#.to_vec(), "InvalidRequest", "beam_size"),
        (
            "max_length 10^9",
            br#"{"inputs":["CCO"],"options":{"max_length":1000000000}}"#.to_vec(),
            "LimitExceeded",
            "max_length",
        ),
        ("options as a list", br#"{"inputs":["CCO"],"options":[1]}"#.to_vec(), "InvalidRequest", "options"),
        (
            "alpha NaN as a string",
            br#"{"inputs":["CCO"],"options":{"alpha":"NaN"}}"#.to_vec(),
            "InvalidRequest",
            "alpha",
        ),
        (
            "prefix of the wrong type",
            br#"{"inputs":["CCO"],"target_prefixes":7}"#.to_vec(),
            "InvalidRequest",
            "target_prefixes",
        ),
        ("unknown errors delivery", br#"{"inputs":["CCO"],"errors":"loudly"}"#.to_vec(), "InvalidRequest", "errors"),
        ("NUL in an input", b"{\"inputs\":[\"CC\\u0000O\"]}".to_vec(), "InvalidInput", "U+0000"),
        ("only spaces", br#"{"inputs":["   "]}"#.to_vec(), "InvalidInput", "empty input"),
    ]
}

fn good_event() -> Value {
    json!({"inputs": ["CCO.CC(=O)O", "c1ccccc1Br"], "options": {"beam_size": 3, "n_best": 2}})
}

#[test]
fn hostile_events_get_typed_errors_and_the_function_keeps_answering_in_flat_memory() {
    let dir = std::env::temp_dir().join(format!("retort-hostile-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let (bootstrap, pid_file) = ceilinged_bootstrap(&dir);
    let emu = Emulator::start_with(&bootstrap, &model_env(), &[]);
    let expected = emu.invoke_json(&good_event()).json();
    assert!(expected["results"].is_array(), "{expected}");

    let mut failures = Vec::new();
    println!("{:<28} {:<34} {:<16} message", "event", "invoked directly", "function URL");
    for (name, event, want_type, needle) in hostile_events() {
        // Straight to the Invoke API: the function's typed error, or the service's refusal of
        // a payload that is not JSON (the function never runs for those).
        let direct = ended(&emu.invoke(&event));
        match &direct {
            Ended::Function { error_type, message } if error_type == want_type && says(message, needle) => {}
            Ended::ServiceRefused(t) if t == "InvalidRequestContentException" && want_type == "InvalidRequest" => {
                if serde_json::from_slice::<Value>(&event).is_ok() {
                    failures.push(format!("{name}: the service refused a JSON payload"));
                }
            }
            other => {
                failures.push(format!("{name}: invoked directly: {other:?}, expected {want_type} with {needle:?}"))
            }
        }
        // Through a function URL the function parses every event itself.
        let (status, url_type, url_message) = through_function_url(&emu, &event);
        let want_status = if want_type == "LimitExceeded" { 413 } else { 400 };
        if status == 413 && url_type == "RequestTooLargeException" {
            // Base64 made the event bigger than the 6 MB the service takes: refused before the
            // function, as a function URL would.
        } else if status != want_status || url_type != want_type || !says(&url_message, needle) {
            failures.push(format!(
                "{name}: function URL: {status} {url_type} {url_message:?}, expected {want_status} {want_type} with \
                 {needle:?}"
            ));
        }
        let shown = match &direct {
            Ended::ServiceRefused(t) => format!("service: {t}"),
            Ended::Function { error_type, .. } => error_type.clone(),
        };
        println!("{name:<28} {shown:<34} {status} {url_type:<12} {}", url_message.chars().take(90).collect::<String>());
        let after = emu.invoke_json(&good_event()).json();
        if after["results"] != expected["results"] {
            failures.push(format!("{name}: the next good event answered differently: {after}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The soak: good and bad events interleaved; the function is the same process throughout
    // and its resident memory does not grow.
    let rounds: usize = std::env::var("SOAK_INVOCATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let small_bad: Vec<Vec<u8>> =
        hostile_events().into_iter().map(|(_, e, _, _)| e).filter(|e| e.len() < 10_000).collect();
    let pid = std::fs::read_to_string(&pid_file).expect("pid");
    let warm_up = rounds / 10;
    let started = Instant::now();
    let mut first_rss = 0;
    for i in 0..rounds {
        if i == warm_up {
            first_rss = rss_kib(&pid_file);
        }
        if i % 2 == 0 {
            assert_eq!(emu.invoke_json(&good_event()).json()["results"], expected["results"], "invocation {i}");
        } else {
            let bad = &small_bad[i / 2 % small_bad.len()];
            match ended(&emu.invoke(bad)) {
                Ended::Function { error_type, .. } => assert!(!error_type.is_empty(), "invocation {i}"),
                Ended::ServiceRefused(_) => {
                    let (status, _, _) = through_function_url(&emu, bad);
                    assert!(status >= 400, "invocation {i}");
                }
            }
        }
    }
    let last_rss = rss_kib(&pid_file);
    assert_eq!(std::fs::read_to_string(&pid_file).expect("pid"), pid, "the function restarted during the soak");
    println!(
        "soak: {rounds} invocations in {:.1} s, RSS after {warm_up}: {first_rss} KiB, at the end: {last_rss} KiB",
        started.elapsed().as_secs_f64()
    );
    // Allocator noise is a few hundred KiB; a leak of even 1 KiB per invocation shows.
    assert!(last_rss <= first_rss + 1024, "RSS grew from {first_rss} KiB to {last_rss} KiB over {rounds} invocations");
    drop(emu);
    std::fs::remove_dir_all(&dir).ok();
}
