//! Decoding options: one struct shared by every host (CLI flags, Lambda JSON, JS objects) and
//! stored in a bundle as that model's defaults. Field names follow OpenNMT-py's `translate.py`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LengthPenalty {
    #[default]
    None,
    /// score / length
    Avg,
    /// Wu et al. (GNMT): score / ((5 + length) / 6)^alpha
    Wu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CoveragePenalty {
    #[default]
    None,
    /// Wu et al.
    Wu,
    /// See et al. (summary)
    Summary,
}

/// Which attention to report per target token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AttentionChoice {
    /// OpenNMT-py's: first head of the last decoder layer's cross-attention.
    #[default]
    FirstHead,
    /// Mean over heads of the last decoder layer's cross-attention.
    Average,
}

/// Which OpenNMT-py generation's beam search to reproduce where they differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BeamCompat {
    /// 0.9-2.x: an input stops once its top beam has finished at any step (and n_best
    /// hypotheses exist); beams descended from one ancestor share their n-gram blocking sets.
    #[default]
    OpennmtPy1,
    /// 3.x: an input stops when its top beam finishes at the current step; each hypothesis
    /// owns its n-gram blocking sets.
    OpennmtPy3,
}

/// How `min_length` keeps the end token out, which decides the scores of the steps it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MinLengthRule {
    /// OpenNMT-py: the end token's log-probability is overwritten after the softmax; the other
    /// tokens keep their log-probabilities.
    #[default]
    LogProbs,
    /// CTranslate2: the end token is disabled in the logits, before the softmax, so the other
    /// tokens' log-probabilities rise by -ln(1 - p(end)) on those steps.
    Logits,
}

impl MinLengthRule {
    fn is_log_probs(&self) -> bool {
        *self == MinLengthRule::LogProbs
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranslateOptions {
    pub beam_size: usize,
    pub n_best: usize,
    /// Minimum number of generated tokens before the end token is allowed.
    pub min_length: usize,
    /// How `min_length` keeps the end token out (OpenNMT-py's or CTranslate2's scores). Not
    /// written when default, so bundles keep their bytes.
    #[serde(skip_serializing_if = "MinLengthRule::is_log_probs")]
    pub min_length_rule: MinLengthRule,
    /// Maximum number of generated tokens (the end token included).
    pub max_length: usize,
    pub length_penalty: LengthPenalty,
    pub alpha: f32,
    pub coverage_penalty: CoveragePenalty,
    pub beta: f32,
    /// Forbid repeating any n-gram of this size (0 = off).
    pub block_ngram_repeat: usize,
    /// Tokens whose n-grams may repeat.
    pub ignore_when_blocking: Vec<String>,
    /// Replace generated unknown tokens by the source token with the highest attention.
    pub replace_unk: bool,
    /// Never generate the unknown token.
    pub ban_unk_token: bool,
    pub return_attention: bool,
    pub attention: AttentionChoice,
    /// Random sampling instead of beam search when > 0 temperature and beam_size == 1:
    /// sample from the top-k tokens (0 = whole vocabulary).
    pub sampling_topk: usize,
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches this (1 = off).
    pub sampling_topp: f32,
    pub sampling_temperature: f32,
    /// Seed for sampling; equal seeds give equal outputs.
    pub seed: u64,
    /// Sample instead of searching.
    pub sampling: bool,
    /// Number of inputs decoded together.
    pub batch_size: usize,
    /// Beam-search semantics to reproduce (OpenNMT-py 1.x or 3.x).
    pub beam_compat: BeamCompat,
    /// Source tokens the vocabulary lacks: decoded as the unknown token (OpenNMT-py's and
    /// CTranslate2's behaviour; each result lists them) or refused. Not written when default,
    /// so bundles keep their bytes.
    #[serde(skip_serializing_if = "UnknownTokens::is_map")]
    pub unknown_tokens: UnknownTokens,
}

/// What to do with source tokens the model's vocabulary lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnknownTokens {
    /// Decode them as the unknown token; `replace_unk` can copy them back.
    #[default]
    Map,
    /// Refuse the input, naming them.
    Refuse,
}

impl UnknownTokens {
    fn is_map(&self) -> bool {
        *self == UnknownTokens::Map
    }
}

impl Default for TranslateOptions {
    fn default() -> Self {
        TranslateOptions {
            beam_size: 5,
            n_best: 1,
            min_length: 0,
            min_length_rule: MinLengthRule::LogProbs,
            max_length: 100,
            length_penalty: LengthPenalty::None,
            alpha: 0.0,
            coverage_penalty: CoveragePenalty::None,
            beta: 0.0,
            block_ngram_repeat: 0,
            ignore_when_blocking: Vec::new(),
            replace_unk: false,
            ban_unk_token: false,
            return_attention: false,
            attention: AttentionChoice::FirstHead,
            sampling_topk: 0,
            sampling_topp: 1.0,
            sampling_temperature: 1.0,
            seed: 0,
            sampling: false,
            batch_size: 32,
            beam_compat: BeamCompat::OpennmtPy1,
            unknown_tokens: UnknownTokens::Map,
        }
    }
}

/// Hard caps so a request cannot ask for unbounded work.
pub const MAX_BEAM_SIZE: usize = 64;
pub const MAX_BATCH_SIZE: usize = 1024;

impl TranslateOptions {
    /// These options with `overrides`' fields put over them, field by field (how every host
    /// applies a request's options to a bundle's defaults). Unknown fields and wrong types are
    /// errors naming the field; the result is validated.
    pub fn with_overrides(&self, overrides: Option<&serde_json::Value>) -> Result<TranslateOptions> {
        let mut merged = serde_json::to_value(self).expect("TranslateOptions serializes to JSON");
        match overrides {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Object(fields)) => {
                let target = merged.as_object_mut().expect("TranslateOptions serializes to an object");
                for (k, v) in fields {
                    target.insert(k.clone(), v.clone());
                }
            }
            Some(other) => {
                return Err(Error::InvalidOption {
                    option: "options",
                    problem: format!("expected an object, got {other}"),
                })
            }
        }
        let opts: TranslateOptions = serde_json::from_value(merged).map_err(|e| Error::InvalidOption {
            option: "options",
            problem: self.culprit(overrides).unwrap_or_else(|| e.to_string()),
        })?;
        opts.validate()?;
        Ok(opts)
    }

    /// serde's error for a merged object names the type, not the field (`invalid value:
    /// integer -1, expected usize`): put the fields over these options one at a time to say
    /// which one is wrong.
    fn culprit(&self, overrides: Option<&serde_json::Value>) -> Option<String> {
        let fields = overrides?.as_object()?;
        fields.iter().find_map(|(k, v)| {
            let mut one = serde_json::to_value(self).ok()?;
            one.as_object_mut()?.insert(k.clone(), v.clone());
            serde_json::from_value::<TranslateOptions>(one).err().map(|e| format!("{k}: {e}"))
        })
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |option: &'static str, problem: String| Err(Error::InvalidOption { option, problem });
        if self.beam_size == 0 || self.beam_size > MAX_BEAM_SIZE {
            return bad("beam_size", format!("{} is outside 1..={MAX_BEAM_SIZE}", self.beam_size));
        }
        if self.n_best == 0 {
            return bad("n_best", "must be at least 1".into());
        }
        if !self.sampling && self.n_best > self.beam_size {
            return bad("n_best", format!("{} exceeds beam_size {}", self.n_best, self.beam_size));
        }
        if self.max_length == 0 {
            return bad("max_length", "must be at least 1".into());
        }
        if self.min_length > self.max_length {
            return bad("min_length", format!("{} exceeds max_length {}", self.min_length, self.max_length));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return bad("alpha", format!("{} must be a finite number >= 0", self.alpha));
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return bad("beta", format!("{} must be a finite number >= 0", self.beta));
        }
        if !(self.sampling_topp > 0.0 && self.sampling_topp <= 1.0) {
            return bad("sampling_topp", format!("{} is outside (0, 1]", self.sampling_topp));
        }
        if !(self.sampling_temperature.is_finite() && self.sampling_temperature > 0.0) {
            return bad("sampling_temperature", format!("{} must be > 0", self.sampling_temperature));
        }
        if self.batch_size == 0 || self.batch_size > MAX_BATCH_SIZE {
            return bad("batch_size", format!("{} is outside 1..={MAX_BATCH_SIZE}", self.batch_size));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_override_is_named() {
        let base = TranslateOptions::default();
        for (overrides, field) in [
            (serde_json::json!({"n_best": 1, "beam_size": -1}), "beam_size: invalid value: integer `-1`"),
            (serde_json::json!({"alpha": "NaN"}), "alpha: invalid type: string \"NaN\""),
            (serde_json::json!({"beam": 5}), "beam: unknown field `beam`"),
        ] {
            let e = base.with_overrides(Some(&overrides)).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
        assert_eq!(base.with_overrides(Some(&serde_json::json!({"beam_size": 3}))).unwrap().beam_size, 3);
    }
}
