//! The one place where importers turn what they read into a Retort bundle: a format-neutral
//! [`ModelDescription`] from the format's configuration reader, the tensors its table mapped,
//! the position tables and the vocabulary side. Every importer's `ModelSpec` is built here, so
//! the spec and the tensors cannot disagree on what an importer chose.

use std::collections::HashMap;

use retort_core::spec::{names, Activation, ModelSpec, NormPosition, PositionKind, SpecialTokens};
use retort_core::{Bundle, BundleMeta, Provenance, StorageType, TensorData, TokenizerKind, TranslateOptions};

use crate::error::ImportError;
use crate::tensor_table::MappedTensors;

/// The architecture as the format's configuration describes it.
#[derive(Clone, Debug)]
pub struct ModelDescription {
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
    pub embedding_scale: f32,
    pub shared_embeddings: bool,
    pub tied_generator: bool,
}

/// Encoder and decoder position tables as `(rows, row-major values of width d_model)`; the
/// bundle keeps their common length.
pub struct Positions {
    pub kind: PositionKind,
    pub encoder: (usize, Vec<f32>),
    pub decoder: (usize, Vec<f32>),
}

impl Positions {
    /// The rows both tables have: the model's `max_positions`.
    pub fn common_rows(&self) -> usize {
        self.encoder.0.min(self.decoder.0)
    }
}

/// Everything of the bundle that is not architecture or weights.
pub struct BundleSide {
    pub special: SpecialTokens,
    pub tokenizer_kind: TokenizerKind,
    pub src_tokenizer: String,
    pub tgt_tokenizer: String,
    pub decoding: TranslateOptions,
    pub source_format: String,
    pub source_name: String,
    pub source_sha256: String,
    pub notes: Vec<String>,
    pub name: String,
}

/// Assembles and validates the bundle.
pub fn build_bundle(
    model: &ModelDescription,
    mapped: MappedTensors,
    positions: Positions,
    side: BundleSide,
) -> Result<Bundle, ImportError> {
    let d = model.d_model;
    let max_positions = positions.common_rows();
    let mut tensors: HashMap<String, TensorData> = mapped.tensors;
    for (name, (_, mut table)) in [(names::ENC_POS, positions.encoder), (names::DEC_POS, positions.decoder)] {
        table.truncate(max_positions * d);
        tensors.insert(name.into(), TensorData::new(vec![max_positions, d], table)?);
    }
    let spec = ModelSpec {
        architecture: "transformer".into(),
        d_model: d,
        heads: model.heads,
        ff: model.ff,
        encoder_layers: model.encoder_layers,
        decoder_layers: model.decoder_layers,
        src_vocab_size: model.src_vocab_size,
        tgt_vocab_size: model.tgt_vocab_size,
        norm: model.norm,
        layer_norm_eps: model.layer_norm_eps,
        activation: model.activation,
        position: positions.kind,
        max_positions,
        embedding_scale: model.embedding_scale,
        shared_embeddings: model.shared_embeddings,
        tied_generator: model.tied_generator,
        generator_bias: tensors.contains_key(names::GENERATOR_BIAS),
        attention_bias: mapped.attention_bias,
        ffn_bias: mapped.ffn_bias,
        special: side.special,
    };
    let bundle = Bundle {
        meta: BundleMeta {
            spec,
            tokenizer_kind: side.tokenizer_kind,
            src_tokenizer: side.src_tokenizer,
            tgt_tokenizer: side.tgt_tokenizer,
            decoding: side.decoding,
            provenance: Provenance {
                source_format: side.source_format,
                source_name: side.source_name,
                source_sha256: side.source_sha256,
                imported_by: format!("retort-import {}", env!("CARGO_PKG_VERSION")),
                notes: side.notes,
            },
            name: side.name,
            task: None,
            generated: None,
            computed_positions: Vec::new(),
        },
        tensors,
        stored_as: StorageType::F32,
    };
    bundle.validate()?;
    Ok(bundle)
}
