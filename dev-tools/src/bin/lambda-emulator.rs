//! A local stand-in for the Lambda service, on 127.0.0.1: it starts real `bootstrap` processes,
//! serves them the Runtime API (next / response / error / init error) and serves callers the
//! Invoke API (`POST /2015-03-31/functions/<name>/invocations`, what the AWS SDKs and
//! `aws lambda invoke --endpoint-url` speak). Like the service, it enforces the 6 MB limit on
//! synchronous responses and reports function errors with `X-Amz-Function-Error`.
//!
//! Usage: lambda-emulator --bootstrap <path> [--port 0] [--instances 1] [--function-name retort]
//!                        [--response-limit 6291456] [--timeout-s 900]
//! The bootstraps inherit the emulator's environment (MODEL_PATH, OUTPUT_BUCKET, AWS_*, ...).
//! Prints `{"port": N}` on stdout once listening; `GET /emulator/stats` reports init timings.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Mutex};

const LAMBDA_SYNC_LIMIT: usize = 6 * 1024 * 1024;

struct Options {
    bootstrap: String,
    port: u16,
    instances: usize,
    function_name: String,
    response_limit: usize,
    timeout: Duration,
}

const USAGE: &str = "usage: lambda-emulator --bootstrap <path> [--port 0] [--instances 1] \
                     [--function-name retort] [--response-limit 6291456] [--timeout-s 900]";

/// A command line the emulator cannot run with.
#[derive(Debug, thiserror::Error)]
enum ArgError {
    #[error("{0} needs a value")]
    MissingValue(String),
    #[error("{flag}: {value:?} is not a number")]
    NotANumber { flag: String, value: String },
    #[error("unknown argument {0:?} (see --help)")]
    Unknown(String),
    #[error("--bootstrap <path> is required")]
    NoBootstrap,
    #[error("{USAGE}")]
    Help,
}

fn parse_args() -> Result<Options, ArgError> {
    let mut o = Options {
        bootstrap: String::new(),
        port: 0,
        instances: 1,
        function_name: "retort".into(),
        response_limit: LAMBDA_SYNC_LIMIT,
        timeout: Duration::from_secs(900),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| ArgError::MissingValue(flag.clone()));
        let number = |v: String| v.parse::<u64>().map_err(|_| ArgError::NotANumber { flag: flag.clone(), value: v });
        match flag.as_str() {
            "--bootstrap" => o.bootstrap = value()?,
            "--port" => o.port = number(value()?)? as u16,
            "--instances" => o.instances = number(value()?)?.max(1) as usize,
            "--function-name" => o.function_name = value()?,
            "--response-limit" => o.response_limit = number(value()?)? as usize,
            "--timeout-s" => o.timeout = Duration::from_secs(number(value()?)?),
            "-h" | "--help" => return Err(ArgError::Help),
            other => return Err(ArgError::Unknown(other.to_string())),
        }
    }
    if o.bootstrap.is_empty() {
        return Err(ArgError::NoBootstrap);
    }
    Ok(o)
}

/// How an invocation ended.
enum Outcome {
    Response(Bytes),
    Error { body: Bytes },
}

struct Invocation {
    id: String,
    payload: Bytes,
    deadline_ms: u128,
}

struct State {
    options: Options,
    queue_tx: mpsc::UnboundedSender<Invocation>,
    queue_rx: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<Bytes>>,
    next_id: AtomicU64,
    started: Instant,
    /// Milliseconds from start to the first `next` poll (init done) and the first response.
    first_poll_ms: Mutex<Option<f64>>,
    first_response_ms: Mutex<Option<f64>>,
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
    r
}

/// An Invoke API error in the AWS JSON protocol's shape.
fn api_error(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let mut r = reply(status, json!({"Type": "User", "message": message}).to_string());
    r.headers_mut().insert("x-amzn-errortype", error_type.parse().expect("ascii"));
    r
}

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return Ok(reply(StatusCode::BAD_REQUEST, json!({"errorMessage": e.to_string()}).to_string())),
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let r = match (&method, parts.as_slice()) {
        (&Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => next(&state).await,
        (&Method::POST, ["2018-06-01", "runtime", "invocation", id, "response"]) => {
            let id = id.to_string();
            if body.len() > state.options.response_limit {
                let message = format!(
                    "Response payload size ({} bytes) exceeded maximum allowed payload size ({} bytes).",
                    body.len(),
                    state.options.response_limit
                );
                let error = json!({"errorType": "Function.ResponseSizeTooLarge", "errorMessage": message});
                finish(&state, &id, Outcome::Error { body: error.to_string().into() }).await;
                reply(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    json!({"errorType": "RequestEntityTooLarge", "errorMessage": message}).to_string(),
                )
            } else {
                state.first_response_ms.lock().await.get_or_insert(state.started.elapsed().as_secs_f64() * 1e3);
                finish(&state, &id, Outcome::Response(body)).await
            }
        }
        (&Method::POST, ["2018-06-01", "runtime", "invocation", id, "error"]) => {
            let error_type =
                headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()).unwrap_or("Unhandled");
            eprintln!("lambda-emulator: invocation {id} failed ({error_type})");
            finish(&state, id, Outcome::Error { body }).await
        }
        (&Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
            eprintln!("lambda-emulator: init failed: {}", String::from_utf8_lossy(&body));
            *state.init_error.lock().await = Some(body.clone());
            let pending: Vec<_> = state.in_flight.lock().await.drain().collect();
            for (_, tx) in pending {
                let _ = tx.send(Outcome::Error { body: body.clone() });
            }
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        (&Method::POST, ["2015-03-31", "functions", name, "invocations"]) => invoke(&state, name, &headers, body).await,
        (&Method::GET, ["emulator", "stats"]) => {
            let stats = json!({
                "first_poll_ms": *state.first_poll_ms.lock().await,
                "first_response_ms": *state.first_response_ms.lock().await,
                "invocations": state.next_id.load(Ordering::Relaxed),
            });
            reply(StatusCode::OK, stats.to_string())
        }
        _ => reply(StatusCode::NOT_FOUND, json!({"errorMessage": format!("no route for {method} {path}")}).to_string()),
    };
    Ok(r)
}

async fn next(state: &State) -> Reply {
    state.first_poll_ms.lock().await.get_or_insert(state.started.elapsed().as_secs_f64() * 1e3);
    let inv = {
        let mut rx = state.queue_rx.lock().await;
        match rx.recv().await {
            Some(inv) => inv,
            None => return reply(StatusCode::GONE, "{}"),
        }
    };
    let mut r = reply(StatusCode::OK, inv.payload);
    let h = r.headers_mut();
    let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{}", state.options.function_name);
    for (name, value) in [
        ("lambda-runtime-aws-request-id", inv.id.clone()),
        ("lambda-runtime-deadline-ms", inv.deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", arn),
        ("lambda-runtime-trace-id", format!("Root=1-00000000-{:024x}", 0)),
    ] {
        h.insert(name, value.parse().expect("ascii header"));
    }
    r
}

async fn finish(state: &State, id: &str, outcome: Outcome) -> Reply {
    match state.in_flight.lock().await.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        None => reply(
            StatusCode::BAD_REQUEST,
            json!({"errorType": "InvalidRequestID", "errorMessage": format!("no invocation {id} in flight")})
                .to_string(),
        ),
    }
}

async fn invoke(state: &State, name: &str, headers: &hyper::HeaderMap, payload: Bytes) -> Reply {
    let name = name.replace("%3A", ":");
    let short = name.rsplit(':').next().unwrap_or(&name);
    if name != state.options.function_name && short != state.options.function_name {
        return api_error(StatusCode::NOT_FOUND, "ResourceNotFoundException", &format!("Function not found: {name}"));
    }
    if payload.len() > LAMBDA_SYNC_LIMIT {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
        );
    }
    if !payload.is_empty() && serde_json::from_slice::<serde_json::Value>(&payload).is_err() {
        return api_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        );
    }
    let payload = if payload.is_empty() { Bytes::from_static(b"{}") } else { payload };
    if let Some(body) = state.init_error.lock().await.clone() {
        return function_error(body);
    }
    let invocation_type =
        headers.get("x-amz-invocation-type").and_then(|v| v.to_str().ok()).unwrap_or("RequestResponse");
    let id = format!("{:08x}-0000-4000-8000-{:012x}", now_ms() as u32, state.next_id.fetch_add(1, Ordering::Relaxed));
    let (tx, rx) = oneshot::channel();
    state.in_flight.lock().await.insert(id.clone(), tx);
    let deadline_ms = now_ms() + state.options.timeout.as_millis();
    if state.queue_tx.send(Invocation { id: id.clone(), payload, deadline_ms }).is_err() {
        return api_error(StatusCode::INTERNAL_SERVER_ERROR, "ServiceException", "the emulator's queue is closed");
    }
    match invocation_type {
        "Event" => return reply(StatusCode::ACCEPTED, ""),
        "RequestResponse" => {}
        other => {
            return api_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                &format!("unsupported InvocationType {other}"),
            )
        }
    }
    match tokio::time::timeout(state.options.timeout, rx).await {
        Ok(Ok(Outcome::Response(body))) => {
            let mut r = reply(StatusCode::OK, body);
            r.headers_mut().insert("x-amz-executed-version", "$LATEST".parse().expect("ascii"));
            r
        }
        Ok(Ok(Outcome::Error { body, .. })) => function_error(body),
        Ok(Err(_)) => function_error(
            json!({"errorType": "Runtime.ExitError", "errorMessage": "the runtime exited during the invocation"})
                .to_string()
                .into(),
        ),
        Err(_) => {
            state.in_flight.lock().await.remove(&id);
            function_error(
                json!({"errorType": "Sandbox.Timedout", "errorMessage": format!("Task timed out after {:.2} seconds", state.options.timeout.as_secs_f64())})
                    .to_string()
                    .into(),
            )
        }
    }
}

fn function_error(body: Bytes) -> Reply {
    let mut r = reply(StatusCode::OK, body);
    r.headers_mut().insert("x-amz-function-error", "Unhandled".parse().expect("ascii"));
    r.headers_mut().insert("x-amz-executed-version", "$LATEST".parse().expect("ascii"));
    r
}

/// Runs one sandbox: starts `bootstrap`, and when it exits, fails what was in flight (as the
/// service does) and starts a fresh one unless init itself failed.
async fn supervise(state: Arc<State>, api: String, instance: usize) {
    loop {
        let child = tokio::process::Command::new(&state.options.bootstrap)
            .env("AWS_LAMBDA_RUNTIME_API", &api)
            .env("AWS_LAMBDA_FUNCTION_NAME", &state.options.function_name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("emulator/{instance}"))
            .kill_on_drop(true)
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                eprintln!("lambda-emulator: cannot start {}: {e}", state.options.bootstrap);
                std::process::exit(1);
            }
        };
        let status = child.wait().await;
        eprintln!("lambda-emulator: bootstrap {instance} exited ({status:?})");
        let pending: Vec<_> = state.in_flight.lock().await.drain().collect();
        drop(pending); // dropping the senders reports Runtime.ExitError to their callers
        if state.init_error.lock().await.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("lambda-emulator: {e}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", options.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lambda-emulator: cannot listen on 127.0.0.1:{}: {e}", options.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(options.port);
    let (queue_tx, queue_rx) = mpsc::unbounded_channel();
    let instances = options.instances;
    let state = Arc::new(State {
        options,
        queue_tx,
        queue_rx: Mutex::new(queue_rx),
        in_flight: Mutex::new(HashMap::new()),
        init_error: Mutex::new(None),
        next_id: AtomicU64::new(0),
        started: Instant::now(),
        first_poll_ms: Mutex::new(None),
        first_response_ms: Mutex::new(None),
    });
    println!("{}", json!({"port": port}));
    let api = format!("127.0.0.1:{port}");
    for i in 0..instances {
        tokio::spawn(supervise(Arc::clone(&state), api.clone(), i));
    }
    let serve = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| route(Arc::clone(&state), req));
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    };
    // Stop (and take the bootstraps down with us, kill_on_drop) on SIGTERM / Ctrl-C.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
    tokio::select! {
        _ = serve => {}
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
