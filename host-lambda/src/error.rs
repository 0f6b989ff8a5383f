//! The function's errors. A refusal ([`FunctionError`]) has an `errorType` from the protocol's
//! vocabulary ([`ErrorKind`]), a message that names the field or input at fault, and, for one
//! bad input, that input as a field ([`InputFault`]); how each reaches the caller is described in
//! `retort_lambda_protocol::error`. An init failure ([`InitError`]) stops the container.

use std::path::PathBuf;

pub use retort_lambda_protocol::error::{ErrorBody, ErrorKind, FunctionError, InputFault};
use retort_s3_io::S3Error;

/// A function error's payload: the runtime posts `errorType` and `errorMessage` only (see
/// `retort_lambda_protocol::error` for why the input travels in replies instead).
pub fn diagnostic(e: FunctionError) -> lambda_runtime::Diagnostic {
    lambda_runtime::Diagnostic { error_type: e.kind.as_str().to_string(), error_message: e.message }
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
