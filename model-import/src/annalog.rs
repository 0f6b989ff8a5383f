//! ANNalog (PyPI `annalog`, MIT): a SMILES-to-SMILES Transformer saved as a plain PyTorch state
//! dict plus a vocabulary pickle (`{'itos': [...], 'stoi': {...}}`, one vocabulary for both
//! sides). Its architecture is fixed by its code, not recorded in the files: post-norm layers,
//! learned positions, embeddings × √d, separate source/target embeddings, 8 heads, LayerNorm
//! eps 1e-5, ReLU; sources wrapped in `<sos> … <eos>`; REINVENT's SMILES tokenization.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use retort_core::bundle::sha256_hex;
use retort_core::spec::{Activation, NormPosition, PositionKind, SpecialTokens};
use retort_core::tokenize::SideTokenizer;
use retort_core::{Bundle, TensorData, TokenizerKind, TranslateOptions};

use crate::bundle_builder::{build_bundle, BundleSide, ModelDescription, Positions};
use crate::error::ImportError;
use crate::name_maps;
use crate::pickle::{self, Value};
use crate::tensor_table::{map_tensors, BiasPolicy, Dims, TableContext, TensorSource};
use crate::torch::{TensorRef, TorchFile};

/// ANNalog's handler hard-codes the head count; the state dict cannot tell it.
pub const ANNALOG_HEADS: usize = 8;

/// The licence notice that travels with ANNalog's weights (in the bundle's provenance).
pub const ANNALOG_NOTICE: &str = "ANNalog weights by Wei Dai (https://github.com/DVNecromancer/ANNalog), \
     distributed under the MIT License (PyPI package annalog 1.0.6); see fixtures/annalog/LICENSE";

fn format_err(m: impl Into<String>) -> ImportError {
    ImportError::Format(m.into())
}

fn read(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })
}

/// The vocabulary pickle's `itos` list.
fn vocabulary(bytes: &[u8]) -> Result<Vec<String>, ImportError> {
    let (root, _) = pickle::load_plain(bytes).map_err(|e| format_err(format!("vocabulary pickle: {e}")))?;
    let dict = root
        .as_dict()
        .ok_or_else(|| format_err(format!("vocabulary pickle holds a {}, expected a dict", root.type_name())))?;
    let itos = dict.borrow().get_str("itos").cloned().ok_or_else(|| format_err("vocabulary pickle has no 'itos'"))?;
    let items = match &itos {
        Value::List(l) => l.borrow().clone(),
        Value::Tuple(t) => t.to_vec(),
        other => return Err(format_err(format!("vocabulary 'itos' is a {}, expected a list", other.type_name()))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str().map(str::to_string).ok_or_else(|| format_err(format!("vocabulary entry {i} is not a string")))
        })
        .collect()
}

struct Weights<'f> {
    file: &'f TorchFile,
    map: HashMap<String, Rc<TensorRef>>,
}

impl Weights<'_> {
    fn layers(&self, prefix: &str) -> usize {
        self.map
            .keys()
            .filter_map(|k| k.strip_prefix(prefix)?.split('.').next()?.parse::<usize>().ok())
            .max()
            .map_or(0, |m| m + 1)
    }

    /// A stored tensor's shape, or the missing-tensor error.
    fn shape(&self, name: &str) -> Result<&[usize], ImportError> {
        self.map.get(name).map(|t| t.size.as_slice()).ok_or_else(|| self.missing(name))
    }
}

impl TensorSource for Weights<'_> {
    fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    fn read(&mut self, name: &str) -> Result<Option<TensorData>, ImportError> {
        let Some(t) = self.map.remove(name) else { return Ok(None) };
        let data = self.file.tensor_f32(&t).map_err(|e| format_err(format!("tensor '{name}': {e}")))?;
        Ok(Some(TensorData::new(t.size.clone(), data)?))
    }

    fn skip(&mut self, name: &str) {
        self.map.remove(name);
    }

    fn missing(&self, name: &str) -> ImportError {
        format_err(format!("tensor '{name}' is missing from the state dict"))
    }

    fn wrong_shape(&self, name: &str, found: &[usize], expected: &[usize]) -> ImportError {
        format_err(format!("tensor '{name}' has shape {found:?}, expected {expected:?}"))
    }
}

/// Imports ANNalog's checkpoint (`Lev_extended.pt`) and vocabulary pickle.
pub fn import_annalog(checkpoint: &Path, vocab: &Path) -> Result<Bundle, ImportError> {
    let ckpt_bytes = read(checkpoint)?;
    let vocab_bytes = read(vocab)?;
    let sha = sha256_hex(&[ckpt_bytes.as_slice(), vocab_bytes.as_slice()].concat());
    let itos = vocabulary(&vocab_bytes)?;
    let file = TorchFile::parse(ckpt_bytes)?;
    let root = file
        .root
        .as_dict()
        .ok_or_else(|| format_err(format!("checkpoint holds a {}, expected a state dict", file.root.type_name())))?;
    let mut map = HashMap::new();
    for (k, v) in root.borrow().entries() {
        match (k.as_str(), v) {
            (Some(k), Value::Tensor(t)) => {
                map.insert(k.to_string(), t.clone());
            }
            (k, v) => {
                return Err(format_err(format!("state dict entry {k:?} is a {}, expected a tensor", v.type_name())))
            }
        }
    }
    let mut w = Weights { file: &file, map };

    // ---- configuration: nothing is recorded, the shapes tell the sizes
    let encoder_layers = w.layers("encoder.layers.");
    let decoder_layers = w.layers("decoder.layers.");
    let [src_vocab, d] = w.shape("encoder.tok_embedding.weight")?[..] else {
        return Err(format_err("source embedding is not 2-D"));
    };
    let rows = |name: &str| -> Result<usize, ImportError> {
        match w.shape(name)? {
            &[rows, _] => Ok(rows),
            other => Err(format_err(format!("tensor '{name}' has shape {other:?}, expected a 2-D table"))),
        }
    };
    let tgt_vocab = rows("decoder.tok_embedding.weight")?;
    let max_positions = rows("encoder.pos_embedding.weight")?;
    let dec_positions = rows("decoder.pos_embedding.weight")?;
    if max_positions == 0 {
        return Err(format_err("the position tables are empty"));
    }
    if dec_positions != max_positions {
        return Err(ImportError::Unsupported(format!(
            "encoder and decoder position tables differ in length ({max_positions} vs {dec_positions})"
        )));
    }
    // The file decides every rank: check it before taking a dimension.
    let ff = match decoder_layers.checked_sub(1) {
        Some(last) => {
            let name = format!("decoder.layers.{last}.positionwise_feedforward.fc_1.weight");
            match w.map.get(&name).map(|t| t.size.as_slice()) {
                None => 0,
                Some(&[ff, _]) => ff,
                Some(other) => {
                    return Err(format_err(format!("tensor '{name}' has shape {other:?}, expected [ff, d]")))
                }
            }
        }
        None => 0,
    };
    let model = ModelDescription {
        d_model: d,
        heads: ANNALOG_HEADS,
        ff,
        encoder_layers,
        decoder_layers,
        src_vocab_size: src_vocab,
        tgt_vocab_size: tgt_vocab,
        norm: NormPosition::Post,
        layer_norm_eps: 1e-5,
        activation: Activation::Relu,
        embedding_scale: (d as f32).sqrt(),
        shared_embeddings: false,
        tied_generator: false,
    };

    // ---- tensors
    let ctx = TableContext {
        dims: Dims { d_model: d, ff, src_vocab, tgt_vocab },
        encoder_layers,
        decoder_layers,
        pre_norm: false,
        shared_embeddings: false,
        tied_generator: false,
        attention_bias: BiasPolicy::Known(true),
        ffn_bias: BiasPolicy::Known(true),
    };
    let mapped = map_tensors(name_maps::ANNALOG, &mut w, &ctx)?;
    // Learned position tables, read as they are.
    let positions = Positions {
        kind: PositionKind::Learned,
        encoder: (
            max_positions,
            w.read("encoder.pos_embedding.weight")?.map(TensorData::into_values).unwrap_or_default(),
        ),
        decoder: (
            max_positions,
            w.read("decoder.pos_embedding.weight")?.map(TensorData::into_values).unwrap_or_default(),
        ),
    };
    if !w.map.is_empty() {
        let mut left: Vec<&String> = w.map.keys().collect();
        left.sort();
        return Err(ImportError::Unsupported(format!(
            "state dict tensors ANNalog's architecture does not have: {left:?}"
        )));
    }

    // ---- vocabulary: one for both sides
    if itos.len() != src_vocab || itos.len() != tgt_vocab {
        return Err(format_err(format!(
            "vocabulary has {} tokens, the embeddings {src_vocab} (source) and {tgt_vocab} (target)",
            itos.len()
        )));
    }
    let id = |tok: &str| {
        itos.iter()
            .position(|t| t == tok)
            .map(|i| i as u32)
            .ok_or_else(|| format_err(format!("vocabulary lacks '{tok}'")))
    };
    let (unk, pad, sos, eos) = (id("<unk>")?, id("<pad>")?, id("<sos>")?, id("<eos>")?);
    let kind = TokenizerKind::ReinventSmiles;
    let tokenizer = SideTokenizer::build_json(&itos, "<unk>", kind)?;
    let side = BundleSide {
        special: SpecialTokens {
            src_unk: unk,
            src_pad: pad,
            src_bos: Some(sos),
            src_eos: Some(eos),
            tgt_unk: unk,
            tgt_pad: pad,
            tgt_bos: sos,
            tgt_eos: eos,
        },
        tokenizer_kind: kind,
        src_tokenizer: tokenizer.clone(),
        tgt_tokenizer: tokenizer,
        // ANNalog generates at most its 102 positions: <sos> plus 101 tokens.
        decoding: TranslateOptions { max_length: max_positions - 1, ..TranslateOptions::default() },
        source_format: format!("annalog state dict ({})", file.format.describe()),
        source_name: checkpoint.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        source_sha256: sha,
        notes: vec![ANNALOG_NOTICE.to_string()],
        name: "ANNalog".into(),
    };
    build_bundle(&model, mapped, positions, side)
}
