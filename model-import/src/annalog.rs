//! ANNalog (PyPI `annalog`, MIT): a SMILES-to-SMILES Transformer saved as a plain PyTorch state
//! dict plus a vocabulary pickle (`{'itos': [...], 'stoi': {...}}`, one vocabulary for both
//! sides). Its architecture is fixed by its code, not recorded in the files: post-norm layers,
//! learned positions, embeddings × √d, separate source/target embeddings, 8 heads, LayerNorm
//! eps 1e-5, ReLU; sources wrapped in `<sos> … <eos>`; REINVENT's SMILES tokenization.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use retort_core::bundle::sha256_hex;
use retort_core::spec::{names, Activation, NormPosition, PositionKind, SpecialTokens};
use retort_core::tokenize::SideTokenizer;
use retort_core::{Bundle, BundleMeta, ModelSpec, Provenance, TensorData, TokenizerKind, TranslateOptions};

use crate::error::ImportError;
use crate::pickle::{self, Value};
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
    fn take(&mut self, name: &str) -> Result<TensorData, ImportError> {
        let t = self
            .map
            .remove(name)
            .ok_or_else(|| format_err(format!("tensor '{name}' is missing from the state dict")))?;
        let data = self.file.tensor_f32(&t).map_err(|e| format_err(format!("tensor '{name}': {e}")))?;
        Ok(TensorData::new(t.size.clone(), data)?)
    }

    fn layers(&self, prefix: &str) -> usize {
        self.map
            .keys()
            .filter_map(|k| k.strip_prefix(prefix)?.split('.').next()?.parse::<usize>().ok())
            .max()
            .map_or(0, |m| m + 1)
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
    let enc_layers = w.layers("encoder.layers.");
    let dec_layers = w.layers("decoder.layers.");

    let mut tensors: HashMap<String, TensorData> = HashMap::new();
    let mut put = |name: String, t: TensorData| {
        tensors.insert(name, t);
    };
    let src_emb = w.take("encoder.tok_embedding.weight")?;
    let [src_vocab, d] = src_emb.shape[..] else { return Err(format_err("source embedding is not 2-D")) };
    let tgt_emb = w.take("decoder.tok_embedding.weight")?;
    let enc_pos = w.take("encoder.pos_embedding.weight")?;
    let max_positions = enc_pos.shape[0];
    let dec_pos = w.take("decoder.pos_embedding.weight")?;
    if dec_pos.shape[0] != max_positions {
        return Err(ImportError::Unsupported(format!(
            "encoder and decoder position tables differ in length ({max_positions} vs {})",
            dec_pos.shape[0]
        )));
    }
    let tgt_vocab = tgt_emb.shape[0];
    put(names::SRC_EMB.into(), src_emb);
    put(names::TGT_EMB.into(), tgt_emb);
    put(names::ENC_POS.into(), enc_pos);
    put(names::DEC_POS.into(), dec_pos);
    put(names::GENERATOR_WEIGHT.into(), w.take("decoder.fc_out.weight")?);
    put(names::GENERATOR_BIAS.into(), w.take("decoder.fc_out.bias")?);
    let mut lin = |w: &mut Weights, dst: String, src: String| -> Result<(), ImportError> {
        tensors.insert(format!("{dst}.weight"), w.take(&format!("{src}.weight"))?);
        tensors.insert(format!("{dst}.bias"), w.take(&format!("{src}.bias"))?);
        Ok(())
    };
    let proj = [("q", "fc_q"), ("k", "fc_k"), ("v", "fc_v"), ("o", "fc_o")];
    for i in 0..enc_layers {
        let s = format!("encoder.layers.{i}");
        for (c, a) in proj {
            lin(&mut w, names::enc_layer(i, &format!("self_attn.{c}")), format!("{s}.self_attention.{a}"))?;
        }
        lin(&mut w, names::enc_layer(i, "norm_attn"), format!("{s}.self_attn_layer_norm"))?;
        lin(&mut w, names::enc_layer(i, "ffn.w1"), format!("{s}.positionwise_feedforward.fc_1"))?;
        lin(&mut w, names::enc_layer(i, "ffn.w2"), format!("{s}.positionwise_feedforward.fc_2"))?;
        lin(&mut w, names::enc_layer(i, "norm_ffn"), format!("{s}.ff_layer_norm"))?;
    }
    let mut ff = 0;
    for i in 0..dec_layers {
        let s = format!("decoder.layers.{i}");
        for (c, a) in proj {
            lin(&mut w, names::dec_layer(i, &format!("self_attn.{c}")), format!("{s}.self_attention.{a}"))?;
            lin(&mut w, names::dec_layer(i, &format!("cross_attn.{c}")), format!("{s}.encoder_attention.{a}"))?;
        }
        lin(&mut w, names::dec_layer(i, "norm_self"), format!("{s}.self_attn_layer_norm"))?;
        lin(&mut w, names::dec_layer(i, "norm_cross"), format!("{s}.enc_attn_layer_norm"))?;
        ff = w.map.get(&format!("{s}.positionwise_feedforward.fc_1.weight")).map_or(0, |t| t.size[0]);
        lin(&mut w, names::dec_layer(i, "ffn.w1"), format!("{s}.positionwise_feedforward.fc_1"))?;
        lin(&mut w, names::dec_layer(i, "ffn.w2"), format!("{s}.positionwise_feedforward.fc_2"))?;
        lin(&mut w, names::dec_layer(i, "norm_ffn"), format!("{s}.ff_layer_norm"))?;
    }
    if !w.map.is_empty() {
        let mut left: Vec<&String> = w.map.keys().collect();
        left.sort();
        return Err(ImportError::Unsupported(format!(
            "state dict tensors ANNalog's architecture does not have: {left:?}"
        )));
    }
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
    let spec = ModelSpec {
        architecture: "transformer".into(),
        d_model: d,
        heads: ANNALOG_HEADS,
        ff,
        encoder_layers: enc_layers,
        decoder_layers: dec_layers,
        src_vocab_size: src_vocab,
        tgt_vocab_size: tgt_vocab,
        norm: NormPosition::Post,
        layer_norm_eps: 1e-5,
        activation: Activation::Relu,
        position: PositionKind::Learned,
        max_positions,
        embedding_scale: (d as f32).sqrt(),
        shared_embeddings: false,
        tied_generator: false,
        generator_bias: true,
        attention_bias: true,
        ffn_bias: true,
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
    };
    let kind = TokenizerKind::ReinventSmiles;
    let tokenizer = SideTokenizer::build_json(&itos, "<unk>", kind)?;
    let file_name = checkpoint.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bundle = Bundle {
        meta: BundleMeta {
            spec,
            tokenizer_kind: kind,
            src_tokenizer: tokenizer.clone(),
            tgt_tokenizer: tokenizer,
            // ANNalog generates at most its 102 positions: <sos> plus 101 tokens.
            decoding: TranslateOptions { max_length: max_positions - 1, ..TranslateOptions::default() },
            provenance: Provenance {
                source_format: format!("annalog state dict ({})", file.format.describe()),
                source_name: file_name,
                source_sha256: sha,
                imported_by: format!("retort-import {}", env!("CARGO_PKG_VERSION")),
                notes: vec![ANNALOG_NOTICE.to_string()],
            },
            name: "ANNalog".into(),
            generated: None,
            computed_positions: Vec::new(),
        },
        tensors,
    };
    bundle.validate()?;
    Ok(bundle)
}
