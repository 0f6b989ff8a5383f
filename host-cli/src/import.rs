//! `retort import`: an OpenNMT-py checkpoint or a CTranslate2 model directory to a bundle;
//! or an existing bundle re-stored (e.g. as int8 for a smaller file).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use retort_core::spec::names;
use retort_core::{Bundle, Engine, ModelTask, StorageType, TokenizerKind};

use crate::error::{CliError, CliResult};
use crate::inspect::{human_bytes, spec_lines, thousands, tokenizer_name};
use crate::options::DecodeArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TokenizerArg {
    /// Schwaller et al.'s SMILES regex (default for OpenNMT-py checkpoints).
    Smiles,
    /// One token per character.
    Char,
    /// Whitespace-separated tokens (default for CTranslate2 models).
    Space,
}

impl From<TokenizerArg> for TokenizerKind {
    fn from(t: TokenizerArg) -> Self {
        match t {
            TokenizerArg::Smiles => TokenizerKind::Smiles,
            TokenizerArg::Char => TokenizerKind::Char,
            TokenizerArg::Space => TokenizerKind::Space,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StorageArg {
    F32,
    /// Half the size; weights are f32 again in memory.
    F16,
    /// About a quarter of f32 (matrices as 8-bit integers with one f32 scale per row; biases
    /// and norms stay f32). Costs some accuracy: scores shift slightly and close calls between
    /// candidates can flip. Weights are f32 again in memory, so speed and RAM are unchanged.
    Int8,
}

/// What the model does (hosts word their inputs and outputs by it).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TaskArg {
    /// Reactants → product.
    ReactionPrediction,
    /// Product → reactants.
    Retrosynthesis,
    /// One molecule → analogues (the default for an ANNalog checkpoint).
    AnalogueGeneration,
    /// Anything else.
    Translation,
}

impl From<TaskArg> for ModelTask {
    fn from(t: TaskArg) -> Self {
        match t {
            TaskArg::ReactionPrediction => ModelTask::ReactionPrediction,
            TaskArg::Retrosynthesis => ModelTask::Retrosynthesis,
            TaskArg::AnalogueGeneration => ModelTask::AnalogueGeneration,
            TaskArg::Translation => ModelTask::Translation,
        }
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// An OpenNMT-py checkpoint file (.pt), a CTranslate2 model directory (with model.bin), or
    /// a Retort bundle (.retort) to re-store, e.g. with `--storage int8`.
    #[arg(value_name = "CHECKPOINT_OR_DIR")]
    pub source: PathBuf,
    /// The bundle to write (.retort).
    #[arg(short = 'o', long, value_name = "OUT")]
    pub output: PathBuf,
    /// How raw text is split into tokens.
    #[arg(long, value_enum)]
    pub tokenizer: Option<TokenizerArg>,
    /// How weights are stored in the bundle.
    #[arg(long, value_enum, default_value_t = StorageArg::F32)]
    pub storage: StorageArg,
    /// Name shown to users.
    #[arg(long)]
    pub name: Option<String>,
    /// What the model does, stored in the bundle (the web page words its labels by it).
    #[arg(long, value_enum)]
    pub task: Option<TaskArg>,
    /// Keep only the first N rows of the position tables: a smaller file (OpenNMT-py stores
    /// 5000 rows); sources or outputs longer than N tokens are then refused.
    #[arg(long, value_name = "N")]
    pub max_positions: Option<usize>,
    /// Import an ANNalog checkpoint (a plain state dict) with this vocabulary pickle.
    #[arg(long, value_name = "VOCAB_PKL")]
    pub annalog_vocab: Option<PathBuf>,
    /// The bundle's decoding defaults (the flags below) override those the importer chose.
    #[command(flatten)]
    pub decode: DecodeArgs,
}

pub fn run(args: ImportArgs) -> CliResult<()> {
    let storage = match args.storage {
        StorageArg::F32 => StorageType::F32,
        StorageArg::F16 => StorageType::F16,
        StorageArg::Int8 => StorageType::Int8,
    };
    let cannot = |e: CliError| e.context(format!("cannot import '{}'", args.source.display()));
    let mut bundle = if is_bundle(&args.source) {
        if args.tokenizer.is_some() || args.annalog_vocab.is_some() {
            return Err(CliError::usage(
                "--tokenizer and --annalog-vocab do not apply to a bundle: it has its tokenizers",
            ));
        }
        restore(&args.source, &format!("{:?}", args.storage).to_lowercase()).map_err(cannot)?
    } else {
        match &args.annalog_vocab {
            Some(vocab) => retort_import::annalog::import_annalog(&args.source, vocab),
            None => retort_import::import_path(&args.source, args.tokenizer.map(Into::into)),
        }
        .map_err(|e| cannot(e.into()))?
    };
    if let Some(name) = &args.name {
        bundle.meta.name = name.clone();
    }
    if let Some(task) = args.task {
        bundle.meta.task = Some(task.into());
    } else if args.annalog_vocab.is_some() {
        bundle.meta.task = Some(ModelTask::AnalogueGeneration);
    }
    if let Some(n) = args.max_positions {
        cut_positions(&mut bundle, n)?;
    }
    args.decode.apply(&mut bundle.meta.decoding);
    bundle.meta.decoding.validate()?;
    let bytes = bundle.to_bytes(storage)?;
    // Self-check: what was written reads back into a working engine.
    let reread =
        Bundle::from_bytes(&bytes).map_err(|e| CliError::failure(format!("written bundle does not read back: {e}")))?;
    Engine::from_bundle_with(&reread, &retort_models::generated_models())
        .map_err(|e| CliError::failure(format!("imported model does not load: {e}")))?;
    write_atomically(&args.output, &bytes)?;

    let m = &bundle.meta;
    println!("imported:     {} ({})", args.source.display(), m.provenance.source_format);
    println!("name:         {}", if m.name.is_empty() { "(none)" } else { &m.name });
    for line in spec_lines(&m.spec) {
        println!("{line}");
    }
    println!("vocabulary:   source {}, target {}", m.spec.src_vocab_size, m.spec.tgt_vocab_size);
    println!("tokenizer:    {}", tokenizer_name(m.tokenizer_kind));
    println!("task:         {}", m.task.map_or("(not stated)", ModelTask::describe));
    println!("parameters:   {}", thousands(bundle.parameter_count()));
    for note in &m.provenance.notes {
        println!("note:         {note}");
    }
    println!("output:       {} ({}, {})", args.output.display(), human_bytes(bytes.len()), storage.describe());
    Ok(())
}

/// A Retort bundle rather than a checkpoint: a file named .retort, or any file whose
/// safetensors header carries Retort metadata (read from the header alone: checkpoints can
/// be large).
fn is_bundle(path: &Path) -> bool {
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
fn restore(path: &Path, storage: &str) -> CliResult<Bundle> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io("bundle", path, e))?;
    let mut bundle = Bundle::from_bytes(&bytes)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let was = crate::inspect::storage_of(&bytes);
    bundle.meta.provenance.notes.push(format!("re-stored as {storage} from {name} (was {was})"));
    Ok(bundle)
}

/// Cuts both position tables to their first `n` rows.
fn cut_positions(bundle: &mut Bundle, n: usize) -> CliResult<()> {
    let old = bundle.meta.spec.max_positions;
    if n < 2 || n > old {
        return Err(CliError::usage(format!("--max-positions {n}: the model has {old} positions, give 2..={old}")));
    }
    for name in [names::ENC_POS, names::DEC_POS] {
        let t = bundle
            .tensors
            .get_mut(name)
            .ok_or_else(|| CliError::failure(format!("imported model lacks the position table '{name}'")))?;
        let width = t.shape.get(1).copied().unwrap_or(0);
        t.data.truncate(n * width);
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
fn write_atomically(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let file_name =
        path.file_name().ok_or_else(|| CliError::usage(format!("output '{}' is not a file name", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    let fail = |e: std::io::Error| CliError::failure(format!("cannot write '{}': {e}", path.display()));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}
