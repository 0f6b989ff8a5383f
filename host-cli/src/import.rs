//! `retort import`: an OpenNMT-py checkpoint or a CTranslate2 model directory to a bundle.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use retort_core::spec::names;
use retort_core::{Bundle, Engine, StorageType, TokenizerKind};

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
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// An OpenNMT-py checkpoint file (.pt) or a CTranslate2 model directory (with model.bin).
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
    let imported = match &args.annalog_vocab {
        Some(vocab) => retort_import::annalog::import_annalog(&args.source, vocab),
        None => retort_import::import_path(&args.source, args.tokenizer.map(Into::into)),
    };
    let mut bundle = imported
        .map_err(|e| CliError::from(e).context(format!("cannot import '{}'", args.source.display())))?;
    if let Some(name) = &args.name {
        bundle.meta.name = name.clone();
    }
    if let Some(n) = args.max_positions {
        cut_positions(&mut bundle, n)?;
    }
    args.decode.apply(&mut bundle.meta.decoding);
    bundle.meta.decoding.validate()?;
    let storage = match args.storage {
        StorageArg::F32 => StorageType::F32,
        StorageArg::F16 => StorageType::F16,
    };
    let bytes = bundle.to_bytes(storage)?;
    // Self-check: what was written reads back into a working engine.
    let reread = Bundle::from_bytes(&bytes).map_err(|e| CliError::failure(format!("written bundle does not read back: {e}")))?;
    Engine::from_bundle(&reread).map_err(|e| CliError::failure(format!("imported model does not load: {e}")))?;
    write_atomically(&args.output, &bytes)?;

    let m = &bundle.meta;
    println!("imported:     {} ({})", args.source.display(), m.provenance.source_format);
    println!("name:         {}", if m.name.is_empty() { "(none)" } else { &m.name });
    for line in spec_lines(&m.spec) {
        println!("{line}");
    }
    println!("vocabulary:   source {}, target {}", m.spec.src_vocab_size, m.spec.tgt_vocab_size);
    println!("tokenizer:    {}", tokenizer_name(m.tokenizer_kind));
    println!("parameters:   {}", thousands(bundle.parameter_count()));
    for note in &m.provenance.notes {
        println!("note:         {note}");
    }
    let storage_name = match storage {
        StorageType::F32 => "f32",
        StorageType::F16 => "f16",
    };
    println!("output:       {} ({}, {storage_name})", args.output.display(), human_bytes(bytes.len()));
    Ok(())
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
    let file_name = path
        .file_name()
        .ok_or_else(|| CliError::usage(format!("output '{}' is not a file name", path.display())))?;
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
