//! Serde values to Python objects through the standard `json` module: dicts, lists, str,
//! int, float, bool and None, exactly as `retort inspect --json` writes them.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

pub fn json_to_py<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(format!("JSON: {e}")))?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}
