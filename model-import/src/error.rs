use std::path::PathBuf;

use thiserror::Error;

/// Everything an importer can refuse. Messages name the file, variable or option at fault.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The source is malformed (truncated file, bad header, missing or misshapen variable ...).
    #[error("invalid model: {0}")]
    Format(String),
    /// The source is well-formed but uses something Retort does not implement; the message
    /// names the option.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// An import option the source cannot take (named as the hosts' snake_case argument).
    #[error("{argument}: {problem}")]
    InvalidArgument { argument: &'static str, problem: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Core(#[from] retort_core::Error),
}
