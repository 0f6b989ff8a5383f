//! Synthetic bundles with seeded random weights: for tests, benchmarks of a given shape, and
//! checks that need a model but not a trained one.

use std::collections::HashMap;

use crate::bundle::{Bundle, BundleMeta, Provenance, StorageType, TensorData, TokenizerKind};
use crate::error::Result;
use crate::options::TranslateOptions;
use crate::spec::{sinusoidal_table, Activation, ModelSpec, NormPosition, PositionKind, SpecialTokens};
use crate::tokenize::SideTokenizer;

/// A small OpenNMT-py-shaped spec (pre-norm, shared embeddings, biases everywhere).
pub fn small_spec(vocab: usize) -> ModelSpec {
    ModelSpec {
        architecture: "transformer".into(),
        d_model: 32,
        heads: 4,
        ff: 64,
        encoder_layers: 2,
        decoder_layers: 2,
        src_vocab_size: vocab,
        tgt_vocab_size: vocab,
        norm: NormPosition::Pre,
        layer_norm_eps: 1e-6,
        activation: Activation::Relu,
        position: PositionKind::Sinusoidal,
        max_positions: 256,
        embedding_scale: (32f32).sqrt(),
        shared_embeddings: true,
        tied_generator: false,
        generator_bias: true,
        attention_bias: true,
        ffn_bias: true,
        special: SpecialTokens {
            src_unk: 0,
            src_pad: 1,
            src_bos: None,
            src_eos: None,
            tgt_unk: 0,
            tgt_pad: 1,
            tgt_bos: 2,
            tgt_eos: 3,
        },
    }
}

/// The Molecular Transformer's shape (4+4 layers, d 256, 8 heads, ff 2048, shared embeddings).
pub fn molecular_transformer_spec(vocab: usize) -> ModelSpec {
    ModelSpec {
        d_model: 256,
        heads: 8,
        ff: 2048,
        encoder_layers: 4,
        decoder_layers: 4,
        embedding_scale: 16.0,
        max_positions: 5000,
        ..small_spec(vocab)
    }
}

/// A vocabulary in OpenNMT-py's order: `<unk> <blank> <s> </s>` then SMILES-ish tokens.
pub fn smiles_vocab(size: usize) -> Vec<String> {
    let base = [
        "<unk>", "<blank>", "<s>", "</s>", "C", "c", "(", ")", "O", "1", "N", "=", "2", "n", "[", "]", "Cl", "F", "3",
        "S", "Br", "#", "-", ".", "o", "s", "[nH]", "I", "P", "4", "[N+]", "[O-]", "B", "[Na+]", "[K+]", "/", "\\",
        "@", "[C@H]", "[C@@H]", "5", "[Si]", "[Li]", "[H-]", "[Pd]", "[Cu]", "[Mg+]", "[Zn]", "[Sn]", "6",
    ];
    (0..size).map(|i| base.get(i).map(|s| s.to_string()).unwrap_or_else(|| format!("[X{i}]"))).collect()
}

/// Deterministic pseudo-random weights, scaled like a trained model's (std ~ 1/sqrt(fan_in)).
pub fn random_bundle(spec: ModelSpec, seed: u64) -> Result<Bundle> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    let mut tensors = HashMap::new();
    for (name, shape) in spec.expected_tensors() {
        let n: usize = shape.iter().product();
        let data = if name.ends_with(".pos") {
            sinusoidal_table(shape[0], shape[1])
        } else if name.contains("norm") && name.ends_with(".weight") {
            (0..n).map(|_| 1.0 + 0.1 * next()).collect()
        } else if name.contains("norm") || name.ends_with(".bias") {
            (0..n).map(|_| 0.05 * next()).collect()
        } else {
            let fan_in = *shape.last().unwrap_or(&1) as f32;
            let scale = if name.ends_with("emb") { 0.3 } else { 1.7 / fan_in.sqrt() };
            (0..n).map(|_| scale * next()).collect()
        };
        tensors.insert(name, TensorData::new(shape, data)?);
    }
    let vocab = smiles_vocab(spec.src_vocab_size);
    let tgt_vocab = smiles_vocab(spec.tgt_vocab_size);
    let meta = BundleMeta {
        src_tokenizer: SideTokenizer::build_json(&vocab, "<unk>", TokenizerKind::Smiles)?,
        tgt_tokenizer: SideTokenizer::build_json(&tgt_vocab, "<unk>", TokenizerKind::Smiles)?,
        tokenizer_kind: TokenizerKind::Smiles,
        decoding: TranslateOptions::default(),
        provenance: Provenance {
            source_format: "synthetic (random weights)".into(),
            source_name: format!("seed {seed}"),
            source_sha256: String::new(),
            imported_by: format!("retort-core {}", env!("CARGO_PKG_VERSION")),
            notes: vec!["untrained: for tests and benchmarks only".into()],
        },
        name: "random".into(),
        task: None,
        spec,
        generated: None,
        computed_positions: Vec::new(),
    };
    Ok(Bundle { meta, tensors, stored_as: StorageType::F32 })
}

/// A bundle's file bytes written without validation, checksums recomputed: what an attacker
/// who edits a bundle and fixes its hashes produces. Loading them must refuse every bad value.
pub fn unvalidated_bundle_bytes(bundle: &Bundle, storage: StorageType) -> Result<Vec<u8>> {
    bundle.encode(storage)
}
