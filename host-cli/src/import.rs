//! `retort import`: an OpenNMT-py checkpoint or a CTranslate2 model directory to a bundle;
//! or an existing bundle re-stored (e.g. as int8 for a smaller file).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use retort_core::{ModelTask, StorageType, TokenizerKind};
use retort_import::{write_bundle, ImportError, ImportJob};

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
    let job = ImportJob {
        source: args.source.clone(),
        tokenizer: args.tokenizer.map(Into::into),
        annalog_vocab: args.annalog_vocab.clone(),
        name: args.name.clone(),
        task: args.task.map(Into::into),
        max_positions: args.max_positions,
    };
    let mut bundle = job.read(storage).map_err(|e| match e {
        // the user's own flag, not a problem with the source
        ImportError::InvalidArgument { .. } => CliError::from(e),
        other => CliError::from(other).context(format!("cannot import '{}'", args.source.display())),
    })?;
    args.decode.apply(&mut bundle.meta.decoding);
    let bytes = write_bundle(&bundle, storage, &args.output, &retort_models::generated_models())?;

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
