//! The function's error vocabulary. Every refusal has an `errorType` callers can branch on
//! ([`ErrorKind`]), a human message that names the field or input at fault, and, when one input
//! is at fault, that input's index and problem as fields ([`InputFault`]): no caller needs to
//! read an index back out of message text.
//!
//! # Where the structured body travels
//!
//! - Proxy callers (API Gateway, function URLs) get an HTTP error whose body is an
//!   [`ErrorBody`], `input` included.
//! - Direct invocations that fail get a Lambda *function error* (`X-Amz-Function-Error`). Its
//!   payload is whatever the runtime posts to `/runtime/invocation/<id>/error`, and that is
//!   only `{"errorType", "errorMessage"}`: `lambda_runtime` 1.x serializes its `Diagnostic`
//!   (those two fields and nothing else), and the Runtime API documents no other field but a
//!   `stackTrace` of strings. A structured field cannot ride there.
//! - So a direct caller that wants the structure asks for it: `"errors": "reply"` in the request
//!   ([`ErrorDelivery::Reply`]) turns the function's own refusals into a normal reply,
//!   `{"error": <ErrorBody>}` ([`ErrorReply`]). The fan-out client always asks. The default
//!   ([`ErrorDelivery::FunctionError`]) keeps the function error that `aws lambda invoke`, the
//!   SDKs and the seed's clients expect. Failures outside the handler (timeouts, crashes, init
//!   errors) are function errors either way.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Not JSON, a missing, mistyped or unknown field, an invalid option.
    InvalidRequest,
    /// An input the model cannot take: empty, too long, unknown tokens.
    InvalidInput,
    /// Over one of the function's caps (inputs, beam, length).
    LimitExceeded,
    /// The answer is over the inline limit and no output bucket is configured.
    ResponseTooLarge,
    /// S3 refused or failed after retries; nothing was returned half-written.
    OutputStoreError,
    /// The model could not be loaded or failed while decoding.
    ModelError,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::InvalidRequest,
        ErrorKind::InvalidInput,
        ErrorKind::LimitExceeded,
        ErrorKind::ResponseTooLarge,
        ErrorKind::OutputStoreError,
        ErrorKind::ModelError,
    ];

    /// The `errorType` name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "InvalidRequest",
            ErrorKind::InvalidInput => "InvalidInput",
            ErrorKind::LimitExceeded => "LimitExceeded",
            ErrorKind::ResponseTooLarge => "ResponseTooLarge",
            ErrorKind::OutputStoreError => "OutputStoreError",
            ErrorKind::ModelError => "ModelError",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::InvalidInput => 400,
            ErrorKind::LimitExceeded | ErrorKind::ResponseTooLarge => 413,
            ErrorKind::OutputStoreError => 502,
            ErrorKind::ModelError => 500,
        }
    }

    /// Errors that the same request would hit again: a client must not retry them.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidRequest
                | ErrorKind::InvalidInput
                | ErrorKind::LimitExceeded
                | ErrorKind::ResponseTooLarge
        )
    }

    /// The kind an `errorType` names; `None` for types that are not Retort's (Lambda's own,
    /// such as `Sandbox.Timedout` or `Runtime.InitError`).
    pub fn parse(s: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one input a refusal is about, numbered within the request (`inputs[index]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFault {
    pub index: usize,
    /// What is wrong with it, without the `inputs[i]: ` the message starts with.
    pub problem: String,
}

/// `{"errorType": ..., "errorMessage": ..., "input": {"index": ..., "problem": ...}}`: the
/// shape of Lambda's own error payloads, plus the input at fault when there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "errorType")]
    pub error_type: String,
    #[serde(rename = "errorMessage")]
    pub error_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputFault>,
}

impl ErrorBody {
    /// The Retort kind, if `errorType` is one of ours.
    pub fn kind(&self) -> Option<ErrorKind> {
        ErrorKind::parse(&self.error_type)
    }
}

/// How a direct invocation wants the function's refusals: the request's `errors` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorDelivery {
    /// A Lambda function error (`errorType` and `errorMessage` only): the default.
    #[default]
    FunctionError,
    /// A normal reply, `{"error": <ErrorBody>}`, with every field of the body.
    Reply,
}

/// A refusal delivered as a normal reply (`"errors": "reply"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorReply {
    pub error: ErrorBody,
}

/// A refusal: the `errorType`, a message naming the field or input at fault, and that input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct FunctionError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input at fault, numbered within the request.
    pub input: Option<InputFault>,
}

impl FunctionError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FunctionError { kind, message: message.into(), input: None }
    }

    pub fn request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    /// Input `index` cannot be taken: the message reads `inputs[index]: problem`, and the body
    /// carries both as fields.
    pub fn input(index: usize, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        FunctionError {
            kind: ErrorKind::InvalidInput,
            message: format!("inputs[{index}]: {problem}"),
            input: Some(InputFault { index, problem }),
        }
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, message)
    }

    /// The body proxy callers get with the status, and direct callers with `"errors": "reply"`.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error_type: self.kind.as_str().to_string(),
            error_message: self.message.clone(),
            input: self.input.clone(),
        }
    }
}

/// Core errors get the request's vocabulary: options are `options.<name>`, inputs `inputs[i]`.
impl From<retort_core::Error> for FunctionError {
    fn from(e: retort_core::Error) -> Self {
        use retort_core::Error as E;
        match e {
            E::InvalidOption { option: "options", problem } => FunctionError::request(format!("options: {problem}")),
            E::InvalidOption { option, problem } => FunctionError::request(format!("options.{option}: {problem}")),
            E::InvalidInput { index, problem } => FunctionError::input(index, problem),
            other => FunctionError::new(ErrorKind::ModelError, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_round_trip_their_names() {
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ErrorKind::parse("Sandbox.Timedout"), None);
    }

    #[test]
    fn bodies_carry_the_input_as_a_field() {
        let body = ErrorBody {
            error_type: "InvalidInput".into(),
            error_message: "inputs[3]: empty input".into(),
            input: Some(InputFault { index: 3, problem: "empty input".into() }),
        };
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["input"], json!({"index": 3, "problem": "empty input"}));
        assert_eq!(serde_json::from_value::<ErrorBody>(v).unwrap(), body);
        // Lambda's own payloads (no `input`) read as bodies too.
        let plain: ErrorBody =
            serde_json::from_value(json!({"errorType": "Sandbox.Timedout", "errorMessage": "late"})).unwrap();
        assert_eq!((plain.kind(), &plain.input), (None, &None));
        assert_eq!(serde_json::to_value(&plain).unwrap().get("input"), None);
    }

    #[test]
    fn delivery_names() {
        assert_eq!(serde_json::to_value(ErrorDelivery::Reply).unwrap(), json!("reply"));
        assert_eq!(
            serde_json::from_value::<ErrorDelivery>(json!("function_error")).unwrap(),
            ErrorDelivery::FunctionError
        );
    }
}
