//! The function's errors: each has an `errorType` callers can branch on, a message that names
//! the field or input at fault, and an HTTP status for API Gateway / function URL callers.

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

    pub fn parse(s: &str) -> Option<ErrorKind> {
        [
            ErrorKind::InvalidRequest,
            ErrorKind::InvalidInput,
            ErrorKind::LimitExceeded,
            ErrorKind::ResponseTooLarge,
            ErrorKind::OutputStoreError,
            ErrorKind::ModelError,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct FunctionError {
    pub kind: ErrorKind,
    pub message: String,
}

impl FunctionError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FunctionError { kind, message: message.into() }
    }

    pub fn request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, message)
    }

    /// The body Lambda returns for a function error, and that proxy callers get with the status.
    pub fn body(&self) -> ErrorBody {
        ErrorBody { error_type: self.kind.as_str().to_string(), error_message: self.message.clone() }
    }
}

/// `{"errorType": ..., "errorMessage": ...}`: the shape of Lambda's own error payloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "errorType")]
    pub error_type: String,
    #[serde(rename = "errorMessage")]
    pub error_message: String,
}

impl From<FunctionError> for lambda_runtime::Diagnostic {
    fn from(e: FunctionError) -> Self {
        lambda_runtime::Diagnostic { error_type: e.kind.as_str().to_string(), error_message: e.message }
    }
}

/// Core errors get the request's vocabulary: options are `options.<name>`, inputs `inputs[i]`.
impl From<retort_core::Error> for FunctionError {
    fn from(e: retort_core::Error) -> Self {
        use retort_core::Error as E;
        match e {
            E::InvalidOption { option: "options", problem } => FunctionError::request(format!("options: {problem}")),
            E::InvalidOption { option, problem } => FunctionError::request(format!("options.{option}: {problem}")),
            E::InvalidInput { index, problem } => FunctionError::input(format!("inputs[{index}]: {problem}")),
            other => FunctionError::new(ErrorKind::ModelError, other.to_string()),
        }
    }
}
