//! The client side of a bulk job (`retort translate --lambda`): split the inputs into chunks,
//! invoke the function on them concurrently (bounded), retry what is worth retrying, follow
//! answers stored in S3, and hand back translations in input order.
//!
//! Every request asks for `"errors": "reply"`, so a refused input comes back with its index as
//! a field ([`retort_lambda_protocol::InputFault`]); nothing here reads an index out of text.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use retort_core::sink::{base64_decode, gunzip};
use retort_core::{TranslateOptions, Translation};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use retort_lambda_protocol::wire::{Answer, ModelInfo, Reply, WarmupReply};
use retort_lambda_protocol::{ErrorBody, ErrorDelivery, ErrorReply};
use retort_s3_io::{aws_config, describe, get_object, s3_client, S3Error};

#[derive(Clone, Debug)]
pub struct FanOutConfig {
    /// Function name, ARN or alias.
    pub function: String,
    /// Invocations in flight at once.
    pub concurrency: usize,
    /// Inputs per invocation.
    pub batch: usize,
    /// Extra attempts for an invocation that failed for a passing reason.
    pub retries: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum FanOutError {
    /// The function refused input `index` (numbered over the whole job).
    #[error("input {index}: {problem}")]
    Input { index: usize, problem: String },
    /// The function refused a chunk, or failed on it (`errorType` as it said).
    #[error("{function} failed: {error_type}: {message}")]
    Function { function: String, error_type: String, message: String },
    /// The Invoke call itself failed (after the SDK's own retries).
    #[error("invoking {function}: {detail}")]
    Invoke { function: String, detail: String },
    /// A stored answer could not be fetched.
    #[error(transparent)]
    Store(#[from] S3Error),
    /// The last of `attempts` failures of one chunk.
    #[error("{last} (gave up after {attempts} attempts)")]
    GaveUp { last: Box<FanOutError>, attempts: u32 },
    /// A reply that is not a Retort reply, a bad setting, a failed task.
    #[error("{0}")]
    Other(String),
}

pub struct FanOut {
    lambda: aws_sdk_lambda::Client,
    s3: aws_sdk_s3::Client,
    config: FanOutConfig,
}

/// What one chunk came back as.
struct ChunkResult {
    start: usize,
    answer: Answer,
}

impl FanOut {
    pub async fn new(config: FanOutConfig) -> Result<FanOut, FanOutError> {
        if config.concurrency == 0 || config.batch == 0 {
            return Err(FanOutError::Other("--lambda-concurrency and --lambda-batch must be at least 1".into()));
        }
        let sdk = aws_config().await;
        Ok(FanOut { lambda: aws_sdk_lambda::Client::new(&sdk), s3: s3_client(&sdk), config })
    }

    /// Asks the function which model it serves and its decoding defaults (a warmup ping: no
    /// decoding, and it warms one container for the job).
    pub async fn describe(&self) -> Result<WarmupReply, FanOutError> {
        let function = &self.config.function;
        let (function_error, body) = invoke_raw(&self.lambda, function, br#"{"warmup": true}"#).await?;
        if let Some(marker) = function_error {
            return Err(function_failure(function, error_body(&marker, &body)));
        }
        serde_json::from_slice(&body).map_err(|e| {
            FanOutError::Other(format!("{function} did not answer a warmup ping like a Retort function: {e}"))
        })
    }

    /// Translates `inputs` (with optional per-input target prefixes) with `options` (sent whole,
    /// so they override every model default) over the function; the result is in input order,
    /// with the model the function used.
    pub async fn translate(
        &self,
        inputs: &[String],
        prefixes: Option<&[String]>,
        options: &TranslateOptions,
    ) -> Result<(Vec<Translation>, Option<ModelInfo>), FanOutError> {
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let mut tasks = JoinSet::new();
        for start in (0..inputs.len()).step_by(self.config.batch) {
            let end = (start + self.config.batch).min(inputs.len());
            let mut event = json!({
                "inputs": inputs[start..end],
                "options": options,
                // Full precision and gzip: the client rebuilds exactly what a local run writes.
                "attention_decimals": null,
                "encoding": "gzip",
                // Refusals as replies, with the input at fault as a field.
                "errors": ErrorDelivery::Reply,
            });
            // Said explicitly (the default is not serialized), so the function's UNKNOWN_TOKENS
            // cannot turn the same job into a different one.
            event["options"]["unknown_tokens"] = json!(options.unknown_tokens);
            if let Some(p) = prefixes {
                event["target_prefixes"] = json!(p[start..end]);
            }
            let payload = serde_json::to_vec(&event).expect("events serialize");
            let (lambda, s3, function, retries) =
                (self.lambda.clone(), self.s3.clone(), self.config.function.clone(), self.config.retries);
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                let answer = invoke_chunk(&lambda, &s3, &function, payload, retries).await.map_err(|e| match e {
                    FanOutError::Input { index, problem } => FanOutError::Input { index: start + index, problem },
                    other => other,
                })?;
                if answer.results.len() != end - start {
                    return Err(FanOutError::Other(format!(
                        "the function answered {} results for {} inputs (inputs {start}..{end})",
                        answer.results.len(),
                        end - start
                    )));
                }
                Ok(ChunkResult { start, answer })
            });
        }
        let mut chunks = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(chunk)) => chunks.push(chunk),
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(FanOutError::Other(format!("an invocation task failed: {e}"))),
            }
        }
        chunks.sort_by_key(|c| c.start);
        let model = chunks.first().map(|c| c.answer.model.clone());
        if let Some(m) = &model {
            if let Some(other) = chunks.iter().find(|c| c.answer.model.sha256 != m.sha256) {
                return Err(FanOutError::Other(format!(
                    "the function answered with two models ({} and {}): was it redeployed during the job?",
                    m.sha256, other.answer.model.sha256
                )));
            }
        }
        Ok((chunks.into_iter().flat_map(|c| c.answer.results).collect(), model))
    }
}

async fn invoke_chunk(
    lambda: &aws_sdk_lambda::Client,
    s3: &aws_sdk_s3::Client,
    function: &str,
    payload: Vec<u8>,
    retries: u32,
) -> Result<Answer, FanOutError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match invoke_once(lambda, s3, function, &payload).await {
            Ok(answer) => return Ok(answer),
            Err(Failure::Permanent(e)) => return Err(e),
            Err(Failure::Passing(e)) => e,
        };
        if attempt > retries {
            return Err(FanOutError::GaveUp { last: Box::new(error), attempts: attempt });
        }
        // The SDK already retried throttling and 5xx; this covers function errors such as a
        // timed-out or crashed sandbox.
        tokio::time::sleep(Duration::from_millis(200 << attempt.min(6))).await;
    }
}

enum Failure {
    /// The same request would fail again.
    Permanent(FanOutError),
    /// Worth another attempt.
    Passing(FanOutError),
}

/// One synchronous invocation: the function-error marker (`X-Amz-Function-Error`) and the body.
async fn invoke_raw(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    payload: &[u8],
) -> Result<(Option<String>, Vec<u8>), FanOutError> {
    let out = lambda
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload.to_vec()))
        .send()
        .await
        .map_err(|e| FanOutError::Invoke { function: function.to_string(), detail: describe(&e) })?;
    let body = out.payload().map(|b| b.as_ref().to_vec()).unwrap_or_default();
    Ok((out.function_error().map(str::to_string), body))
}

async fn invoke_once(
    lambda: &aws_sdk_lambda::Client,
    s3: &aws_sdk_s3::Client,
    function: &str,
    payload: &[u8],
) -> Result<Answer, Failure> {
    let (function_error, body) = invoke_raw(lambda, function, payload).await.map_err(Failure::Passing)?;
    if let Some(marker) = function_error {
        // Timeouts, crashes, init errors, or a function that ignores `errors`.
        return Err(refusal(function, error_body(&marker, &body)));
    }
    let reply: Reply = serde_json::from_slice(&body).map_err(|e| {
        Failure::Permanent(FanOutError::Other(format!("{function} answered something that is not a Retort reply: {e}")))
    })?;
    let permanent = |m: String| Failure::Permanent(FanOutError::Other(m));
    match reply {
        Reply::Failed(ErrorReply { error }) => Err(refusal(function, error)),
        Reply::Inline(answer) => Ok(answer),
        Reply::Packed(packed) => {
            let gz = base64_decode(&packed.body).map_err(|e| permanent(format!("packed answer: bad base64: {e}")))?;
            parse_gzip_answer(&gz).map_err(|e| permanent(format!("packed answer: {e}")))
        }
        Reply::Stored(stored) => {
            let o = &stored.stored;
            let gz = get_object(s3, &o.bucket, &o.key).await.map_err(|e| Failure::Passing(e.into()))?;
            parse_gzip_answer(&gz).map_err(|e| permanent(format!("s3://{}/{}: {e}", o.bucket, o.key)))
        }
        Reply::Warmup(_) => Err(permanent(format!("{function} answered a warmup reply to a translate request"))),
    }
}

/// A function error's payload (`X-Amz-Function-Error: <marker>`) as an error body; a payload
/// that is not one is kept as the message.
fn error_body(marker: &str, body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|_| ErrorBody {
        error_type: marker.to_string(),
        error_message: String::from_utf8_lossy(body).into_owned(),
        input: None,
    })
}

fn function_failure(function: &str, body: ErrorBody) -> FanOutError {
    FanOutError::Function { function: function.to_string(), error_type: body.error_type, message: body.error_message }
}

/// What a refusal means for the job: an input at fault (chunk-relative index, from the body's
/// field), another permanent refusal, or something worth retrying.
fn refusal(function: &str, body: ErrorBody) -> Failure {
    if let Some(input) = body.input {
        return Failure::Permanent(FanOutError::Input { index: input.index, problem: input.problem });
    }
    match body.kind() {
        Some(k) if k.is_permanent() => Failure::Permanent(function_failure(function, body)),
        _ => Failure::Passing(function_failure(function, body)),
    }
}

/// The gzip'd JSON of an [`Answer`].
fn parse_gzip_answer(gz: &[u8]) -> Result<Answer, FanOutError> {
    let json = gunzip(gz).map_err(|e| FanOutError::Other(format!("not gzip: {e}")))?;
    serde_json::from_slice(&json).map_err(|e| FanOutError::Other(format!("not a Retort answer: {e}")))
}

#[cfg(test)]
mod tests {
    use retort_lambda_protocol::InputFault;
    use serde_json::json;

    use super::*;

    fn body(error_type: &str, message: &str, input: Option<InputFault>) -> ErrorBody {
        ErrorBody { error_type: error_type.into(), error_message: message.into(), input }
    }

    #[test]
    fn input_errors_come_from_the_field() {
        let fault = InputFault { index: 3, problem: "empty input".into() };
        match refusal("f", body("InvalidInput", "inputs[3]: empty input", Some(fault))) {
            Failure::Permanent(FanOutError::Input { index, problem }) => {
                assert_eq!((index, problem.as_str()), (3, "empty input"))
            }
            _ => panic!("expected a permanent input error"),
        }
        // Without the field, the message is only shown, never read for an index.
        match refusal("f", body("InvalidInput", "inputs[3]: empty input", None)) {
            Failure::Permanent(FanOutError::Function { error_type, .. }) => assert_eq!(error_type, "InvalidInput"),
            _ => panic!("expected a permanent function error"),
        }
    }

    #[test]
    fn lambda_failures_are_retried_and_refusals_are_not() {
        assert!(matches!(refusal("f", body("Sandbox.Timedout", "late", None)), Failure::Passing(_)));
        assert!(matches!(refusal("f", body("OutputStoreError", "s3 down", None)), Failure::Passing(_)));
        assert!(matches!(refusal("f", body("LimitExceeded", "too many", None)), Failure::Permanent(_)));
    }

    #[test]
    fn replies_with_an_error_parse_as_failed() {
        let v = json!({"error": {"errorType": "InvalidInput", "errorMessage": "inputs[1]: x",
                                 "input": {"index": 1, "problem": "x"}}});
        match serde_json::from_value::<Reply>(v).unwrap() {
            Reply::Failed(ErrorReply { error }) => assert_eq!(error.input.map(|i| i.index), Some(1)),
            other => panic!("{other:?}"),
        }
        assert_eq!(error_body("Unhandled", b"not json").error_message, "not json");
    }
}
