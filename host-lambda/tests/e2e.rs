//! The real `bootstrap`, driven through the Lambda Runtime API by the emulator, with a real
//! S3-protocol server (s3s-fs) on 127.0.0.1. Each test starts and stops its own servers.

mod support;

use std::process::Command;

use retort_core::sink::{base64_decode, gunzip};
use serde_json::{json, Value};
use support::*;

fn with(mut env: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn s3_env(s3: &S3Server, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = aws_env(Some(s3));
    env.push(("MODEL_PATH".into(), toy_model().display().to_string()));
    env.push(("OUTPUT_BUCKET".into(), BUCKET.into()));
    with(env, extra)
}

/// The answer's results (timing differs between runs, so it is left out of comparisons).
fn results(answer: &Value) -> &Value {
    answer.get("results").unwrap_or_else(|| panic!("no results in {answer}"))
}

fn unpack(packed: &Value) -> Value {
    assert_eq!(packed["isBase64Encoded"], json!(true), "{packed}");
    let gz = base64_decode(packed["body"].as_str().expect("body")).expect("base64");
    serde_json::from_slice(&gunzip(&gz).expect("gzip")).expect("JSON")
}

fn seed_inputs() -> Vec<String> {
    let text = std::fs::read_to_string(seed().join("source_small.txt")).expect("seed sources");
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
}

fn run_cli(args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(retort_bin())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run retort");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("retort output");
    assert!(out.status.success(), "retort {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn assert_function_error(reply: &HttpReply, error_type: &str, needle: &str) {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("x-amz-function-error"), Some("Unhandled"), "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    assert_eq!(body["errorType"], json!(error_type), "{body}");
    let message = body["errorMessage"].as_str().expect("errorMessage");
    assert!(message.contains(needle), "{error_type}: expected {needle:?} in {message:?}");
}

#[test]
fn seed_event_answers_like_the_cli() {
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(seed().join("event.json")).expect("fixtures/seed event.json"))
            .expect("event JSON");
    let emu = Emulator::start(&model_env(), &[]);
    let reply = emu.invoke_json(&event);
    assert_eq!(reply.header("x-amz-function-error"), None, "{}", String::from_utf8_lossy(&reply.body));
    let answer = reply.json();
    let got = results(&answer).as_array().expect("results");

    // The seed's inputs are its model's space-separated characters (`C l`). Every host reads
    // them under the bundle's one rule, so the CLI is given the same lines as they are.
    let inputs: Vec<String> = serde_json::from_str(event["data"].as_str().unwrap()).unwrap();
    assert!(inputs[0].contains("C l"), "the seed splits Cl into characters: {}", inputs[0]);
    assert_eq!(got.len(), inputs.len());
    let cli = run_cli(
        &["translate", "--beam-size", "5", "--n-best", "5", "--attention", "--format", "jsonl"],
        &(inputs.join("\n") + "\n"),
    );
    // ... and a native event with the plain SMILES is the same request.
    let smiles: Vec<String> = inputs.iter().map(|s| s.split_whitespace().collect()).collect();
    let native = emu
        .invoke_json(&json!({"inputs": smiles, "options": {"beam_size": 5, "n_best": 5, "return_attention": true}}))
        .json();
    assert_eq!(results(&native), results(&answer), "native event with plain SMILES = seed event");
    for (line, res) in cli.lines().zip(got) {
        let want: Value = serde_json::from_str(line).unwrap();
        let (w, g) = (want["predictions"].as_array().unwrap(), res["predictions"].as_array().unwrap());
        assert_eq!(g.len(), 5);
        assert_eq!(w.len(), g.len());
        for (w, g) in w.iter().zip(g) {
            assert_eq!(w["tokens"], g["tokens"]);
            assert_eq!(w["text"], g["text"]);
            assert_eq!(w["score"], g["score"], "same binary code, same batch: bit-identical scores");
            // The function rounds attention to 4 decimals by default.
            let (wa, ga) = (w["attention"].as_array().unwrap(), g["attention"].as_array().unwrap());
            assert_eq!(wa.len(), ga.len());
            for (wr, gr) in wa.iter().zip(ga) {
                for (x, y) in wr.as_array().unwrap().iter().zip(gr.as_array().unwrap()) {
                    let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    assert!((x - y).abs() <= 0.5e-4 + 1e-7, "attention {x} vs rounded {y}");
                    assert!((y * 1e4 - (y * 1e4).round()).abs() < 1e-3, "{y} is not rounded to 4 decimals");
                }
            }
        }
    }
    assert!(
        answer["timing"]["init_ms"].as_f64().is_some(),
        "a cold invocation reports init time: {}",
        answer["timing"]
    );
}

#[test]
fn warmup_is_answered_without_decoding() {
    let emu = Emulator::start(&model_env(), &[]);
    let reply = emu.invoke_json(&json!({"warmup": true}));
    let body = reply.json();
    assert_eq!(body["warmup"], json!(true), "{body}");
    assert!(body["model"]["sha256"].as_str().is_some_and(|s| s.len() == 64), "{body}");
    assert_eq!(body.get("results"), None);
    // The seed's own warmup form.
    let body = emu.invoke_json(&json!({"data": "[]", "warmup": true})).json();
    assert_eq!(body["warmup"], json!(true), "{body}");
    // The first real request after warmups is still the container's first decode.
    let answer = emu.invoke_json(&json!({"inputs": ["CCO"]})).json();
    assert_eq!(results(&answer).as_array().unwrap().len(), 1);
}

#[test]
fn gzip_direct_and_through_a_function_url() {
    let emu = Emulator::start(&model_env(), &[]);
    let request = json!({"inputs": ["CCO", "c1ccccc1O"], "options": {"n_best": 3, "return_attention": true}});
    let plain = emu.invoke_json(&request).json();
    let mut gz_request = request.clone();
    gz_request["encoding"] = json!("gzip");
    let packed = emu.invoke_json(&gz_request).json();
    assert_eq!(packed["contentEncoding"], json!("gzip"));
    assert_eq!(results(&unpack(&packed)), results(&plain));

    // HTTP API / function URL (payload 2.0), client accepts gzip.
    let event = json!({
        "version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
        "headers": {"accept-encoding": "gzip, deflate", "content-type": "application/json"},
        "body": request.to_string(), "isBase64Encoded": false,
    });
    let proxy = emu.invoke_json(&event).json();
    assert_eq!(proxy["statusCode"], json!(200), "{proxy}");
    assert_eq!(proxy["headers"]["Content-Encoding"], json!("gzip"));
    assert_eq!(proxy["headers"]["Access-Control-Allow-Origin"], json!("*"));
    assert_eq!(results(&unpack(&proxy)), results(&plain));

    // REST API (payload 1.0) with a base64 body and no gzip: plain JSON in the body.
    let event = json!({
        "httpMethod": "POST", "path": "/translate", "requestContext": {"stage": "prod"},
        "headers": {"Content-Type": "application/json"},
        "body": retort_core::sink::base64_encode(request.to_string().as_bytes()), "isBase64Encoded": true,
    });
    let proxy = emu.invoke_json(&event).json();
    assert_eq!(proxy["statusCode"], json!(200), "{proxy}");
    assert_eq!(proxy["isBase64Encoded"], json!(false));
    let body: Value = serde_json::from_str(proxy["body"].as_str().unwrap()).unwrap();
    assert_eq!(results(&body), results(&plain));

    // A bad request through a proxy is an HTTP error with the same structured body.
    let event = json!({"httpMethod": "POST", "requestContext": {}, "headers": {}, "body": "{\"inputs\": 3}"});
    let proxy = emu.invoke_json(&event).json();
    assert_eq!(proxy["statusCode"], json!(400), "{proxy}");
    let body: Value = serde_json::from_str(proxy["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["errorType"], json!("InvalidRequest"));
    assert!(body["errorMessage"].as_str().unwrap().starts_with("inputs:"), "{body}");
    assert_eq!(body.get("input"), None, "{body}");
    // A bad input: the body names it as a field too.
    let event = json!({"httpMethod": "POST", "requestContext": {}, "headers": {},
                       "body": "{\"inputs\": [\"CCO\", \"  \"]}"});
    let proxy = emu.invoke_json(&event).json();
    assert_eq!(proxy["statusCode"], json!(400), "{proxy}");
    let body: Value = serde_json::from_str(proxy["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["errorType"], json!("InvalidInput"), "{body}");
    assert_eq!(body["input"], json!({"index": 1, "problem": "empty input"}), "{body}");
}

/// Enough inputs, all 5 hypotheses and full-precision attention: well over 6 MB of JSON.
fn big_request() -> Value {
    let inputs: Vec<String> = seed_inputs().into_iter().cycle().take(160).collect();
    json!({"inputs": inputs, "options": {"beam_size": 5, "n_best": 5, "return_attention": true},
           "attention_decimals": null, "allow_unknown_tokens": true})
}

#[test]
fn large_answers_go_to_s3_and_equal_the_inline_answer() {
    let dir = tempdir("large");
    let s3 = S3Server::start(&dir);
    let request = big_request();

    // The same request where the answer may be returned inline (the emulator's limit raised too).
    let roomy =
        Emulator::start(&with(model_env(), &[("INLINE_LIMIT_BYTES", "200000000")]), &["--response-limit", "200000000"]);
    let inline = roomy.invoke_json(&request);
    assert!(inline.body.len() > 6 * 1024 * 1024, "the test answer must exceed 6 MB, is {} bytes", inline.body.len());
    let inline = inline.json();
    drop(roomy);

    let emu = Emulator::start(&s3_env(&s3, &[]), &[]);
    let reply = emu.invoke_json(&request).json();
    let stored = &reply["stored"];
    assert_eq!(stored["bucket"], json!(BUCKET), "{reply}");
    let key = stored["key"].as_str().unwrap();
    assert!(key.starts_with("retort/") && key.ends_with(".json.gz"), "{key}");
    assert_eq!(reply["summary"].as_array().unwrap().len(), 160);
    assert_eq!(reply["summary"][0]["text"], inline["results"][0]["predictions"][0]["text"]);
    assert_eq!(s3.objects(), vec![key.to_string()]);

    // The presigned URL serves the gzip'd answer (s3s-fs checks the signature).
    let fetched = get_url(stored["url"].as_str().unwrap());
    assert_eq!(fetched.status, 200, "{}", String::from_utf8_lossy(&fetched.body));
    assert_eq!(fetched.body.len() as u64, stored["bytes"].as_u64().unwrap());
    let object: Value = serde_json::from_slice(&gunzip(&fetched.body).expect("gzip")).unwrap();
    assert_eq!(results(&object), results(&inline));

    // A tampered signature is refused: the server really checks.
    let url = stored["url"].as_str().unwrap();
    let at = url.find("X-Amz-Signature=").expect("signed URL") + "X-Amz-Signature=".len();
    let flipped = if &url[at..at + 1] == "0" { "1" } else { "0" };
    let tampered = format!("{}{flipped}{}", &url[..at], &url[at + 1..]);
    assert_eq!(get_url(&tampered).status, 403);
}

#[test]
fn too_large_without_a_bucket_is_an_error_and_the_emulator_enforces_6_mb() {
    let request = big_request();
    let emu = Emulator::start(&model_env(), &[]);
    assert_function_error(&emu.invoke_json(&request), "ResponseTooLarge", "OUTPUT_BUCKET");
    drop(emu);
    // A function misconfigured to return more than Lambda allows is stopped by the service.
    let emu = Emulator::start(&with(model_env(), &[("INLINE_LIMIT_BYTES", "200000000")]), &[]);
    let reply = emu.invoke_json(&request);
    assert_function_error(&reply, "Function.ResponseSizeTooLarge", "exceeded maximum allowed payload size");
}

#[test]
fn threshold_sends_smaller_answers_to_s3() {
    let dir = tempdir("threshold");
    let s3 = S3Server::start(&dir);
    let emu = Emulator::start(&s3_env(&s3, &[("OUTPUT_THRESHOLD_BYTES", "1000")]), &[]);
    let small = emu.invoke_json(&json!({"inputs": ["CCO"], "options": {"beam_size": 1, "max_length": 3}})).json();
    assert!(small.get("results").is_some(), "under the threshold: inline, {small}");
    let big =
        emu.invoke_json(&json!({"inputs": ["CCO", "CCN"], "options": {"n_best": 5, "return_attention": true}})).json();
    assert!(big.get("stored").is_some(), "over the threshold: stored, {big}");
    // Asked for explicitly.
    let stored = emu.invoke_json(&json!({"inputs": ["CCO"], "output": "store"})).json();
    assert!(stored.get("stored").is_some(), "{stored}");
    assert_eq!(s3.objects().len(), 2);
}

#[test]
fn s3_down_gives_a_typed_error_and_nothing_half_written() {
    let dir = tempdir("down");
    let mut s3 = S3Server::start(&dir);
    let port = s3.port;
    let emu = Emulator::start(&s3_env(&s3, &[("OUTPUT_THRESHOLD_BYTES", "1000")]), &[]);
    let ok = emu.invoke_json(&json!({"inputs": ["CCO"], "output": "store"})).json();
    assert!(ok.get("stored").is_some(), "{ok}");
    let before = s3.objects();
    s3.stop();
    let reply = emu.invoke_json(&json!({"inputs": ["CCO", "CCN"], "options": {"n_best": 5, "return_attention": true}}));
    assert_function_error(&reply, "OutputStoreError", "PutObject failed after 3 attempts");
    // Back up: the failed request left nothing, and the function recovers.
    let s3 = S3Server::start_on(&dir, port);
    assert_eq!(s3.objects(), before);
    let ok = emu.invoke_json(&json!({"inputs": ["CCO"], "output": "store"})).json();
    assert!(ok.get("stored").is_some(), "{ok}");
}

#[test]
fn bad_requests_get_structured_errors_naming_the_problem() {
    let emu = Emulator::start(&with(model_env(), &[("MAX_INPUTS", "50"), ("MAX_BEAM", "10")]), &[]);
    let long_input = vec!["C"; 1100].join(" ");
    let many: Vec<&str> = vec!["CCO"; 51];
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"inputs": "CCO"}), "InvalidRequest", "inputs: invalid type"),
        (json!({"options": {}}), "InvalidRequest", "missing field `inputs`"),
        (json!({"data": "[\"C C O\"]", "beam": "five"}), "InvalidRequest", "beam: invalid type"),
        (json!({"data": "C C O"}), "InvalidRequest", "data: expected a JSON string holding a list"),
        (
            json!({"inputs": ["CCO"], "options": {"n_best": 6, "beam_size": 5}}),
            "InvalidRequest",
            "options.n_best: 6 exceeds beam_size 5",
        ),
        (json!({"inputs": ["CCO"], "options": {"beam": 5}}), "InvalidRequest", "unknown field `beam`"),
        (
            json!({"inputs": ["CCO"], "options": {"beam_size": 20}}),
            "LimitExceeded",
            "options.beam_size: 20 is over this function's MAX_BEAM 10",
        ),
        (json!({"inputs": many}), "LimitExceeded", "inputs: 51 inputs are over this function's MAX_INPUTS 50"),
        (json!({"inputs": []}), "InvalidRequest", "inputs: the list is empty"),
        (json!({"inputs": ["CCO", "  "]}), "InvalidInput", "inputs[1]: empty input"),
        (json!({"inputs": ["CCO", &long_input]}), "InvalidInput", "inputs[1]: 1100 tokens, over the model's"),
        (
            json!({"inputs": ["C C Xq O"], "options": {"unknown_tokens": "refuse"}}),
            "InvalidInput",
            "inputs[0]: not in the model's source vocabulary: 'Xq'",
        ),
        (
            json!({"inputs": ["CCO", "CCXqO"], "allow_unknown_tokens": false}),
            "InvalidInput",
            "inputs[1]: not in the model's source vocabulary: 'Xq'",
        ),
        (json!({"inputs": ["CC\u{0}O"]}), "InvalidInput", "inputs[0]: contains the control character U+0000"),
        (
            json!({"inputs": ["CCO"], "target_prefixes": ["C", "C"]}),
            "InvalidRequest",
            "target_prefixes: 2 entries for 1 inputs",
        ),
        (json!({"inputs": ["CCO"], "attention_decimals": 12}), "InvalidRequest", "attention_decimals"),
        (json!([1, 2]), "InvalidRequest", "expected a JSON object"),
    ];
    for (payload, error_type, needle) in cases {
        let reply = emu.invoke_json(&payload);
        assert_function_error(&reply, error_type, needle);
        // A function error carries type and message only (all the Lambda runtime posts).
        assert_eq!(reply.json().get("input"), None);
    }
    // Asked for as a reply, a refusal keeps every field of its body: the input at fault by index.
    let refused = [
        (json!({"inputs": ["CCO", "  "]}), 1, "empty input"),
        (json!({"inputs": ["CCO", &long_input]}), 1, "1100 tokens, over the model's"),
        (json!({"inputs": ["C C Xq O"], "options": {"unknown_tokens": "refuse"}}), 0, "not in the model's source"),
    ];
    for (mut payload, index, problem) in refused {
        payload["errors"] = json!("reply");
        let reply = emu.invoke_json(&payload);
        assert_eq!(reply.header("x-amz-function-error"), None, "{}", String::from_utf8_lossy(&reply.body));
        let body = reply.json();
        let error = &body["error"];
        assert_eq!(error["errorType"], json!("InvalidInput"), "{body}");
        assert_eq!(error["input"]["index"], json!(index), "{body}");
        let got = error["input"]["problem"].as_str().expect("input.problem");
        assert!(got.starts_with(problem), "{got:?}");
        assert_eq!(error["errorMessage"], json!(format!("inputs[{index}]: {got}")), "the message says the same");
    }
    // Refusals of the whole request have no input; a request refused before it is read still
    // gets the delivery it asked for.
    for (payload, error_type) in [
        (json!({"inputs": [], "errors": "reply"}), "InvalidRequest"),
        (json!({"inputs": 3, "errors": "reply"}), "InvalidRequest"),
        (json!({"inputs": ["CCO"], "options": {"beam_size": 20}, "errors": "reply"}), "LimitExceeded"),
    ] {
        let reply = emu.invoke_json(&payload);
        assert_eq!(reply.header("x-amz-function-error"), None, "{}", String::from_utf8_lossy(&reply.body));
        let body = reply.json();
        assert_eq!(body["error"]["errorType"], json!(error_type), "{body}");
        assert_eq!(body["error"].get("input"), None, "{body}");
    }
    let reply = emu.invoke_json(&json!({"inputs": ["CCO"], "errors": "loudly"}));
    assert_function_error(&reply, "InvalidRequest", "errors: unknown variant");
    // Not JSON at all: the Invoke API refuses it before the function runs, as AWS does.
    let reply = emu.invoke(b"{not json");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("x-amzn-errortype"), Some("InvalidRequestContentException"));
    // By default unknown tokens are decoded as <unk> (as every host does) and listed; the
    // function is still healthy after the refusals above.
    let ok = emu.invoke_json(&json!({"inputs": ["C C Xq O"]})).json();
    assert_eq!(results(&ok)[0]["source_tokens"], json!(["C", "C", "Xq", "O"]));
    assert_eq!(results(&ok)[0]["unknown_source_tokens"], json!(["Xq"]));
}

#[test]
fn init_failure_is_reported_to_callers() {
    let env = with(aws_env(None), &[("MODEL_PATH", "/nonexistent/model.retort")]);
    let emu = Emulator::start(&env, &[]);
    let reply = emu.invoke_json(&json!({"inputs": ["CCO"]}));
    assert_function_error(&reply, "Runtime.InitError", "/nonexistent/model.retort");
}

#[test]
fn model_from_s3_is_fetched_once_and_cached() {
    let dir = tempdir("model");
    let s3 = S3Server::start(&dir);
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::copy(toy_model(), dir.join("models/toy.retort")).unwrap();
    let cache = tempdir("model-cache");
    let mut env = aws_env(Some(&s3));
    env.extend([
        ("MODEL_BUCKET".to_string(), "models".to_string()),
        ("MODEL_KEY".to_string(), "toy.retort".to_string()),
        ("MODEL_CACHE_DIR".to_string(), cache.display().to_string()),
    ]);
    let emu = Emulator::start(&env, &[]);
    let from_s3 = emu.invoke_json(&json!({"inputs": ["CCO"], "options": {"n_best": 2}})).json();
    drop(emu);
    let cached: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let local = Emulator::start(&model_env(), &[]);
    let from_file = local.invoke_json(&json!({"inputs": ["CCO"], "options": {"n_best": 2}})).json();
    assert_eq!(results(&from_s3), results(&from_file));
    assert_eq!(from_s3["model"], from_file["model"]);
}

#[test]
fn fan_out_over_the_emulator_equals_the_local_cli() {
    let dir = tempdir("fanout");
    let s3 = S3Server::start(&dir);
    // A low threshold so that some chunks come back through S3 and must be followed.
    let emu = Emulator::start(&s3_env(&s3, &[("OUTPUT_THRESHOLD_BYTES", "20000")]), &["--instances", "2"]);
    let input = dir.join("inputs.smi");
    std::fs::write(&input, seed_inputs().join("\n") + "\n").unwrap();
    let input = input.to_str().unwrap();
    // One input per batch on both sides, so the decoder sees exactly the same work and the
    // outputs can be compared byte for byte (batching only moves scores by ~1e-6).
    let flags = ["--beam-size", "5", "--n-best", "3", "--attention", "--batch-size", "1", "--format", "jsonl"];

    let local = run_cli(&[&["translate", input][..], &flags].concat(), "");
    let mut cmd = Command::new(retort_bin());
    cmd.args(["translate", input, "--lambda", "retort", "--lambda-batch", "7", "--lambda-concurrency", "3"])
        .args(flags);
    cmd.envs(aws_env(Some(&s3))).env("AWS_ENDPOINT_URL_LAMBDA", emu.endpoint());
    let out = cmd.output().expect("run retort --lambda");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let remote = String::from_utf8(out.stdout).unwrap();
    assert_eq!(remote.lines().count(), seed_inputs().len());
    assert!(!s3.objects().is_empty(), "some chunks should have been stored in S3 and followed");
    assert!(remote == local, "fan-out output differs from the local CLI's");

    // A bad line is reported with its line number, like a local run: the function's reply
    // names the input by index (a field), the client numbers it over the job.
    let bad = dir.join("bad.smi");
    std::fs::write(&bad, format!("CCO\n{}\n", vec!["C"; 1100].join(" "))).unwrap();
    let mut cmd = Command::new(retort_bin());
    cmd.args(["translate", bad.to_str().unwrap(), "--lambda", "retort"]);
    cmd.envs(aws_env(Some(&s3))).env("AWS_ENDPOINT_URL_LAMBDA", emu.endpoint());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("1100 tokens"), "{err}");
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("retort-lambda-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The function serves an ANNalog `bundle` (not the default model) exactly as the CLI does,
/// with the licence notice in its answer.
fn annalog_serves_like_the_cli(bundle: &str, name: &str) {
    let bundle = repo_root().join(bundle);
    let mut env = aws_env(None);
    env.push(("MODEL_PATH".into(), bundle.display().to_string()));
    let emu = Emulator::start(&env, &[]);
    let inputs = ["COc1ccc(S(=O)[O-])cc1", "CC(=O)Nc1ccc(O)cc1"];
    let answer = emu.invoke_json(&json!({"inputs": inputs, "options": {"beam_size": 3, "n_best": 3}})).json();
    assert_eq!(answer["model"]["name"], name, "{}", answer["model"]);
    let notes = answer["model"]["notes"].to_string();
    assert!(notes.contains("MIT License"), "the licence notice travels with the answer: {notes}");
    let cli = run_cli(
        &["translate", "-m", bundle.to_str().unwrap(), "--beam-size", "3", "--n-best", "3", "--format", "jsonl"],
        &(inputs.join("\n") + "\n"),
    );
    let got = results(&answer).as_array().unwrap().clone();
    assert_eq!(cli.lines().count(), got.len());
    for (line, got) in cli.lines().zip(&got) {
        let want: Value = serde_json::from_str(line).unwrap();
        assert_eq!(want["predictions"], got["predictions"]);
    }
}

#[test]
fn annalog_serves_as_a_second_model() {
    // ANNalog (MIT, fixtures/annalog/LICENSE) imported through the native path: analogue
    // generation from the same function binary, only the bundle differs.
    annalog_serves_like_the_cli("fixtures/annalog/annalog.retort", "ANNalog");
}

#[test]
fn onnx_generated_annalog_serves() {
    // The same weights through the ONNX-generated model the function is built with
    // (feature onnx-annalog, on by default).
    annalog_serves_like_the_cli("fixtures/annalog/annalog-onnx.retort", "ANNalog (ONNX)");
}
