//! The `model` argument (`None`, a path or bytes) to a bundle's bytes, and the core's errors to
//! Python exceptions.

use std::borrow::Cow;
use std::path::PathBuf;

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};
use retort_core::Error;

use crate::options::python_words;

/// A bundle's bytes and how to name it in messages.
pub struct ModelBytes {
    pub bytes: Cow<'static, [u8]>,
    pub describe: String,
}

/// `None`: the built-in default model; `bytes`/`bytearray`: a bundle in memory; `str` or
/// `os.PathLike`: a bundle file. `argument` names the parameter in errors.
pub fn model_bytes(argument: &str, model: Option<&Bound<'_, PyAny>>) -> PyResult<ModelBytes> {
    let Some(model) = model.filter(|m| !m.is_none()) else {
        return Ok(ModelBytes {
            bytes: Cow::Borrowed(retort_models::DEFAULT_BUNDLE),
            describe: "<built-in default model>".to_string(),
        });
    };
    if let Ok(b) = model.cast::<PyBytes>() {
        return Ok(ModelBytes { bytes: Cow::Owned(b.as_bytes().to_vec()), describe: "<bytes>".to_string() });
    }
    if let Ok(b) = model.cast::<PyByteArray>() {
        return Ok(ModelBytes { bytes: Cow::Owned(b.to_vec()), describe: "<bytearray>".to_string() });
    }
    let path: PathBuf = path_arg(argument, model, "None, bytes or a path (str or os.PathLike)")?;
    let bytes = std::fs::read(&path).map_err(|e| io_error(argument, &path, &e))?;
    Ok(ModelBytes { bytes: Cow::Owned(bytes), describe: path.display().to_string() })
}

/// A `str` or `os.PathLike` argument.
pub fn path_arg(argument: &str, v: &Bound<'_, PyAny>, expected: &str) -> PyResult<PathBuf> {
    v.extract::<PathBuf>().map_err(|_| {
        let got = v.get_type().name().map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!("{argument} must be {expected}, not {got}"))
    })
}

/// An I/O error as the matching Python exception, naming the argument and the path.
pub fn io_error(argument: &str, path: &std::path::Path, e: &std::io::Error) -> PyErr {
    let message = format!("{argument}: cannot read '{}': {e}", path.display());
    match e.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

/// A core error while decoding: bad options and inputs are `ValueError`s naming the argument
/// (`source[i]` for an input), a model failure a `RuntimeError`.
pub fn decode_error(e: Error, first_index: usize) -> PyErr {
    match e {
        Error::InvalidOption { option, problem } => {
            PyValueError::new_err(format!("{}: {}", crate::options::python_name(option), python_words(&problem)))
        }
        Error::InvalidInput { index, problem } => {
            PyValueError::new_err(format!("source[{}]: {}", first_index + index, python_words(&problem)))
        }
        Error::Tokenizer(_) => PyValueError::new_err(e.to_string()),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// A bundle that does not load: the bytes are at fault, so a `ValueError` naming them.
pub fn load_error(argument: &str, describe: &str, e: Error) -> PyErr {
    PyValueError::new_err(format!("{argument} {describe}: {e}"))
}
