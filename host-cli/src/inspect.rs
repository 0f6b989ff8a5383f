//! `retort inspect`: what a bundle holds, for people or (`--json`) for scripts.

use std::path::PathBuf;

use clap::Args;
use retort_core::spec::{Activation, NormPosition, PositionKind};
use retort_core::{Bundle, ModelSpec, TokenizerKind};
use retort_import::inspect::{computed_positions, header_metadata, report_of, storage_of};

use crate::error::CliResult;
use crate::model::ModelSource;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Model bundle (.retort, a file or s3://bucket/key); the built-in default model when omitted.
    #[arg(value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InspectArgs) -> CliResult<()> {
    let source = ModelSource::from_arg(args.bundle.as_deref());
    let bytes = source.bytes()?;
    let file_bytes = bytes.len();
    let bundle = Bundle::from_bytes(&bytes).map_err(|e| source.wrap(e))?;
    let storage = storage_of(&bytes);
    let header = header_metadata(&bytes);
    let computed = computed_positions(&bytes);
    let meta = &bundle.meta;
    if args.json {
        let report = report_of(&bundle, &bytes, &source.describe(), &retort_models::generated_models());
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let p = &meta.provenance;
    println!("model:        {}", source.describe());
    println!("name:         {}", if meta.name.is_empty() { "(none)" } else { &meta.name });
    println!("file size:    {}", human_bytes(file_bytes));
    println!("storage:      {storage}");
    if !computed.is_empty() {
        println!("positions:    {} computed at load (sinusoidal, not stored)", computed.join(", "));
    }
    println!("format:       Retort bundle v{}", header.0.map_or("?".to_string(), |v| v.to_string()));
    println!("parameters:   {}", thousands(bundle.parameter_count()));
    println!("tokenizer:    {}", tokenizer_name(meta.tokenizer_kind));
    println!("task:         {}", meta.task.map_or("(not stated)", retort_core::ModelTask::describe));
    println!("vocabulary:   source {}, target {}", meta.spec.src_vocab_size, meta.spec.tgt_vocab_size);
    for line in spec_lines(&meta.spec) {
        println!("{line}");
    }
    if let Some(g) = &meta.generated {
        let built: Vec<&str> = retort_models::generated_models().iter().map(|l| l.name()).collect();
        let here =
            if built.contains(&g.name.as_str()) { "included in this build" } else { "NOT included in this build" };
        println!(
            "generated:    ONNX-generated model '{}' ({here}; built with: {})",
            g.name,
            if built.is_empty() { "none".to_string() } else { built.join(", ") }
        );
        println!("  graphs sha256: {}", g.graph_sha256);
        println!("  generator:     {}", g.generator);
    }
    println!("provenance:");
    println!("  source format: {}", p.source_format);
    println!("  source name:   {}", p.source_name);
    println!("  source sha256: {}", p.source_sha256);
    println!("  imported by:   {}", p.imported_by);
    for note in &p.notes {
        println!("  note:          {note}");
    }
    let d = &meta.decoding;
    println!("decoding defaults:");
    println!(
        "  beam_size {}, n_best {}, min_length {}, max_length {}, batch_size {}",
        d.beam_size, d.n_best, d.min_length, d.max_length, d.batch_size
    );
    println!(
        "  length_penalty {} (alpha {}), coverage_penalty {} (beta {})",
        enum_name(&d.length_penalty),
        d.alpha,
        enum_name(&d.coverage_penalty),
        d.beta
    );
    println!(
        "  block_ngram_repeat {}, replace_unk {}, ban_unk_token {}, attention {}",
        d.block_ngram_repeat,
        d.replace_unk,
        d.ban_unk_token,
        enum_name(&d.attention)
    );
    if d.sampling {
        println!(
            "  sampling: topk {}, topp {}, temperature {}, seed {}",
            d.sampling_topk, d.sampling_topp, d.sampling_temperature, d.seed
        );
    }
    Ok(())
}

/// The spec, a few lines for humans (shared with `import`'s summary).
pub fn spec_lines(s: &ModelSpec) -> Vec<String> {
    let norm = match s.norm {
        NormPosition::Pre => "pre-norm",
        NormPosition::Post => "post-norm",
    };
    let act = match s.activation {
        Activation::Relu => "relu",
        Activation::Gelu => "gelu",
        Activation::GeluTanh => "gelu (tanh)",
    };
    let pos = match s.position {
        PositionKind::Sinusoidal => "sinusoidal",
        PositionKind::Learned => "learned",
    };
    let sp = &s.special;
    let opt = |o: Option<u32>| o.map_or("-".to_string(), |v| v.to_string());
    vec![
        format!(
            "spec:         {} d_model {}, heads {}, ff {}, layers {} enc + {} dec, {norm}, {act}",
            s.architecture, s.d_model, s.heads, s.ff, s.encoder_layers, s.decoder_layers
        ),
        format!(
            "              {pos} positions (max {}), embedding scale {}, layer norm eps {}",
            s.max_positions, s.embedding_scale, s.layer_norm_eps
        ),
        format!(
            "              shared embeddings {}, tied generator {}, biases: generator {}, attention {}, ffn {}",
            s.shared_embeddings, s.tied_generator, s.generator_bias, s.attention_bias, s.ffn_bias
        ),
        format!(
            "special ids:  source unk {} pad {} bos {} eos {}; target unk {} pad {} bos {} eos {}",
            sp.src_unk,
            sp.src_pad,
            opt(sp.src_bos),
            opt(sp.src_eos),
            sp.tgt_unk,
            sp.tgt_pad,
            sp.tgt_bos,
            sp.tgt_eos
        ),
    ]
}

pub fn tokenizer_name(k: TokenizerKind) -> &'static str {
    match k {
        TokenizerKind::Smiles => "smiles",
        TokenizerKind::Char => "char",
        TokenizerKind::ReinventSmiles => "smiles (REINVENT/ANNalog)",
        TokenizerKind::Space => "space",
    }
}

/// A serde enum's snake_case name.
fn enum_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {} ({n} bytes)", UNITS[u])
    }
}

pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
