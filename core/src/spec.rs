//! The model spec: everything about a Transformer's shape and conventions that inference
//! needs, independent of where the weights came from (OpenNMT-py, CTranslate2, ...).
//!
//! Tensor names in a bundle are canonical (see [`names`]); importers map their source's
//! names onto these so the model code has one layout to read.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Limits on what a spec may claim, far above any seq2seq model in use (the Molecular
/// Transformer has 4 layers, d_model 256; big NMT models 12–24 layers, d_model 1024–4096), so
/// that a damaged or hostile header is refused before anything is sized from it.
pub const MAX_LAYERS: usize = 256;
pub const MAX_HEADS: usize = 1024;
pub const MAX_WIDTH: usize = 1 << 16;
pub const MAX_VOCAB: usize = 1 << 22;
pub const MAX_POSITIONS: usize = 1 << 20;

/// How a layer's sublayers are normalized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormPosition {
    /// LayerNorm before each sublayer, plus a final LayerNorm after the stack (OpenNMT-py).
    Pre,
    /// LayerNorm after each residual add (the original Transformer; some CTranslate2 models).
    Post,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    /// exact erf GELU
    Gelu,
    /// tanh approximation of GELU
    GeluTanh,
}

/// Where position information comes from. Either way the table itself is a tensor in the
/// bundle (`enc.pos` / `dec.pos`, shape [max_positions, d_model]) so that the values are
/// exactly those the original engine used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionKind {
    Sinusoidal,
    Learned,
}

/// Token ids with a fixed meaning. Source and target have separate vocabularies (they may be
/// identical when embeddings are shared).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialTokens {
    pub src_unk: u32,
    pub src_pad: u32,
    /// Prepended to every source sequence when set (some CTranslate2 models).
    #[serde(default)]
    pub src_bos: Option<u32>,
    /// Appended to every source sequence when set.
    #[serde(default)]
    pub src_eos: Option<u32>,
    pub tgt_unk: u32,
    pub tgt_pad: u32,
    /// The token the decoder starts from.
    pub tgt_bos: u32,
    pub tgt_eos: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Always "transformer" for now; kept so a bundle says what it is.
    pub architecture: String,
    pub d_model: usize,
    pub heads: usize,
    pub ff: usize,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub src_vocab_size: usize,
    pub tgt_vocab_size: usize,
    pub norm: NormPosition,
    pub layer_norm_eps: f64,
    pub activation: Activation,
    pub position: PositionKind,
    /// Rows of the position tables: the longest sequence (source, or target incl. BOS) the
    /// model can take.
    pub max_positions: usize,
    /// Embeddings are multiplied by this before positions are added (OpenNMT-py: sqrt(d_model)).
    pub embedding_scale: f32,
    /// Source and target embeddings are one tensor (`src_emb`; `tgt_emb` absent).
    pub shared_embeddings: bool,
    /// The generator's weight is the target embedding (`generator.weight` absent).
    pub tied_generator: bool,
    pub generator_bias: bool,
    /// q/k/v/out projections carry biases.
    pub attention_bias: bool,
    /// w1/w2 carry biases.
    pub ffn_bias: bool,
    pub special: SpecialTokens,
}

impl ModelSpec {
    pub fn head_dim(&self) -> usize {
        self.d_model / self.heads
    }

    /// Checks the spec is internally consistent; importers and the bundle loader call this so
    /// a bad spec is refused with a reason instead of failing deep inside the model.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidSpec(m));
        if self.architecture != "transformer" {
            return bad(format!("unsupported architecture '{}'", self.architecture));
        }
        if self.heads == 0 || self.d_model == 0 || !self.d_model.is_multiple_of(self.heads) {
            return bad(format!("d_model {} is not divisible by heads {}", self.d_model, self.heads));
        }
        if self.encoder_layers == 0 || self.decoder_layers == 0 || self.ff == 0 {
            return bad("layer counts and ff size must be positive".into());
        }
        if self.max_positions < 2 {
            return bad(format!("max_positions {} is too small", self.max_positions));
        }
        // Every count is capped before anything is sized from it: a header claiming 10^6 layers
        // must be refused here, not after building 10^7 tensor names.
        for (what, value, cap) in [
            ("encoder_layers", self.encoder_layers, MAX_LAYERS),
            ("decoder_layers", self.decoder_layers, MAX_LAYERS),
            ("heads", self.heads, MAX_HEADS),
            ("d_model", self.d_model, MAX_WIDTH),
            ("ff", self.ff, MAX_WIDTH * 8),
            ("src_vocab_size", self.src_vocab_size, MAX_VOCAB),
            ("tgt_vocab_size", self.tgt_vocab_size, MAX_VOCAB),
            ("max_positions", self.max_positions, MAX_POSITIONS),
        ] {
            if value > cap {
                return bad(format!("{what} {value} is beyond this reader's limit of {cap}"));
            }
        }
        if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0 && self.layer_norm_eps < 1.0) {
            return bad(format!("layer_norm_eps {} must be a small positive number", self.layer_norm_eps));
        }
        if self.shared_embeddings && self.src_vocab_size != self.tgt_vocab_size {
            return bad(format!(
                "shared embeddings need equal vocabularies (source {}, target {})",
                self.src_vocab_size, self.tgt_vocab_size
            ));
        }
        let s = &self.special;
        for (name, id, size) in [
            ("src_unk", Some(s.src_unk), self.src_vocab_size),
            ("src_pad", Some(s.src_pad), self.src_vocab_size),
            ("src_bos", s.src_bos, self.src_vocab_size),
            ("src_eos", s.src_eos, self.src_vocab_size),
            ("tgt_unk", Some(s.tgt_unk), self.tgt_vocab_size),
            ("tgt_pad", Some(s.tgt_pad), self.tgt_vocab_size),
            ("tgt_bos", Some(s.tgt_bos), self.tgt_vocab_size),
            ("tgt_eos", Some(s.tgt_eos), self.tgt_vocab_size),
        ] {
            if let Some(id) = id {
                if id as usize >= size {
                    return bad(format!("special token {name} = {id} is outside the vocabulary ({size})"));
                }
            }
        }
        Ok(())
    }

    /// Every tensor the model reads, with its expected shape. The loader checks a bundle
    /// against this list so a missing or misshapen tensor is named in the error.
    pub fn expected_tensors(&self) -> Vec<(String, Vec<usize>)> {
        use names::*;
        let d = self.d_model;
        let mut v: Vec<(String, Vec<usize>)> = Vec::new();
        let lin = |v: &mut Vec<(String, Vec<usize>)>, p: String, out: usize, inp: usize, bias: bool| {
            v.push((format!("{p}.weight"), vec![out, inp]));
            if bias {
                v.push((format!("{p}.bias"), vec![out]));
            }
        };
        let norm = |v: &mut Vec<(String, Vec<usize>)>, p: String| {
            v.push((format!("{p}.weight"), vec![d]));
            v.push((format!("{p}.bias"), vec![d]));
        };
        let attn = |v: &mut Vec<(String, Vec<usize>)>, p: String| {
            for proj in ["q", "k", "v", "o"] {
                lin(v, format!("{p}.{proj}"), d, d, self.attention_bias);
            }
        };
        let ffn = |v: &mut Vec<(String, Vec<usize>)>, p: String| {
            lin(v, format!("{p}.w1"), self.ff, d, self.ffn_bias);
            lin(v, format!("{p}.w2"), d, self.ff, self.ffn_bias);
        };
        v.push((SRC_EMB.into(), vec![self.src_vocab_size, d]));
        if !self.shared_embeddings {
            v.push((TGT_EMB.into(), vec![self.tgt_vocab_size, d]));
        }
        v.push((ENC_POS.into(), vec![self.max_positions, d]));
        v.push((DEC_POS.into(), vec![self.max_positions, d]));
        for i in 0..self.encoder_layers {
            attn(&mut v, enc_layer(i, "self_attn"));
            norm(&mut v, enc_layer(i, "norm_attn"));
            ffn(&mut v, enc_layer(i, "ffn"));
            norm(&mut v, enc_layer(i, "norm_ffn"));
        }
        if self.norm == NormPosition::Pre {
            norm(&mut v, ENC_NORM.into());
        }
        for i in 0..self.decoder_layers {
            attn(&mut v, dec_layer(i, "self_attn"));
            norm(&mut v, dec_layer(i, "norm_self"));
            attn(&mut v, dec_layer(i, "cross_attn"));
            norm(&mut v, dec_layer(i, "norm_cross"));
            ffn(&mut v, dec_layer(i, "ffn"));
            norm(&mut v, dec_layer(i, "norm_ffn"));
        }
        if self.norm == NormPosition::Pre {
            norm(&mut v, DEC_NORM.into());
        }
        if !self.tied_generator {
            v.push((GENERATOR_WEIGHT.into(), vec![self.tgt_vocab_size, d]));
        }
        if self.generator_bias {
            v.push((GENERATOR_BIAS.into(), vec![self.tgt_vocab_size]));
        }
        v
    }

    pub fn parameter_count(&self) -> usize {
        self.expected_tensors().iter().map(|(_, s)| s.iter().product::<usize>()).sum()
    }
}

/// Canonical tensor names. Linear weights are stored [out_features, in_features] (PyTorch's
/// layout); LayerNorms as `.weight` (gamma) and `.bias` (beta).
///
/// Encoder layer `i`: `enc.layers.{i}.self_attn.{q,k,v,o}`, `enc.layers.{i}.norm_attn`,
/// `enc.layers.{i}.ffn.{w1,w2}`, `enc.layers.{i}.norm_ffn`; final `enc.norm` (pre-norm only).
/// Decoder layer `i`: `dec.layers.{i}.self_attn.*`, `norm_self`, `cross_attn.*`, `norm_cross`,
/// `ffn.*`, `norm_ffn`; final `dec.norm` (pre-norm only). In pre-norm, `norm_X` is applied to
/// the input of sublayer X; in post-norm, to the residual sum after it.
pub mod names {
    pub const SRC_EMB: &str = "src_emb";
    pub const TGT_EMB: &str = "tgt_emb";
    pub const ENC_POS: &str = "enc.pos";
    pub const DEC_POS: &str = "dec.pos";
    pub const ENC_NORM: &str = "enc.norm";
    pub const DEC_NORM: &str = "dec.norm";
    pub const GENERATOR_WEIGHT: &str = "generator.weight";
    pub const GENERATOR_BIAS: &str = "generator.bias";

    pub fn enc_layer(i: usize, part: &str) -> String {
        format!("enc.layers.{i}.{part}")
    }
    pub fn dec_layer(i: usize, part: &str) -> String {
        format!("dec.layers.{i}.{part}")
    }
}

/// OpenNMT-py's sinusoidal table: sin on even, cos on odd columns, row p for position p.
/// Importers prefer the table stored in a checkpoint; this is for sources that do not store
/// one. (CTranslate2 generates a different layout; its importer builds that one itself.)
pub fn sinusoidal_table(max_positions: usize, d_model: usize) -> Vec<f32> {
    let mut t = vec![0f32; max_positions * d_model];
    for pos in 0..max_positions {
        for i in (0..d_model).step_by(2) {
            let div = (-(10000f64.ln()) * i as f64 / d_model as f64).exp();
            let a = pos as f64 * div;
            t[pos * d_model + i] = a.sin() as f32;
            if i + 1 < d_model {
                t[pos * d_model + i + 1] = a.cos() as f32;
            }
        }
    }
    t
}
