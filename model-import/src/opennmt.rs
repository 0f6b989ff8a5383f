//! OpenNMT-py Transformer checkpoints (`*.pt` from `onmt_train`, every generation from 0.9 to
//! 3.x) → Retort bundles, without Python or torch.
//!
//! A checkpoint is a pickled dict: `model` (the state dict, generator excluded), `generator`
//! (the generator's state dict: `0.weight`/`0.bias` in 1.x and 2.x, `weight`/`bias` in 3.x),
//! `vocab` and `opt` (the training `argparse.Namespace`), and often `optim` (skipped).
//!
//! `vocab` differs by generation:
//! * ≤ 2.x: torchtext `Field`s: a dict `{'src': TextMultiField, 'tgt': TextMultiField, ...}`,
//!   or the older list of `(name, Field)` / `(name, Vocab)` pairs, or a dict of such lists.
//!   The field's `vocab.itos` gives the id order and the field names its special tokens.
//! * 3.x: `{'src': [tokens], 'tgt': [tokens], 'data_task': 'seq2seq', 'decoder_start_token': '<s>'}`.
//!
//! OpenNMT-py's Transformer is pre-norm with final LayerNorms, embeddings scaled by
//! sqrt(d_model) then added to a sinusoidal table (stored in the state dict as
//! `...make_embedding.pe.pe`), and a Linear + log-softmax generator. Options this importer
//! does not implement are refused with an error that names them.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

use retort_core::bundle::{sha256_hex, Bundle, TensorData, TokenizerKind};
use retort_core::options::{BeamCompat, TranslateOptions};
use retort_core::spec::{Activation, NormPosition, PositionKind, SpecialTokens};
use retort_core::tokenize::SideTokenizer;

use crate::bundle_builder::{build_bundle, BundleSide, ModelDescription, Positions};
use crate::error::ImportError;
use crate::name_maps;
use crate::pickle::Value;
use crate::tensor_table::{map_tensors, BiasPolicy, Dims, TableContext, TensorSource};
use crate::torch::{TensorRef, TorchFile};

/// OpenNMT-py's default special tokens.
const UNK: &str = "<unk>";
const PAD: &str = "<blank>";
const BOS: &str = "<s>";
const EOS: &str = "</s>";

/// `max_len` of OpenNMT-py's `PositionalEncoding`, used when a checkpoint stores no table.
const DEFAULT_MAX_LEN: usize = 5000;

/// Imports an OpenNMT-py checkpoint file. `tokenizer` chooses how raw text is split into the
/// vocabulary's tokens (OpenNMT-py itself takes pre-tokenized input).
pub fn import_opennmt_checkpoint(path: &Path, tokenizer: TokenizerKind) -> Result<Bundle, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = path.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let sha = sha256_hex(&bytes);
    let in_file = |e: ImportError| match e {
        ImportError::Format(m) => ImportError::Format(format!("{file_name}: {m}")),
        ImportError::Unsupported(m) => ImportError::Unsupported(format!("{file_name}: {m}")),
        other => other,
    };
    let file = TorchFile::parse(bytes).map_err(in_file)?;
    let mut bundle = checkpoint_to_bundle(&file, tokenizer).map_err(in_file)?;
    bundle.meta.provenance.source_name = file_name;
    bundle.meta.provenance.source_sha256 = sha;
    bundle.meta.name = stem;
    Ok(bundle)
}

/// Converts a parsed checkpoint. Provenance carries the format; the caller fills in the file's
/// name and hash.
pub fn checkpoint_to_bundle(file: &TorchFile, tokenizer: TokenizerKind) -> Result<Bundle, ImportError> {
    let (config, mut checkpoint) = read_config(file)?;
    let CheckpointConfig { model, src, tgt, attention_bias, ffn_bias, modern_vocab, mut notes, .. } = config;
    let d = model.d_model;
    let ctx = TableContext {
        dims: Dims { d_model: d, ff: model.ff, src_vocab: model.src_vocab_size, tgt_vocab: model.tgt_vocab_size },
        encoder_layers: model.encoder_layers,
        decoder_layers: model.decoder_layers,
        pre_norm: true,
        shared_embeddings: model.shared_embeddings,
        tied_generator: model.tied_generator,
        attention_bias: BiasPolicy::Known(attention_bias),
        ffn_bias: BiasPolicy::Known(ffn_bias),
    };
    let mut mapped = map_tensors(name_maps::OPENNMT, &mut checkpoint, &ctx)?;
    notes.append(&mut mapped.notes);
    let Checkpoint { model: mut sd, generator } = checkpoint;
    generator.finish()?;

    // Position tables: the stored ones, else generated as OpenNMT-py does.
    let enc_pe = sd.take_position_table("encoder.embeddings.make_embedding.pe.pe", d)?;
    let dec_pe = sd.take_position_table("decoder.embeddings.make_embedding.pe.pe", d)?;
    if enc_pe.is_none() && dec_pe.is_none() && !config.position_encoding {
        return Err(ImportError::Unsupported(
            "position_encoding=False: the model has no absolute position encoding".into(),
        ));
    }
    let generated = || -> Vec<f32> {
        if config.concat_positions {
            sinusoidal_concat_table(DEFAULT_MAX_LEN, d)
        } else {
            retort_core::spec::sinusoidal_table(DEFAULT_MAX_LEN, d)
        }
    };
    if enc_pe.is_none() || dec_pe.is_none() {
        notes.push("a position table was not stored and was generated".into());
    }
    let positions = Positions {
        kind: PositionKind::Sinusoidal,
        encoder: enc_pe.unwrap_or_else(|| (DEFAULT_MAX_LEN, generated())),
        decoder: dec_pe.unwrap_or_else(|| (DEFAULT_MAX_LEN, generated())),
    };
    sd.finish()?;

    // ---- vocabularies and special tokens
    let id = |v: &SideVocab, tok: &str, side: &str, what: &str| -> Result<u32, ImportError> {
        v.itos
            .iter()
            .position(|t| t == tok)
            .map(|i| i as u32)
            .ok_or_else(|| ImportError::Format(format!("the {side} vocabulary lacks its {what} token '{tok}'")))
    };
    let special = SpecialTokens {
        src_unk: id(&src, &src.unk, "source", "unknown")?,
        src_pad: id(&src, &src.pad, "source", "padding")?,
        src_bos: None,
        src_eos: None,
        tgt_unk: id(&tgt, &tgt.unk, "target", "unknown")?,
        tgt_pad: id(&tgt, &tgt.pad, "target", "padding")?,
        tgt_bos: id(&tgt, &tgt.bos, "target", "start")?,
        tgt_eos: id(&tgt, &tgt.eos, "target", "end")?,
    };
    let (src_tokens, src_renamed) = unique_tokens(&src.itos);
    let (tgt_tokens, tgt_renamed) = unique_tokens(&tgt.itos);
    if src_renamed + tgt_renamed > 0 {
        notes.push(format!(
            "{} duplicate vocabulary entries were renamed (they are unreachable in OpenNMT-py too)",
            src_renamed + tgt_renamed
        ));
    }
    let side = BundleSide {
        special,
        tokenizer_kind: tokenizer,
        src_tokenizer: SideTokenizer::build_json(&src_tokens, &src.unk, tokenizer)?,
        tgt_tokenizer: SideTokenizer::build_json(&tgt_tokens, &tgt.unk, tokenizer)?,
        // OpenNMT-py's translate defaults (1.2 through 3.x): beam 5, n_best 1, max_length
        // 100, min_length 0, no penalties; beam-search semantics of the generation that
        // trained the model.
        decoding: TranslateOptions {
            beam_compat: if modern_vocab { BeamCompat::OpennmtPy3 } else { BeamCompat::OpennmtPy1 },
            ..TranslateOptions::default()
        },
        source_format: format!("opennmt-py {} checkpoint ({})", config.generation, file.format.describe()),
        source_name: String::new(),
        source_sha256: String::new(),
        notes,
        name: String::new(),
    };
    build_bundle(&model, mapped, positions, side)
}

/// What a checkpoint's options, vocabularies and tensor shapes say about the model.
struct CheckpointConfig {
    model: ModelDescription,
    src: SideVocab,
    tgt: SideVocab,
    attention_bias: bool,
    ffn_bias: bool,
    /// "1.x", "2.x" or "3.x".
    generation: &'static str,
    modern_vocab: bool,
    /// `position_encoding=True`: a missing table is generated rather than refused.
    position_encoding: bool,
    /// Generated tables use 3.x's "SinusoidalConcat" layout.
    concat_positions: bool,
    notes: Vec<String>,
}

/// The configuration reader: refuses what Retort does not implement and describes the rest.
/// Also returns the checkpoint's state dicts, for the name map to consume.
fn read_config(file: &TorchFile) -> Result<(CheckpointConfig, Checkpoint<'_>), ImportError> {
    let root = &file.root;
    let top = root.as_dict().ok_or_else(|| {
        ImportError::Format(format!("not an OpenNMT-py checkpoint: the saved object is a {}", root.type_name()))
    })?;
    let get = |k: &str| top.borrow().get_str(k).cloned();
    let model = match &get("model") {
        Some(Value::Dict(d)) => d.clone(),
        Some(other) => {
            return Err(ImportError::Format(format!(
                "checkpoint 'model' is a {}, expected a state dict",
                other.type_name()
            )))
        }
        None => {
            let keys: Vec<String> =
                top.borrow().entries().iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect();
            if get("opt").is_some() && get("vocab").is_some() {
                return Err(ImportError::Unsupported(
                    "checkpoint without 'model' weights (saved with save_format=safetensors: the weights are in a \
                     separate .safetensors file)"
                        .into(),
                ));
            }
            return Err(ImportError::Format(format!(
                "not an OpenNMT-py checkpoint: no 'model' entry (top-level keys: {})",
                keys.join(", ")
            )));
        }
    };
    let opt = Opts(get("opt").ok_or_else(|| ImportError::Format("checkpoint has no 'opt' (training options)".into()))?);
    let vocab = get("vocab").ok_or_else(|| ImportError::Format("checkpoint has no 'vocab'".into()))?;

    let modern_vocab = is_modern_vocab(&vocab);
    let generation = if modern_vocab {
        "3.x"
    } else if matches!(opt.get("data"), Some(Value::Dict(_))) {
        "2.x"
    } else {
        "1.x"
    };
    let mut notes = Vec::new();

    // ---- options we refuse
    refuse_unsupported(&opt, &vocab, modern_vocab)?;

    // ---- vocabularies
    let (src, tgt) = if modern_vocab { modern_vocabs(&vocab)? } else { field_vocabs(&vocab)? };

    // ---- state dicts
    let sd = StateDict::new(file, &model, "model")?;
    let generator = match &get("generator") {
        Some(Value::Dict(d)) => Some(StateDict::new(file, d, "generator")?),
        Some(Value::None) | None => None,
        Some(other) => {
            return Err(ImportError::Format(format!("checkpoint 'generator' is a {}", other.type_name())));
        }
    };
    if get("optim").is_some_and(|o| !matches!(o, Value::None)) {
        notes.push("the checkpoint's optimizer state was skipped".to_string());
    }

    let enc_layers = sd.count_layers("encoder.transformer.");
    let dec_layers = sd.count_layers("decoder.transformer_layers.");
    if enc_layers == 0 || dec_layers == 0 {
        let enc_type = opt.str("encoder_type").unwrap_or_default();
        let dec_type = opt.str("decoder_type").unwrap_or_default();
        return Err(ImportError::Unsupported(format!(
            "not a Transformer encoder-decoder (encoder_type '{enc_type}', decoder_type '{dec_type}'; \
             found {enc_layers} encoder and {dec_layers} decoder Transformer layers)"
        )));
    }
    for (opt_name, found) in [("enc_layers", enc_layers), ("dec_layers", dec_layers)] {
        let want = opt.int("layers").filter(|&l| l > 0).or_else(|| opt.int(opt_name));
        if let Some(want) = want {
            if want as usize != found {
                return Err(ImportError::Format(format!(
                    "option {opt_name} says {want} layers but the state dict has {found}"
                )));
            }
        }
    }

    let src_emb_name = "encoder.embeddings.make_embedding.emb_luts.0.weight";
    let tgt_emb_name = "decoder.embeddings.make_embedding.emb_luts.0.weight";
    let src_emb_ref = sd.peek(src_emb_name)?;
    let tgt_emb_ref = sd.peek(tgt_emb_name)?;
    if src_emb_ref.size.len() != 2 || tgt_emb_ref.size.len() != 2 {
        return Err(ImportError::Format("embedding tables must be 2-dimensional".into()));
    }
    let d = src_emb_ref.size[1];
    if tgt_emb_ref.size[1] != d {
        return Err(ImportError::Unsupported(format!(
            "source and target embedding sizes differ ({d} and {})",
            tgt_emb_ref.size[1]
        )));
    }
    for (side, rows, vocab) in [("source", src_emb_ref.size[0], &src), ("target", tgt_emb_ref.size[0], &tgt)] {
        if rows != vocab.itos.len() {
            return Err(ImportError::Format(format!(
                "{side} embedding has {rows} rows but the {side} vocabulary has {} tokens",
                vocab.itos.len()
            )));
        }
    }
    let heads = opt.int("heads").unwrap_or(8);
    if heads <= 0 || d % heads as usize != 0 {
        return Err(ImportError::Format(format!("d_model {d} is not divisible by heads {heads}")));
    }
    let heads = heads as usize;
    if let Some(num_kv) = opt.int("num_kv") {
        if num_kv != 0 && num_kv as usize != heads {
            return Err(ImportError::Unsupported(format!("num_kv={num_kv} (grouped-query attention; heads={heads})")));
        }
    }
    let ff_ref = sd.peek("encoder.transformer.0.feed_forward.w_1.weight")?;
    if ff_ref.size.len() != 2 || ff_ref.size[1] != d {
        return Err(ImportError::Format(format!(
            "encoder.transformer.0.feed_forward.w_1.weight has shape {:?}, expected [ff, {d}]",
            ff_ref.size
        )));
    }
    let ff = ff_ref.size[0];
    // Biases are all there or all absent: the first layer tells (a stray one is left over).
    let attention_bias = sd.has("encoder.transformer.0.self_attn.linear_query.bias");
    let ffn_bias = sd.has("encoder.transformer.0.feed_forward.w_1.bias");
    let activation = match opt.str("pos_ffn_activation_fn").as_deref() {
        None | Some("relu") => Activation::Relu,
        Some("gelu") => Activation::Gelu,
        Some(other) => return Err(ImportError::Unsupported(format!("pos_ffn_activation_fn={other}"))),
    };
    let eps = opt.float("norm_eps").unwrap_or(1e-6);

    // Embeddings: shared when source and target are one table over one vocabulary.
    let shared_embeddings = src.itos == tgt.itos
        && (src_emb_ref.same_view(&tgt_emb_ref) || sd.peek_f32(src_emb_name)? == sd.peek_f32(tgt_emb_name)?);
    if opt.bool("share_embeddings") == Some(true) && !shared_embeddings {
        notes.push("share_embeddings is set but the stored tables differ; both were kept".into());
    }

    // Generator: tied when its weight is the target embedding.
    let generator = generator.ok_or_else(|| ImportError::Format("checkpoint has no 'generator' state dict".into()))?;
    let gen_w_name = ["0.weight", "weight"].into_iter().find(|n| generator.has(n)).ok_or_else(|| {
        ImportError::Unsupported(format!(
            "generator state dict with keys [{}] (only a Linear generator is supported)",
            generator.remaining().join(", ")
        ))
    })?;
    let tied_generator = generator.peek(gen_w_name)?.same_view(&tgt_emb_ref)
        || generator.peek_f32(gen_w_name)? == sd.peek_f32(tgt_emb_name)?;

    let concat_positions = match opt.str("position_encoding_type").as_deref() {
        None | Some("SinusoidalInterleaved") => false,
        Some("SinusoidalConcat") => true,
        Some(other) => return Err(ImportError::Unsupported(format!("position_encoding_type={other}"))),
    };

    let model = ModelDescription {
        d_model: d,
        heads,
        ff,
        encoder_layers: enc_layers,
        decoder_layers: dec_layers,
        src_vocab_size: src.itos.len(),
        tgt_vocab_size: tgt.itos.len(),
        // OpenNMT-py's Transformer: pre-norm, embeddings scaled by sqrt(d_model).
        norm: NormPosition::Pre,
        layer_norm_eps: eps,
        activation,
        embedding_scale: (d as f32).sqrt(),
        shared_embeddings,
        tied_generator,
    };
    let config = CheckpointConfig {
        model,
        src,
        tgt,
        attention_bias,
        ffn_bias,
        generation,
        modern_vocab,
        position_encoding: opt.bool("position_encoding") == Some(true),
        concat_positions,
        notes,
    };
    Ok((config, Checkpoint { model: sd, generator }))
}

// ------------------------------------------------------------------------------------------
// options

/// The training options (`argparse.Namespace`, or a dict in hand-made checkpoints).
struct Opts(Value);

impl Opts {
    fn get(&self, k: &str) -> Option<Value> {
        match self.0.attr(k) {
            Some(Value::None) | None => None,
            Some(v) => Some(v),
        }
    }
    fn str(&self, k: &str) -> Option<String> {
        self.get(k).and_then(|v| v.as_str().map(str::to_string))
    }
    fn int(&self, k: &str) -> Option<i64> {
        self.get(k).and_then(|v| v.as_int())
    }
    fn float(&self, k: &str) -> Option<f64> {
        self.get(k).and_then(|v| v.as_float())
    }
    fn bool(&self, k: &str) -> Option<bool> {
        self.get(k).and_then(|v| v.as_bool())
    }
    /// A list option's length (0 when absent).
    fn list_len(&self, k: &str) -> usize {
        self.get(k).and_then(|v| v.as_seq()).map(|s| s.len()).unwrap_or(0)
    }
}

fn refuse_unsupported(opt: &Opts, vocab: &Value, modern_vocab: bool) -> Result<(), ImportError> {
    if !matches!(opt.0, Value::Object(_) | Value::Dict(_)) {
        return Err(ImportError::Format(format!("checkpoint 'opt' is a {}", opt.0.type_name())));
    }
    let mut refused: Vec<String> = Vec::new();
    let mut refuse = |s: String| refused.push(s);
    if let Some(t) = opt.str("model_type") {
        if t != "text" {
            refuse(format!("model_type={t}"));
        }
    }
    for task_opt in ["model_task", "data_task"] {
        if let Some(t) = opt.str(task_opt) {
            if t != "seq2seq" {
                refuse(format!("{task_opt}={t} (only encoder-decoder models)"));
            }
        }
    }
    if modern_vocab {
        if let Some(t) = vocab.attr("data_task").and_then(|v| v.as_str().map(str::to_string)) {
            if t != "seq2seq" {
                refuse(format!("data_task={t} (only encoder-decoder models)"));
            }
        }
    }
    for (k, want) in [("encoder_type", "transformer"), ("decoder_type", "transformer")] {
        if let Some(t) = opt.str(k) {
            if t != want {
                refuse(format!("{k}={t} (only Transformer)"));
            }
        }
    }
    if let Some(t) = opt.str("self_attn_type") {
        if t != "scaled-dot" && t != "scaled-dot-flash" {
            refuse(format!("self_attn_type={t}"));
        }
    }
    if let Some(n) = opt.int("max_relative_positions") {
        if n != 0 {
            let what = match n {
                -1 => " (rotary embeddings)",
                -2 => " (ALiBi)",
                _ => " (relative positions)",
            };
            refuse(format!("max_relative_positions={n}{what}"));
        }
    }
    if let Some(t) = opt.str("layer_norm") {
        if t != "standard" {
            refuse(format!("layer_norm={t}"));
        }
    }
    if let Some(t) = opt.str("pos_ffn_activation_fn") {
        if t != "relu" && t != "gelu" {
            refuse(format!("pos_ffn_activation_fn={t}"));
        }
    }
    for flag in ["parallel_residual", "copy_attn", "multiquery", "lora_embedding"] {
        if opt.bool(flag) == Some(true) {
            refuse(format!("{flag}=True"));
        }
    }
    for (k, zero) in [("num_experts", 0i64), ("sliding_window", 0)] {
        if let Some(n) = opt.int(k) {
            if n != zero {
                refuse(format!("{k}={n}"));
            }
        }
    }
    if opt.list_len("lora_layers") > 0 {
        refuse("lora_layers (LoRA adapters)".into());
    }
    if let Some(t) = opt.str("generator_function") {
        if t != "softmax" {
            refuse(format!("generator_function={t}"));
        }
    }
    if let Some(t) = opt.str("quant_type") {
        if !t.is_empty() && opt.list_len("quant_layers") > 0 {
            refuse(format!("quant_type={t} (quantized weights)"));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Unsupported(format!("OpenNMT-py option(s) {}", refused.join(", "))))
    }
}

// ------------------------------------------------------------------------------------------
// vocabularies

struct SideVocab {
    itos: Vec<String>,
    unk: String,
    pad: String,
    bos: String,
    eos: String,
}

/// 3.x: `vocab` is a dict whose 'src'/'tgt' are lists of tokens.
fn is_modern_vocab(vocab: &Value) -> bool {
    match vocab.attr("src").or_else(|| vocab.attr("tgt")) {
        Some(v) => v.as_seq().map(|s| s.iter().all(|t| matches!(t, Value::Str(_)))).unwrap_or(false),
        None => false,
    }
}

fn token_list(v: &Value, what: &str) -> Result<Vec<String>, ImportError> {
    let items = v
        .as_seq()
        .ok_or_else(|| ImportError::Format(format!("{what} is a {}, expected a list of tokens", v.type_name())))?;
    items
        .iter()
        .map(|t| match t {
            Value::Str(s) => Ok(s.to_string()),
            Value::Bytes(b) => Ok(String::from_utf8_lossy(b).into_owned()),
            other => Err(ImportError::Format(format!("{what} holds a {}, expected tokens", other.type_name()))),
        })
        .collect()
}

fn modern_vocabs(vocab: &Value) -> Result<(SideVocab, SideVocab), ImportError> {
    let side = |name: &str| -> Result<Vec<String>, ImportError> {
        let v = vocab.attr(name).ok_or_else(|| ImportError::Format(format!("vocab has no '{name}' list")))?;
        token_list(&v, &format!("vocab['{name}']"))
    };
    if vocab.attr("src_feats").and_then(|v| v.as_seq()).map(|s| !s.is_empty()).unwrap_or(false) {
        return Err(ImportError::Unsupported("source word features (vocab 'src_feats')".into()));
    }
    let bos = vocab
        .attr("decoder_start_token")
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| BOS.to_string());
    let mk =
        |itos: Vec<String>, bos: String| SideVocab { itos, unk: UNK.into(), pad: PAD.into(), bos, eos: EOS.into() };
    Ok((mk(side("src")?, BOS.into()), mk(side("tgt")?, bos)))
}

/// ≤ 2.x: find each side's torchtext Field (possibly inside a TextMultiField, or in a list of
/// `(name, Field)` pairs) and its Vocab.
fn field_vocabs(vocab: &Value) -> Result<(SideVocab, SideVocab), ImportError> {
    let side = |name: &str| -> Result<SideVocab, ImportError> {
        let entry = lookup_side(vocab, name).ok_or_else(|| {
            ImportError::Format(format!("vocab has no '{name}' field (found a {})", vocab.type_name()))
        })?;
        let (itos_v, field) = resolve_field(&entry, 0).ok_or_else(|| {
            ImportError::Format(format!("vocab '{name}' ({}) holds no token list (itos)", entry.type_name()))
        })?;
        if name == "src" {
            if let Some(extra) = multi_field_features(&entry) {
                if extra > 0 {
                    return Err(ImportError::Unsupported(format!("source word features ({extra} feature fields)")));
                }
            }
        }
        let itos = token_list(&itos_v, &format!("vocab '{name}' itos"))?;
        let tok = |attr: &str, default: &str| -> String {
            field
                .as_ref()
                .and_then(|f| f.attr(attr))
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| default.to_string())
        };
        Ok(SideVocab {
            unk: tok("unk_token", UNK),
            pad: tok("pad_token", PAD),
            bos: tok("init_token", BOS),
            eos: tok("eos_token", EOS),
            itos,
        })
    };
    Ok((side("src")?, side("tgt")?))
}

/// `vocab[name]` for a dict, or the pair named `name` in a list of pairs.
fn lookup_side(vocab: &Value, name: &str) -> Option<Value> {
    match vocab {
        Value::Dict(d) => d.borrow().get_str(name).cloned(),
        other => other.as_seq()?.into_iter().find_map(|pair| {
            let p = pair.as_seq()?;
            (p.len() == 2 && p[0].as_str() == Some(name)).then(|| p[1].clone())
        }),
    }
}

/// The token list (`itos`) under a field-ish value, and the innermost Field that holds it.
fn resolve_field(v: &Value, depth: usize) -> Option<(Value, Option<Value>)> {
    if depth > 6 {
        return None;
    }
    // a Vocab
    if let Some(itos) = v.attr("itos") {
        return Some((itos, None));
    }
    // a Field
    if let Some(voc) = v.attr("vocab") {
        if let Some((itos, inner)) = resolve_field(&voc, depth + 1) {
            return Some((itos, inner.or_else(|| Some(v.clone()))));
        }
    }
    // a TextMultiField: its base field comes first
    if let Some(fields) = v.attr("fields") {
        return resolve_field(&fields, depth + 1);
    }
    // a list of (name, Field) pairs, or a (name, Field) pair
    if let Some(items) = v.as_seq() {
        if items.len() == 2 && items[0].as_str().is_some() && !matches!(items[1], Value::Str(_)) {
            return resolve_field(&items[1], depth + 1);
        }
        if let Some(first) = items.first() {
            if first.as_seq().is_some() {
                return resolve_field(first, depth + 1);
            }
        }
    }
    None
}

/// The number of feature fields beside the base field of a TextMultiField (or list of pairs).
fn multi_field_features(v: &Value) -> Option<usize> {
    let fields = v
        .attr("fields")
        .or_else(|| v.as_seq().filter(|s| s.iter().all(|p| p.as_seq().is_some())).map(Value::new_list))?;
    let n = fields.as_seq()?.len();
    Some(n.saturating_sub(1))
}

/// Tokens made unique: a later duplicate of a token is renamed (it could never be produced
/// by a lookup in OpenNMT-py either, whose `stoi` maps the text to one id).
fn unique_tokens(itos: &[String]) -> (Vec<String>, usize) {
    let mut seen = std::collections::HashSet::new();
    let mut renamed = 0;
    let out = itos
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if seen.insert(t.clone()) {
                t.clone()
            } else {
                renamed += 1;
                format!("<retort-duplicate-{i}>")
            }
        })
        .collect();
    (out, renamed)
}

// ------------------------------------------------------------------------------------------
// state dicts

struct StateDict<'f> {
    file: &'f TorchFile,
    map: HashMap<String, Rc<TensorRef>>,
    what: &'static str,
}

impl<'f> StateDict<'f> {
    fn new(file: &'f TorchFile, d: &crate::pickle::DictRef, what: &'static str) -> Result<Self, ImportError> {
        let mut map = HashMap::new();
        for (k, v) in d.borrow().entries() {
            let k = match k.as_str() {
                Some(k) => normalize_key(k),
                None => return Err(ImportError::Format(format!("{what} state dict has a {} key", k.type_name()))),
            };
            match v {
                Value::Tensor(t) => {
                    map.insert(k, t.clone());
                }
                // e.g. a buffer saved as None
                Value::None => {}
                other => {
                    return Err(ImportError::Format(format!(
                        "{what} state dict entry '{k}' is a {}, expected a tensor",
                        other.type_name()
                    )))
                }
            }
        }
        Ok(StateDict { file, map, what })
    }

    fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    fn peek(&self, name: &str) -> Result<Rc<TensorRef>, ImportError> {
        self.map.get(name).cloned().ok_or_else(|| self.missing(name))
    }

    fn missing(&self, name: &str) -> ImportError {
        ImportError::Format(format!("tensor '{name}' is missing from the checkpoint's {} state dict", self.what))
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<TensorData, ImportError> {
        let t = self.map.remove(name).ok_or_else(|| self.missing(name))?;
        if t.size != shape {
            return Err(ImportError::Format(format!("tensor '{name}' has shape {:?}, expected {shape:?}", t.size)));
        }
        let data = self.file.tensor_f32(&t).map_err(|e| ImportError::Format(format!("tensor '{name}': {e}")))?;
        Ok(TensorData::new(shape.to_vec(), data)?)
    }

    /// A tensor's values without consuming it (to compare tables that may be one).
    fn peek_f32(&self, name: &str) -> Result<Vec<f32>, ImportError> {
        let t = self.peek(name)?;
        self.file.tensor_f32(&t).map_err(|e| ImportError::Format(format!("tensor '{name}': {e}")))
    }

    fn discard(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// A `[max_len, 1, d]` (or `[max_len, d]`) position table, as (max_len, values).
    fn take_position_table(&mut self, name: &str, d: usize) -> Result<Option<(usize, Vec<f32>)>, ImportError> {
        let t = match self.map.get(name) {
            Some(t) => t.clone(),
            None => return Ok(None),
        };
        let len = match t.size.as_slice() {
            [l, 1, dd] | [l, dd] if *dd == d => *l,
            other => {
                return Err(ImportError::Format(format!(
                    "position table '{name}' has shape {other:?}, expected [max_len, 1, {d}]"
                )))
            }
        };
        let td = self.take(name, &t.size.clone())?;
        Ok(Some((len, td.into_values())))
    }

    fn count_layers(&self, prefix: &str) -> usize {
        let idx: BTreeSet<usize> = self
            .map
            .keys()
            .filter_map(|k| k.strip_prefix(prefix))
            .filter_map(|rest| rest.split('.').next()?.parse::<usize>().ok())
            .collect();
        // Layers must be 0..n without gaps; a gap shows as a missing tensor later.
        idx.iter().next_back().map(|m| m + 1).unwrap_or(0)
    }

    fn remaining(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().cloned().collect();
        v.sort();
        v
    }

    /// Everything must have been mapped: a leftover tensor means a feature this importer does
    /// not implement.
    fn finish(self) -> Result<(), ImportError> {
        if self.map.is_empty() {
            return Ok(());
        }
        let left = self.remaining();
        let shown: Vec<&str> = left.iter().take(8).map(String::as_str).collect();
        let more = if left.len() > 8 { format!(" and {} more", left.len() - 8) } else { String::new() };
        Err(ImportError::Unsupported(format!(
            "{} state dict tensors this importer does not map (an option it does not implement?): {}{more}",
            self.what,
            shown.join(", ")
        )))
    }
}

/// A checkpoint's two state dicts as one tensor source: names under `generator.` are in the
/// generator's.
struct Checkpoint<'f> {
    model: StateDict<'f>,
    generator: StateDict<'f>,
}

impl<'f> Checkpoint<'f> {
    fn route(&self, name: &str) -> (&StateDict<'f>, String) {
        match name.strip_prefix("generator.") {
            Some(rest) => (&self.generator, rest.to_string()),
            None => (&self.model, name.to_string()),
        }
    }

    fn route_mut(&mut self, name: &str) -> (&mut StateDict<'f>, String) {
        match name.strip_prefix("generator.") {
            Some(rest) => (&mut self.generator, rest.to_string()),
            None => (&mut self.model, name.to_string()),
        }
    }
}

impl TensorSource for Checkpoint<'_> {
    fn contains(&self, name: &str) -> bool {
        let (sd, name) = self.route(name);
        sd.has(&name)
    }

    fn read(&mut self, name: &str) -> Result<Option<TensorData>, ImportError> {
        let (sd, name) = self.route_mut(name);
        let Some(t) = sd.map.get(&name).cloned() else { return Ok(None) };
        sd.take(&name, &t.size).map(Some)
    }

    fn skip(&mut self, name: &str) {
        let (sd, name) = self.route_mut(name);
        sd.discard(&name);
    }

    fn missing(&self, name: &str) -> ImportError {
        let (sd, name) = self.route(name);
        sd.missing(&name)
    }

    fn wrong_shape(&self, name: &str, found: &[usize], expected: &[usize]) -> ImportError {
        let (_, name) = self.route(name);
        ImportError::Format(format!("tensor '{name}' has shape {found:?}, expected {expected:?}"))
    }
}

/// Old OpenNMT-py LayerNorms stored `a_2`/`b_2` for weight/bias (as its own loader fixes).
fn normalize_key(k: &str) -> String {
    for (old, new) in [(".a_2", ".weight"), (".b_2", ".bias")] {
        if let Some(base) = k.strip_suffix(old) {
            let last = base.rsplit('.').next().unwrap_or("");
            if last.starts_with("layer_norm") {
                return format!("{base}{new}");
            }
        }
    }
    k.to_string()
}

/// OpenNMT-py 3.x's "SinusoidalConcat" table: sines in the first half, cosines in the second.
fn sinusoidal_concat_table(max_len: usize, d: usize) -> Vec<f32> {
    let half = d / 2;
    let mut t = vec![0f32; max_len * d];
    let scale = (10000f64).ln() / (half as f64 - 1.0).max(1.0);
    for pos in 0..max_len {
        for i in 0..half {
            let freq = (-(i as f64) * scale).exp() as f32;
            let a = pos as f32 * freq;
            t[pos * d + i] = a.sin();
            t[pos * d + half + i] = a.cos();
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_layer_norm_names() {
        assert_eq!(normalize_key("encoder.layer_norm.a_2"), "encoder.layer_norm.weight");
        assert_eq!(
            normalize_key("decoder.transformer_layers.0.layer_norm_1.b_2"),
            "decoder.transformer_layers.0.layer_norm_1.bias"
        );
        assert_eq!(normalize_key("x.w_1.a_2"), "x.w_1.a_2");
    }

    #[test]
    fn duplicates_are_renamed() {
        let (t, n) = unique_tokens(&["a".into(), "b".into(), "a".into()]);
        assert_eq!(n, 1);
        assert_eq!(t[2], "<retort-duplicate-2>");
    }
}
