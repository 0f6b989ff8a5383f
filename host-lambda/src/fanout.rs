//! The client side of a bulk job: split the inputs into chunks, invoke the function on them
//! concurrently (bounded), retry what is worth retrying, follow answers stored in S3, and hand
//! back translations in input order.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use retort_core::sink::{base64_decode, gunzip};
use retort_core::{TranslateOptions, Translation};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::{ErrorBody, ErrorKind};
use crate::store::{self, describe};
use crate::wire::{Answer, ModelInfo, Reply};

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
        let sdk = store::aws_config().await;
        Ok(FanOut { lambda: aws_sdk_lambda::Client::new(&sdk), s3: store::s3_client(&sdk), config })
    }

    /// Asks the function which model it serves and its decoding defaults (a warmup ping: no
    /// decoding, and it warms one container for the job).
    pub async fn describe(&self) -> Result<crate::wire::WarmupReply, FanOutError> {
        let function = &self.config.function;
        let (function_error, body) =
            invoke_raw(&self.lambda, function, br#"{"warmup": true}"#).await.map_err(FanOutError::Other)?;
        if function_error.is_some() {
            return Err(FanOutError::Other(format!("{function} failed: {}", String::from_utf8_lossy(&body))));
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
            return Err(FanOutError::Other(format!("{error} (gave up after {attempt} attempts)")));
        }
        // The SDK already retried throttling and 5xx; this covers function errors such as a
        // timed-out or crashed sandbox.
        tokio::time::sleep(Duration::from_millis(200 << attempt.min(6))).await;
    }
}

enum Failure {
    Permanent(FanOutError),
    Passing(String),
}

/// One synchronous invocation: the function-error marker (`X-Amz-Function-Error`) and the body.
async fn invoke_raw(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    payload: &[u8],
) -> Result<(Option<String>, Vec<u8>), String> {
    let out = lambda
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload.to_vec()))
        .send()
        .await
        .map_err(|e| format!("invoking {function}: {}", describe(&e)))?;
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
    if let Some(kind) = function_error {
        let err: ErrorBody = serde_json::from_slice(&body).unwrap_or_else(|_| ErrorBody {
            error_type: kind.to_string(),
            error_message: String::from_utf8_lossy(&body).into_owned(),
        });
        let message = format!("{function} failed: {}: {}", err.error_type, err.error_message);
        return match ErrorKind::parse(&err.error_type) {
            Some(ErrorKind::InvalidInput) => Err(Failure::Permanent(input_error(&err.error_message))),
            Some(k) if k.is_permanent() => Err(Failure::Permanent(FanOutError::Other(message))),
            _ => Err(Failure::Passing(message)),
        };
    }
    let reply: Reply = serde_json::from_slice(&body).map_err(|e| {
        Failure::Permanent(FanOutError::Other(format!("{function} answered something that is not a Retort reply: {e}")))
    })?;
    let permanent = |m: String| Failure::Permanent(FanOutError::Other(m));
    match reply {
        Reply::Inline(answer) => Ok(answer),
        Reply::Packed(packed) => {
            let gz = base64_decode(&packed.body).map_err(|e| permanent(format!("packed answer: bad base64: {e}")))?;
            parse_gzip_answer(&gz).map_err(permanent)
        }
        Reply::Stored(stored) => {
            let o = &stored.stored;
            let gz = store::get_object(s3, &o.bucket, &o.key).await.map_err(Failure::Passing)?;
            parse_gzip_answer(&gz).map_err(|e| permanent(format!("s3://{}/{}: {e}", o.bucket, o.key)))
        }
        Reply::Warmup(_) => Err(permanent(format!("{function} answered a warmup reply to a translate request"))),
    }
}

fn parse_gzip_answer(gz: &[u8]) -> Result<Answer, String> {
    let json = gunzip(gz).map_err(|e| format!("not gzip: {e}"))?;
    serde_json::from_slice(&json).map_err(|e| format!("not a Retort answer: {e}"))
}

/// `inputs[3]: problem` from the function, with the chunk-relative index kept apart.
fn input_error(message: &str) -> FanOutError {
    let parsed = message
        .strip_prefix("inputs[")
        .and_then(|rest| rest.split_once("]: "))
        .and_then(|(n, problem)| Some((n.parse().ok()?, problem.to_string())));
    match parsed {
        Some((index, problem)) => FanOutError::Input { index, problem },
        None => FanOutError::Other(message.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_keep_their_index() {
        match input_error("inputs[3]: empty input") {
            FanOutError::Input { index, problem } => {
                assert_eq!((index, problem.as_str()), (3, "empty input"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(input_error("something else"), FanOutError::Other(_)));
    }
}
