//! `retort.inspect` and `retort.import_model`: the CLI's `inspect --json` and `import`, through
//! the same code in retort-import.

use std::path::PathBuf;

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyValueError};
use pyo3::prelude::*;
use retort_core::{ModelTask, StorageType, TokenizerKind};
use retort_import::inspect::{inspect_report, report_of};
use retort_import::{write_bundle, ImportError, ImportJob};

use crate::json::json_to_py;
use crate::model::{load_error, model_bytes, path_arg};
use crate::options::{choice, count};

/// inspect(model=None) -> dict
///
/// What a bundle holds, as `retort inspect --json` prints it: name, task, storage, parameter
/// count, tokenizer, vocabulary sizes, spec, decoding defaults, provenance. model is a path, the
/// bundle's bytes, or None (the built-in default model).
#[pyfunction]
#[pyo3(signature = (model=None))]
pub fn inspect(py: Python<'_>, model: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    let m = model_bytes("model", model)?;
    let report = py
        .detach(|| inspect_report(&m.bytes, &m.describe, &retort_models::generated_models()))
        .map_err(|e| load_error("model", &m.describe, e))?;
    json_to_py(py, &report)
}

/// import_model(src, dst, *, tokenizer=None, storage="f32", name=None, task=None,
///              max_positions=None, annalog_vocab=None) -> dict
///
/// Converts a model into a .retort bundle, as `retort import` does (pure Rust: no torch).
///
///   src            an OpenNMT-py checkpoint (.pt), a CTranslate2 model directory (with
///                  model.bin), or a .retort bundle to store again (e.g. as int8).
///   dst            the bundle to write; written whole or not at all.
///   tokenizer      "smiles" (OpenNMT-py default), "char" or "space" (CTranslate2 default).
///   storage        "f32", "f16" (half the size) or "int8" (about a quarter; scores shift
///                  slightly).
///   name           the name shown to users.
///   task           "reaction_prediction", "retrosynthesis", "analogue_generation" or
///                  "translation".
///   max_positions  keep only the first N rows of the position tables (a smaller file).
///   annalog_vocab  import src as an ANNalog checkpoint with this vocabulary pickle.
///
/// Returns inspect(dst). Raises FileNotFoundError for a missing src, ValueError naming the
/// argument or the problem with the model.
#[pyfunction]
#[pyo3(signature = (src, dst, *, tokenizer=None, storage=None, name=None, task=None, max_positions=None, annalog_vocab=None))]
#[pyo3(
    text_signature = "(src, dst, *, tokenizer=None, storage='f32', name=None, task=None, max_positions=None, annalog_vocab=None)"
)]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one each
pub fn import_model(
    py: Python<'_>,
    src: &Bound<'_, PyAny>,
    dst: &Bound<'_, PyAny>,
    tokenizer: Option<&Bound<'_, PyAny>>,
    storage: Option<&Bound<'_, PyAny>>,
    name: Option<String>,
    task: Option<&Bound<'_, PyAny>>,
    max_positions: Option<&Bound<'_, PyAny>>,
    annalog_vocab: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let path = "a path (str or os.PathLike)";
    let source = path_arg("src", src, path)?;
    let output = path_arg("dst", dst, path)?;
    let tokenizer = given(tokenizer)
        .map(|t| {
            Ok::<_, PyErr>(match choice("tokenizer", &t, &["smiles", "char", "space"])? {
                "char" => TokenizerKind::Char,
                "space" => TokenizerKind::Space,
                _ => TokenizerKind::Smiles,
            })
        })
        .transpose()?;
    let storage = match given(storage) {
        None => StorageType::F32,
        Some(s) => match choice("storage", &s, &["f32", "f16", "int8"])? {
            "f16" => StorageType::F16,
            "int8" => StorageType::Int8,
            _ => StorageType::F32,
        },
    };
    let tasks = ["reaction_prediction", "retrosynthesis", "analogue_generation", "translation"];
    let task = given(task)
        .map(|t| {
            Ok::<_, PyErr>(match choice("task", &t, &tasks)? {
                "retrosynthesis" => ModelTask::Retrosynthesis,
                "analogue_generation" => ModelTask::AnalogueGeneration,
                "translation" => ModelTask::Translation,
                _ => ModelTask::ReactionPrediction,
            })
        })
        .transpose()?;
    let max_positions = given(max_positions).map(|n| count("max_positions", &n)).transpose()?;
    let annalog_vocab: Option<PathBuf> =
        given(annalog_vocab).map(|v| path_arg("annalog_vocab", &v, path)).transpose()?;
    let job = ImportJob { source, tokenizer, annalog_vocab, name, task, max_positions };
    let report = py
        .detach(|| {
            let generated = retort_models::generated_models();
            let bundle = job.read(storage)?;
            let bytes = write_bundle(&bundle, storage, &output, &generated)?;
            Ok::<_, ImportError>(report_of(&bundle, &bytes, &output.display().to_string(), &generated))
        })
        .map_err(|e| import_error(&job.source, e))?;
    json_to_py(py, &report)
}

/// An optional argument that was given (not left out, not None).
fn given<'py>(v: Option<&Bound<'py, PyAny>>) -> Option<Bound<'py, PyAny>> {
    v.filter(|v| !v.is_none()).cloned()
}

/// An import failure as the matching Python exception, naming the file or the argument.
fn import_error(src: &std::path::Path, e: ImportError) -> PyErr {
    match e {
        ImportError::Io { ref source, .. } | ImportError::Write { ref source, .. } => {
            let message = e.to_string();
            match source.kind() {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                _ => PyOSError::new_err(message),
            }
        }
        ImportError::InvalidArgument { .. } => PyValueError::new_err(e.to_string()),
        other => PyValueError::new_err(format!("cannot import '{}': {other}", src.display())),
    }
}
