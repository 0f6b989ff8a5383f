use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GenError {
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    BadOnnx(String),
    /// The message names the file, the node and its op.
    #[error("{file}: node '{node}' uses op '{op}', which burn-onnx 0.22 cannot generate code for")]
    UnsupportedOp { file: String, node: String, op: String },
    #[error("{file}: does not follow Retort's ONNX contract: {problem}")]
    Contract { file: String, problem: String },
    #[error("burn-onnx failed on {file}: {message}")]
    Codegen { file: String, message: String },
    #[error(transparent)]
    Core(#[from] retort_core::Error),
}

pub type Result<T, E = GenError> = std::result::Result<T, E>;

pub fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> GenError + '_ {
    move |source| GenError::Io { path: path.to_path_buf(), source }
}
