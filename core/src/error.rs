use thiserror::Error;

/// Everything the core can refuse. Messages name the offending thing so hosts can pass them
/// straight to users (CLI stderr, Lambda `errorMessage`, a JS `Error`).
#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid model bundle: {0}")]
    InvalidBundle(String),
    #[error("unsupported bundle format version {found} (this build reads version {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("invalid model spec: {0}")]
    InvalidSpec(String),
    #[error("tensor '{name}': {problem}")]
    Tensor { name: String, problem: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("invalid option '{option}': {problem}")]
    InvalidOption { option: &'static str, problem: String },
    #[error("input {index}: {problem}")]
    InvalidInput { index: usize, problem: String },
    #[error("model: {0}")]
    Model(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
