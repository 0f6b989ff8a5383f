//! The `retort` Python module: `Translator` (translate_batch / translate_iterable, CTranslate2's
//! names), `import_model` and `inspect`, over the same core and importers as the CLI.

use pyo3::prelude::*;

mod json;
mod model;
mod options;
mod results;
mod tools;
mod translator;

/// Retort: Transformer seq2seq models (the Molecular Transformer: reactant SMILES to product
/// SMILES) from OpenNMT-py and CTranslate2, on Retort's Rust engine.
///
/// Translator(model=None)    load a bundle (None: the built-in toy model)
/// import_model(src, dst)    checkpoint or CTranslate2 directory to a .retort bundle
/// inspect(model=None)       what a bundle holds, as a dict
#[pymodule]
fn retort(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<translator::Translator>()?;
    m.add_class::<translator::TranslationIterator>()?;
    m.add_class::<results::TranslationResult>()?;
    m.add_function(wrap_pyfunction!(tools::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(tools::import_model, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
