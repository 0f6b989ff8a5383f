//! The interface the search runs over. Any model that can encode a batch, take one decoding
//! step for every live hypothesis, and reorder its state by hypothesis index plugs in here
//! (the native Transformer, or one generated from ONNX).

mod attend;
pub mod erased;
pub mod generated;
pub(crate) mod int8;
mod int8_kernels;
pub mod onnx_model;
mod output;
mod packed_f32;
mod rows;

/// Deterministic random values for the layer tests.
#[cfg(test)]
mod test_values {
    /// A value in [-1, 1) from a linear congruential generator.
    pub fn lcg(seed: &mut u64) -> f32 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// A layer's weight (`out` rows of `inp`), bias and `rows` input rows.
    pub fn random_layer(seed: &mut u64, rows: usize, inp: usize, out: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let w = (0..inp * out).map(|_| lcg(seed)).collect();
        let b = (0..out).map(|_| lcg(seed)).collect();
        let x = (0..rows * inp).map(|_| lcg(seed)).collect();
        (w, b, x)
    }
}
pub mod transformer;

use crate::error::Result;

/// What one decoding step produces for `rows` hypotheses.
pub struct StepOutput {
    /// Log-probabilities, `rows × vocab`, row-major; f64 because the search sums them over
    /// whole hypotheses (see `search`).
    pub log_probs: Vec<f64>,
    /// Cross-attention of each row over the source, `rows × src_len` (padded positions are 0);
    /// present when asked for.
    pub attention: Option<Vec<f32>>,
    /// Columns of `attention`: the longest source among the live items.
    pub src_len: usize,
}

/// Which cross-attention a step reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttentionKind {
    /// First head of the last decoder layer (OpenNMT-py's choice).
    FirstHead,
    /// Mean over the heads of the last decoder layer.
    MeanOfHeads,
}

pub trait Seq2SeqModel {
    /// Decoder state for one batch: encoder memory, per-layer caches, step counter.
    type State;

    fn tgt_vocab_size(&self) -> usize;

    /// Longest sequence the model's position table covers.
    fn max_positions(&self) -> usize;

    /// Encodes `sources` (token ids, no padding) and prepares decoding with `width`
    /// hypotheses per source. Rows are item-major: row `r` belongs to item `r / width`.
    fn encode(&self, sources: &[Vec<u32>], width: usize) -> Result<Self::State>;

    /// Feeds one token per row and returns the next-token distribution for each row.
    fn step(&self, state: &mut Self::State, tokens: &[u32], attention: Option<AttentionKind>) -> Result<StepOutput>;

    /// Keeps the rows listed in `rows` (old row indices), in that order. `rows.len()` must be
    /// a multiple of the width, and each group of `width` new rows must come from one item;
    /// items not referenced are dropped (finished).
    fn reorder(&self, state: &mut Self::State, rows: &[usize]) -> Result<()>;
}
