//! The engine: a loaded bundle (model + tokenizers + defaults) that turns text into n-best
//! translations. Every host drives this one type.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::bundle::{Bundle, BundleMeta};
use crate::compute::ComputeType;
use crate::error::{Error, Result};
use crate::model::erased::BoxedModel;
use crate::model::generated::{find_loader, GeneratedModelLoader};
use crate::model::transformer::Transformer;
use crate::options::TranslateOptions;
use crate::request::{Request, Source};
use crate::search::{Hypothesis, SearchInput, SearchTokens, Searcher};
use crate::tokenize::SideTokenizer;

/// One prediction for one input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub tokens: Vec<String>,
    pub text: String,
    /// Cumulative log-probability (length-penalized when a length penalty is set).
    pub score: f64,
    /// [target steps × source tokens]; the last row is the end-token step when the
    /// hypothesis ended with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<Vec<Vec<f32>>>,
}

/// All predictions for one input, best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Translation {
    /// The source as the model saw it (tokenized).
    pub source_tokens: Vec<String>,
    /// Source tokens the vocabulary lacks (each once), which the model saw as the unknown token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_source_tokens: Vec<String>,
    pub predictions: Vec<Prediction>,
}

/// A pre-tokenized input with an optional forced target prefix.
#[derive(Clone, Debug, Default)]
pub struct TokenInput {
    pub source: Vec<String>,
    pub target_prefix: Vec<String>,
}

/// The native Transformer, or a model generated from ONNX that this host was built with.
// One per engine: boxing the larger variant would only add an indirection on every step.
#[allow(clippy::large_enum_variant)]
enum EngineModel {
    Native(Transformer),
    Generated(BoxedModel),
}

pub struct Engine {
    model: EngineModel,
    src: SideTokenizer,
    tgt: SideTokenizer,
    meta: BundleMeta,
}

impl Engine {
    pub fn from_bytes(bytes: &[u8]) -> Result<Engine> {
        Engine::from_bundle(&Bundle::from_bytes(bytes)?)
    }

    pub fn from_bundle(bundle: &Bundle) -> Result<Engine> {
        Engine::from_bundle_with(bundle, &[])
    }

    /// Like [`from_bundle`](Self::from_bundle); a bundle made for an ONNX-generated model is
    /// loaded with the matching one of `generated` (the models this host was built with).
    pub fn from_bundle_with(bundle: &Bundle, generated: &[&dyn GeneratedModelLoader]) -> Result<Engine> {
        Engine::load(bundle, generated, ComputeType::Auto)
    }

    /// Like [`from_bundle_with`](Self::from_bundle_with), with the linear layers' arithmetic
    /// chosen (`Auto`: as the bundle stores its weights).
    pub fn load(bundle: &Bundle, generated: &[&dyn GeneratedModelLoader], compute: ComputeType) -> Result<Engine> {
        let meta = bundle.meta.clone();
        let src = SideTokenizer::from_json(&meta.src_tokenizer, meta.tokenizer_kind)?;
        let tgt = SideTokenizer::from_json(&meta.tgt_tokenizer, meta.tokenizer_kind)?;
        let spec = &meta.spec;
        if src.vocab_size() != spec.src_vocab_size || tgt.vocab_size() != spec.tgt_vocab_size {
            return Err(Error::InvalidBundle(format!(
                "tokenizer vocabularies ({} / {}) do not match the spec ({} / {})",
                src.vocab_size(),
                tgt.vocab_size(),
                spec.src_vocab_size,
                spec.tgt_vocab_size
            )));
        }
        let model = match &meta.generated {
            None => EngineModel::Native(Transformer::load(bundle, compute)?),
            Some(_) if compute.resolve(bundle.stored_as) == ComputeType::Int8 => {
                return Err(Error::InvalidOption {
                    option: "compute_type",
                    problem: "int8 compute is not available for ONNX-generated models; use auto or f32".into(),
                })
            }
            Some(g) => EngineModel::Generated(find_loader(g, generated)?.load(bundle)?),
        };
        Ok(Engine { model, src, tgt, meta })
    }

    pub fn meta(&self) -> &BundleMeta {
        &self.meta
    }

    /// The arithmetic the model runs in (never `Auto`).
    pub fn compute_type(&self) -> ComputeType {
        match &self.model {
            EngineModel::Native(t) => t.compute_type(),
            EngineModel::Generated(_) => ComputeType::F32,
        }
    }

    /// The bundle's recommended decoding options.
    pub fn default_options(&self) -> TranslateOptions {
        self.meta.decoding.clone()
    }

    /// Source tokens the vocabulary lacks (each once, in order of appearance); the model
    /// would see them as the unknown token.
    pub fn unknown_source_tokens(&self, tokens: &[String]) -> Vec<String> {
        let mut seen = HashSet::new();
        tokens.iter().filter(|t| self.src.token_to_id(t).is_none() && seen.insert(t.as_str())).cloned().collect()
    }

    /// Longest source (in tokens, as the user typed them) the model's positions allow.
    pub fn max_source_tokens(&self) -> usize {
        let sp = &self.meta.spec.special;
        self.meta
            .spec
            .max_positions
            .saturating_sub(usize::from(sp.src_bos.is_some()) + usize::from(sp.src_eos.is_some()))
    }

    /// Tokenizes raw or space-tokenized text with the source tokenizer.
    pub fn tokenize_source(&self, text: &str) -> Result<Vec<String>> {
        self.src.tokenize(text)
    }

    pub fn translate(&self, inputs: &[String], opts: &TranslateOptions) -> Result<Vec<Translation>> {
        self.translate_with_progress(inputs, opts, &mut |_, _| {})
    }

    /// Like [`translate`](Self::translate), calling `progress(done, total)` each time an input
    /// is finished (within a batch too: inputs finish at different decoding steps).
    pub fn translate_with_progress(
        &self,
        inputs: &[String],
        opts: &TranslateOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Translation>> {
        let req = Request {
            sources: inputs.iter().map(|t| Source::Text(t.clone())).collect(),
            target_prefixes: None,
            options: opts.clone(),
        };
        self.run(&req, progress)
    }

    pub fn translate_tokens(
        &self,
        inputs: &[TokenInput],
        opts: &TranslateOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Translation>> {
        opts.validate()?;
        let sp = &self.meta.spec.special;
        let mut encoded: Vec<(Vec<u32>, Vec<u32>)> = Vec::with_capacity(inputs.len());
        for (i, inp) in inputs.iter().enumerate() {
            if inp.source.is_empty() {
                return Err(Error::InvalidInput { index: i, problem: "empty input".into() });
            }
            // Checked for every input before any batch is decoded, so no work is thrown away.
            if inp.source.len() > self.max_source_tokens() {
                return Err(Error::InvalidInput {
                    index: i,
                    problem: format!(
                        "{} tokens, over the model's {} source positions",
                        inp.source.len(),
                        self.max_source_tokens()
                    ),
                });
            }
            let mut ids: Vec<u32> = Vec::with_capacity(inp.source.len() + 2);
            ids.extend(sp.src_bos);
            ids.extend(inp.source.iter().map(|t| self.src.token_to_id(t).unwrap_or(sp.src_unk)));
            ids.extend(sp.src_eos);
            let prefix = inp
                .target_prefix
                .iter()
                .map(|t| {
                    self.tgt.token_to_id(t).ok_or_else(|| Error::InvalidInput {
                        index: i,
                        problem: format!("target prefix token '{t}' is not in the target vocabulary"),
                    })
                })
                .collect::<Result<Vec<u32>>>()?;
            encoded.push((ids, prefix));
        }
        let ignore: HashSet<u32> = opts.ignore_when_blocking.iter().filter_map(|t| self.tgt.token_to_id(t)).collect();
        let tokens = SearchTokens { bos: sp.tgt_bos, eos: sp.tgt_eos, unk: sp.tgt_unk };

        // Decode in length-sorted batches to waste little on padding; results do not depend on
        // batch composition, so the order is restored afterwards.
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by_key(|&i| encoded[i].0.len());
        let mut out: Vec<Option<Translation>> = vec![None; inputs.len()];
        let total = inputs.len();
        let mut done = 0;
        for chunk in order.chunks(opts.batch_size) {
            let batch: Vec<SearchInput> =
                chunk.iter().map(|&i| SearchInput { source: &encoded[i].0, prefix: &encoded[i].1 }).collect();
            let mut finished_here = 0;
            let mut finished = || {
                finished_here += 1;
                progress(done + finished_here, total);
            };
            let hyps = match &self.model {
                EngineModel::Native(model) => Searcher { model, tokens }.run(&batch, opts, &ignore, &mut finished),
                EngineModel::Generated(model) => Searcher { model, tokens }.run(&batch, opts, &ignore, &mut finished),
            };
            let hyps = hyps.map_err(|e| match e {
                Error::InvalidInput { index, problem } => Error::InvalidInput { index: chunk[index], problem },
                other => other,
            })?;
            for (&i, h) in chunk.iter().zip(hyps) {
                out[i] = Some(self.build_translation(&inputs[i], h, opts));
            }
            done += chunk.len();
        }
        Ok(out.into_iter().flatten().collect())
    }

    fn build_translation(&self, input: &TokenInput, hyps: Vec<Hypothesis>, opts: &TranslateOptions) -> Translation {
        let sp = &self.meta.spec.special;
        // Attention columns cover the model's source, which may carry BOS/EOS the user did not type.
        let offset = usize::from(sp.src_bos.is_some());
        let predictions = hyps
            .into_iter()
            .map(|h| {
                let ids: &[u32] = match h.ids.last() {
                    Some(&last) if last == sp.tgt_eos => &h.ids[..h.ids.len() - 1],
                    _ => &h.ids,
                };
                let tokens: Vec<String> = ids
                    .iter()
                    .enumerate()
                    .map(|(step, &id)| {
                        if id == sp.tgt_unk && opts.replace_unk {
                            if let Some(src_tok) = h.attention.as_ref().and_then(|a| a.get(step)).and_then(|row| {
                                argmax(&row[offset..offset + input.source.len().min(row.len().saturating_sub(offset))])
                            }) {
                                return input.source[src_tok].clone();
                            }
                        }
                        self.tgt.id_to_token(id).unwrap_or("").to_string()
                    })
                    .collect();
                Prediction {
                    text: self.tgt.detokenize(&tokens),
                    tokens,
                    score: h.score,
                    attention: if opts.return_attention { h.attention } else { None },
                }
            })
            .collect();
        Translation {
            source_tokens: input.source.clone(),
            unknown_source_tokens: self.unknown_source_tokens(&input.source),
            predictions,
        }
    }
}

/// Index of the first maximum.
fn argmax(row: &[f32]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, &x) in row.iter().enumerate() {
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((i, x));
        }
    }
    best.map(|(i, _)| i)
}
