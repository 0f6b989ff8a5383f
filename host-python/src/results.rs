//! What `translate_batch` returns per input: CTranslate2's `TranslationResult` fields
//! (`hypotheses`, `scores`, `attention`) plus Retort's (`texts`, `source_tokens`,
//! `unknown_source_tokens`).

use pyo3::prelude::*;
use retort_core::Translation;

/// The n-best predictions for one input, best first.
#[pyclass(frozen, get_all, module = "retort")]
pub struct TranslationResult {
    /// Target tokens of each hypothesis.
    pub hypotheses: Vec<Vec<String>>,
    /// Each hypothesis detokenized by the bundle (SMILES for a SMILES model).
    pub texts: Vec<String>,
    /// Cumulative log-probability of each hypothesis (divided by the length penalty when one is
    /// set); empty when `return_scores=False`.
    pub scores: Vec<f64>,
    /// Per hypothesis, `[target steps x source tokens]`; empty unless `return_attention=True`.
    pub attention: Vec<Vec<Vec<f32>>>,
    /// The source as the model saw it (tokenized).
    pub source_tokens: Vec<String>,
    /// Source tokens the vocabulary lacks (each once), decoded as the unknown token.
    pub unknown_source_tokens: Vec<String>,
}

#[pymethods]
impl TranslationResult {
    fn __repr__(&self) -> String {
        let scores: Vec<String> = self.scores.iter().map(|s| format!("{s:.4}")).collect();
        format!("TranslationResult(texts={:?}, scores=[{}])", self.texts, scores.join(", "))
    }

    fn __len__(&self) -> usize {
        self.hypotheses.len()
    }
}

impl TranslationResult {
    pub fn new(t: Translation, return_scores: bool) -> TranslationResult {
        let n = t.predictions.len();
        let mut r = TranslationResult {
            hypotheses: Vec::with_capacity(n),
            texts: Vec::with_capacity(n),
            scores: Vec::with_capacity(if return_scores { n } else { 0 }),
            attention: Vec::new(),
            source_tokens: t.source_tokens,
            unknown_source_tokens: t.unknown_source_tokens,
        };
        for p in t.predictions {
            r.hypotheses.push(p.tokens);
            r.texts.push(p.text);
            if return_scores {
                r.scores.push(p.score);
            }
            if let Some(a) = p.attention {
                r.attention.push(a);
            }
        }
        r
    }
}
