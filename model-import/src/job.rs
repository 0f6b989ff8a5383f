//! One import, whatever the host: `retort import` (CLI) and `retort.import_model` (Python) both
//! describe what they want as an [`ImportJob`], read it into a bundle with [`ImportJob::read`],
//! and write it with [`write_bundle`], so the two cannot drift apart.

use std::path::{Path, PathBuf};

use retort_core::model::generated::GeneratedModelLoader;
use retort_core::spec::names;
use retort_core::{Bundle, Engine, ModelTask, StorageType, TokenizerKind};

use crate::error::ImportError;
use crate::inspect::storage_of;

/// What to import and how. Options a host did not give are `None`.
#[derive(Clone, Debug, Default)]
pub struct ImportJob {
    /// An OpenNMT-py checkpoint, a CTranslate2 model directory, or a Retort bundle to re-store.
    pub source: PathBuf,
    /// How raw text is split (checkpoints and CTranslate2 directories only).
    pub tokenizer: Option<TokenizerKind>,
    /// An ANNalog checkpoint's vocabulary pickle: import `source` as ANNalog.
    pub annalog_vocab: Option<PathBuf>,
    /// Name shown to users.
    pub name: Option<String>,
    /// What the model does (ANNalog imports default to analogue generation).
    pub task: Option<ModelTask>,
    /// Keep only the first N rows of the position tables.
    pub max_positions: Option<usize>,
}

impl ImportJob {
    /// The source as a bundle, with name, task and position cut applied. `storage` is only
    /// recorded in a re-stored bundle's provenance; [`write_bundle`] stores the weights.
    pub fn read(&self, storage: StorageType) -> Result<Bundle, ImportError> {
        let mut bundle = if is_bundle(&self.source) {
            if self.tokenizer.is_some() {
                return Err(not_for_bundles("tokenizer"));
            }
            if self.annalog_vocab.is_some() {
                return Err(not_for_bundles("annalog_vocab"));
            }
            restore(&self.source, storage)?
        } else {
            match &self.annalog_vocab {
                Some(vocab) => crate::annalog::import_annalog(&self.source, vocab)?,
                None => crate::import_path(&self.source, self.tokenizer)?,
            }
        };
        if let Some(name) = &self.name {
            bundle.meta.name = name.clone();
        }
        if let Some(task) = self.task {
            bundle.meta.task = Some(task);
        } else if self.annalog_vocab.is_some() {
            bundle.meta.task = Some(ModelTask::AnalogueGeneration);
        }
        if let Some(n) = self.max_positions {
            cut_positions(&mut bundle, n)?;
        }
        Ok(bundle)
    }
}

fn not_for_bundles(argument: &'static str) -> ImportError {
    ImportError::InvalidArgument {
        argument,
        problem: "does not apply to a Retort bundle: it has its tokenizers".to_string(),
    }
}

/// Validates the bundle's decoding defaults, serializes it with `storage`, checks that what
/// will be written reads back into a working engine (`generated`: the ONNX-generated models
/// this host carries), then writes it atomically. Returns the bytes written.
pub fn write_bundle(
    bundle: &Bundle,
    storage: StorageType,
    output: &Path,
    generated: &[&dyn GeneratedModelLoader],
) -> Result<Vec<u8>, ImportError> {
    bundle.meta.decoding.validate()?;
    let bytes = bundle.to_bytes(storage)?;
    let reread = Bundle::from_bytes(&bytes)
        .map_err(|e| ImportError::Format(format!("the written bundle does not read back: {e}")))?;
    Engine::from_bundle_with(&reread, generated)
        .map_err(|e| ImportError::Format(format!("the imported model does not load: {e}")))?;
    write_atomically(output, &bytes)?;
    Ok(bytes)
}

/// A Retort bundle rather than a checkpoint: a file named .retort, or any file whose
/// safetensors header carries Retort metadata (read from the header alone: checkpoints can
/// be large).
pub fn is_bundle(path: &Path) -> bool {
    use std::io::Read;
    if !path.is_file() {
        return false;
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("retort")) {
        return true;
    }
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut len = [0u8; 8];
    if f.read_exact(&mut len).is_err() {
        return false;
    }
    let n = u64::from_le_bytes(len);
    let mut header = Vec::new();
    // safetensors caps headers at 100 MB; a checkpoint's first 8 bytes rarely read as less
    n < 100_000_000 && f.take(n).read_to_end(&mut header).is_ok() && header.windows(11).any(|w| w == b"retort.meta")
}

/// An existing bundle, to be written again (another storage, name, defaults ...). Its
/// provenance keeps the original source and notes the re-storing.
fn restore(path: &Path, storage: StorageType) -> Result<Bundle, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    let mut bundle = Bundle::from_bytes(&bytes)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let was = storage_of(&bytes);
    let now = match storage {
        StorageType::F32 => "f32",
        StorageType::F16 => "f16",
        StorageType::Int8 => "int8",
    };
    bundle.meta.provenance.notes.push(format!("re-stored as {now} from {name} (was {was})"));
    Ok(bundle)
}

/// Cuts both position tables to their first `n` rows.
fn cut_positions(bundle: &mut Bundle, n: usize) -> Result<(), ImportError> {
    let old = bundle.meta.spec.max_positions;
    if n < 2 || n > old {
        return Err(ImportError::InvalidArgument {
            argument: "max_positions",
            problem: format!("{n} is outside 2..={old} (the model has {old} positions)"),
        });
    }
    for name in [names::ENC_POS, names::DEC_POS] {
        let t = bundle
            .tensors
            .get_mut(name)
            .ok_or_else(|| ImportError::Format(format!("the imported model lacks the position table '{name}'")))?;
        let width = t.shape.get(1).copied().unwrap_or(0);
        t.values_mut().truncate(n * width);
        if let Some(rows) = t.shape.first_mut() {
            *rows = n;
        }
    }
    let meta = &mut bundle.meta;
    meta.spec.max_positions = n;
    meta.provenance.notes.push(format!("position tables cut from {old} to {n} rows at import"));
    if meta.decoding.max_length > n {
        meta.provenance.notes.push(format!("default max_length lowered from {} to {n}", meta.decoding.max_length));
        meta.decoding.max_length = n;
    }
    Ok(())
}

/// Writes next to the destination, then renames: a failed import leaves no half-written bundle.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let file_name = path.file_name().ok_or_else(|| ImportError::InvalidArgument {
        argument: "output",
        problem: format!("'{}' is not a file name", path.display()),
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    let fail = |source: std::io::Error| ImportError::Write { path: path.to_path_buf(), source };
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}
