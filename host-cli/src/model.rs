//! Finding the model: a bundle file (or `s3://` object) named with `-m`, or the one built into
//! the binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use retort_core::{Bundle, ComputeType, Engine};

use crate::error::{CliError, CliResult};

/// The built-in default model (a tiny Molecular Transformer), so `retort translate` works
/// with no model file at hand; kept in the model registry, which every native host shares.
pub use retort_models::DEFAULT_BUNDLE;

/// Where a model comes from.
#[derive(Clone, Debug)]
pub enum ModelSource {
    BuiltIn,
    File(PathBuf),
}

impl ModelSource {
    pub fn from_arg(path: Option<&Path>) -> Self {
        match path {
            Some(p) => ModelSource::File(p.to_path_buf()),
            None => ModelSource::BuiltIn,
        }
    }

    /// For messages and reports.
    pub fn describe(&self) -> String {
        match self {
            ModelSource::BuiltIn => "<built-in default model>".to_string(),
            ModelSource::File(p) => p.display().to_string(),
        }
    }

    /// The bundle's bytes: read from disk, or borrowed from the binary.
    pub fn bytes(&self) -> CliResult<std::borrow::Cow<'static, [u8]>> {
        match self {
            ModelSource::BuiltIn => Ok(std::borrow::Cow::Borrowed(DEFAULT_BUNDLE)),
            ModelSource::File(p) => match crate::s3::s3_url(p) {
                Some(url) => crate::s3::read_object(url).map(std::borrow::Cow::Owned),
                None => std::fs::read(p).map(std::borrow::Cow::Owned).map_err(|e| CliError::io("model file", p, e)),
            },
        }
    }

    pub fn wrap(&self, e: retort_core::Error) -> CliError {
        match self {
            ModelSource::BuiltIn => CliError::failure(format!(
                "the built-in default model is not usable ({e}); this binary was built with a bad \
                 host-cli/assets/default.retort, pass a model with -m BUNDLE"
            )),
            ModelSource::File(p) => CliError::from(e).context(format!("model '{}'", p.display())),
        }
    }

    /// Parses the bundle (checksum, spec and shapes checked).
    pub fn bundle(&self) -> CliResult<(Bundle, usize)> {
        let bytes = self.bytes()?;
        let bundle = Bundle::from_bytes(&bytes).map_err(|e| self.wrap(e))?;
        Ok((bundle, bytes.len()))
    }

    /// Loads an engine, timing the whole load (read, parse, build).
    pub fn engine(&self, compute: ComputeType) -> CliResult<LoadedModel> {
        let start = Instant::now();
        let (bundle, file_bytes) = self.bundle()?;
        let engine = Engine::load(&bundle, &retort_models::generated_models(), compute).map_err(|e| self.wrap(e))?;
        let parameters = bundle.parameter_count();
        Ok(LoadedModel { engine, file_bytes, parameters, load_time: start.elapsed() })
    }
}

pub struct LoadedModel {
    pub engine: Engine,
    pub file_bytes: usize,
    pub parameters: usize,
    pub load_time: Duration,
}
