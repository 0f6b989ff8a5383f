//! The function's errors. A refusal ([`FunctionError`]) has an `errorType` from the protocol's
//! vocabulary ([`ErrorKind`]), a message that names the field or input at fault, and, for one
//! bad input, that input as a field ([`InputFault`]); how each reaches the caller is described in
//! `retort_lambda_protocol::error`. An init failure ([`InitError`]) stops the container.

use std::path::PathBuf;

pub use retort_lambda_protocol::error::{ErrorBody, ErrorKind, InputFault};
use retort_s3_io::S3Error;

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

/// A function error's payload: the runtime posts `errorType` and `errorMessage` only (see
/// `retort_lambda_protocol::error` for why the input travels in replies instead).
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
            E::InvalidInput { index, problem } => FunctionError::input(index, problem),
            other => FunctionError::new(ErrorKind::ModelError, other.to_string()),
        }
    }
}

/// A malformed setting: the message names the variable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(variable: &'static str, message: impl Into<String>) -> Self {
        ConfigError { variable, message: message.into() }
    }
}

/// Why the init phase failed (reported as `Runtime.InitError`).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "model bundle {}: {source} (package it as model.retort beside bootstrap, or set MODEL_PATH, \
         or MODEL_BUCKET + MODEL_KEY)",
        path.display()
    )]
    ModelFile { path: PathBuf, source: std::io::Error },
    #[error("model {0}")]
    ModelStore(#[from] S3Error),
    #[error(transparent)]
    Model(#[from] retort_core::Error),
    #[error("internal: no S3 client for MODEL_BUCKET")]
    NoS3Client,
}
