//! Retort importers: turn models from other toolkits into Retort bundles.
//!
//! Every importer has the same three parts, so that adding a format means writing a table
//! rather than another long function:
//! 1. a configuration reader (`read_config` in [`opennmt`], `describe` in [`ctranslate2`], the
//!    top of [`annalog::import_annalog`]) that refuses what Retort does not implement and
//!    describes the rest in a format-neutral `bundle_builder::ModelDescription`;
//! 2. a declarative name map per format (`name_maps`), walked by `tensor_table::map_tensors`
//!    over the format's tensor store;
//! 3. `bundle_builder::build_bundle`, the one place a `ModelSpec` is built and a bundle is
//!    assembled and validated.

pub mod annalog;
mod bundle_builder;
pub mod ctranslate2;
pub mod error;
pub mod inspect;
mod job;
mod name_maps;
pub mod opennmt;
pub mod pickle;
mod tensor_table;
pub mod torch;

pub use error::ImportError;
pub use job::{is_bundle, write_bundle, ImportJob};
pub use opennmt::import_opennmt_checkpoint;

/// Imports whatever `path` holds: a CTranslate2 model directory (one with `model.bin`) or an
/// OpenNMT-py checkpoint file (pre-tokenizer default: SMILES). Hosts call this one function.
pub fn import_path(
    path: &std::path::Path,
    tokenizer: Option<retort_core::TokenizerKind>,
) -> Result<retort_core::Bundle, ImportError> {
    let meta = std::fs::metadata(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    if meta.is_dir() {
        if path.join("model.bin").is_file() {
            return ctranslate2::import_ctranslate2_dir(path, tokenizer);
        }
        return Err(ImportError::Unsupported(format!(
            "{} is a directory without model.bin: expected a CTranslate2 model directory or an OpenNMT-py checkpoint file",
            path.display()
        )));
    }
    if meta.is_file() {
        return opennmt::import_opennmt_checkpoint(path, tokenizer.unwrap_or(retort_core::TokenizerKind::Smiles));
    }
    Err(ImportError::Unsupported(format!(
        "{} is neither a file nor a directory: expected a CTranslate2 model directory or an OpenNMT-py checkpoint file",
        path.display()
    )))
}
