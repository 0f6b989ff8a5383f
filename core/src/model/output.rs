//! The decoder's output layer (final layer norm of pre-norm models, generator, log-softmax)
//! computed on the host in f64.
//!
//! Why not in burn: the hosts must give the same scores (wasm within 1e-5 of native), and a
//! score sums one log-probability per step. burn's f32 layer norm reduces in as many lanes as
//! the host's SIMD has (16 or 8 natively, 4 in wasm) and the native gemm fuses multiply-adds
//! that wasm rounds twice, so the last layer's logits differed by a few f32 ulps between hosts,
//! which over 80 steps added up to 1e-5. Here every product of two f32 is exact in f64 and
//! the sums run in one fixed order, so the output layer adds ~1e-16 of its own on any host.
//!
//! f64 on the host is ~8x dearer per multiply-add than burn's f32 gemm, so it is used where
//! the generator is small next to a decoder layer: vocab × d_model ≤ [`HOST_F64_LIMIT`] (SMILES
//! vocabularies are a few hundred tokens; the Molecular Transformer's is 300 × 256 = 77k).
//! Larger generators (32k-token text vocabularies) stay f32 in burn, with the log-softmax
//! still in f64; the choice depends only on the model's shape, so every host makes the same one.

use super::rows::{fastest, for_row_chunks};

/// Largest vocab × d_model computed in f64 on the host (e.g. 1024 tokens at d_model 256).
pub const HOST_F64_LIMIT: usize = 1 << 18;

/// Layer norm parameters in f64.
pub struct HostNorm {
    pub gamma: Vec<f64>,
    pub beta: Vec<f64>,
    pub eps: f64,
}

pub struct OutputLayer {
    /// Applied to the decoder output first (pre-norm models' final norm).
    pub norm: Option<HostNorm>,
    /// `vocab × d_model`, row-major: one contiguous row per target token.
    pub weight: Vec<f32>,
    pub bias: Option<Vec<f32>>,
    pub d_model: usize,
}

/// Accumulators per dot product: independent lanes the compiler may vectorize without
/// reassociating (several vector chains, so additions overlap), in the same order on every host.
const LANES: usize = 8;

impl OutputLayer {
    pub fn vocab(&self) -> usize {
        self.weight.len() / self.d_model.max(1)
    }

    /// Log-probabilities (`rows × vocab`) for decoder outputs `hidden` (`rows × d_model`),
    /// row-parallel ([`for_row_chunks`]).
    pub fn log_probs(&self, hidden: &[f32]) -> Vec<f64> {
        let (d, vocab) = (self.d_model, self.vocab());
        let mut out = vec![0f64; hidden.len() / d.max(1) * vocab];
        for_row_chunks::<f64, f64, _>(&mut out, vocab, None, |rows, out, _| {
            let hidden = &hidden[rows.start * d..rows.end * d];
            fastest(
                #[inline(always)]
                || self.log_probs_into(hidden, out),
            )
        });
        out
    }

    #[inline(always)]
    fn log_probs_into(&self, hidden: &[f32], out: &mut [f64]) {
        let (d, vocab) = (self.d_model, self.vocab());
        let mut h = vec![0f64; d];
        let mut logits = vec![0f64; vocab];
        for (row, out) in hidden.chunks_exact(d).zip(out.chunks_exact_mut(vocab)) {
            for (x, &v) in h.iter_mut().zip(row) {
                *x = f64::from(v);
            }
            if let Some(n) = &self.norm {
                n.apply(&mut h);
            }
            for (v, logit) in logits.iter_mut().enumerate() {
                let w = &self.weight[v * d..(v + 1) * d];
                *logit = dot(w, &h) + self.bias.as_ref().map_or(0.0, |b| f64::from(b[v]));
            }
            log_softmax(&logits, out);
        }
    }
}

impl HostNorm {
    #[inline(always)]
    fn apply(&self, x: &mut [f64]) {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|&v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let inv = 1.0 / (var + self.eps).sqrt();
        for ((v, g), b) in x.iter_mut().zip(&self.gamma).zip(&self.beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

#[inline(always)]
fn dot(w: &[f32], h: &[f64]) -> f64 {
    let mut acc = [0f64; LANES];
    let (wc, wr) = w.split_at(w.len() - w.len() % LANES);
    let (hc, hr) = h.split_at(wc.len());
    for (a, b) in wc.chunks_exact(LANES).zip(hc.chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] += f64::from(a[l]) * b[l];
        }
    }
    let tail: f64 = wr.iter().zip(hr).map(|(&a, &b)| f64::from(a) * b).sum();
    let [a, b, c, d, e, f, g, h] = acc;
    (((a + b) + (c + d)) + ((e + f) + (g + h))) + tail
}

/// Log-softmax of each `vocab`-long row of f32 logits (a generator computed in burn), in f64.
pub fn log_softmax_f32(logits: &[f32], vocab: usize) -> Vec<f64> {
    let mut out = vec![0f64; logits.len()];
    let mut row64 = vec![0f64; vocab];
    for (row, out) in logits.chunks_exact(vocab).zip(out.chunks_exact_mut(vocab)) {
        for (x, &v) in row64.iter_mut().zip(row) {
            *x = f64::from(v);
        }
        log_softmax(&row64, out);
    }
    out
}

/// The log-softmax of `logits`, into `out`.
#[inline(always)]
fn log_softmax(logits: &[f64], out: &mut [f64]) {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logits.iter().map(|&x| (x - max).exp()).sum();
    let norm = max + sum.ln();
    for (o, &x) in out.iter_mut().zip(logits) {
        *o = x - norm;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_direct_computation() {
        let d = 19;
        let hidden: Vec<f32> = (0..2 * d).map(|i| (i as f32 * 0.37).sin()).collect();
        assert_eq!(log_softmax_f32(&[0.0, 0.0], 2), vec![-std::f64::consts::LN_2; 2]);
        let weight: Vec<f32> = (0..3 * d).map(|i| (i as f32 * 0.11).cos()).collect();
        let bias = vec![0.5f32, -1.0, 0.25];
        let norm = HostNorm { gamma: vec![1.5; d], beta: vec![0.1; d], eps: 1e-6 };
        let layer = OutputLayer { norm: Some(norm), weight: weight.clone(), bias: Some(bias.clone()), d_model: d };
        let got = layer.log_probs(&hidden);
        for (r, row) in hidden.chunks(d).enumerate() {
            let x: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
            let mean = x.iter().sum::<f64>() / d as f64;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d as f64;
            let y: Vec<f64> = x.iter().map(|v| (v - mean) / (var + 1e-6).sqrt() * 1.5 + 0.1).collect();
            let z: Vec<f64> = (0..3)
                .map(|v| (0..d).map(|i| f64::from(weight[v * d + i]) * y[i]).sum::<f64>() + f64::from(bias[v]))
                .collect();
            let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
            for v in 0..3 {
                assert!((got[r * 3 + v] - (z[v] - lse)).abs() < 1e-12, "row {r} token {v}");
            }
        }
        let total: f64 = got[..3].iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
