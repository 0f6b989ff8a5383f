//! Decoder attention over host memory.
//!
//! One decoding step asks each hypothesis for a single query over a short history, which is
//! far too little work per call for tensor ops to pay their overhead, and a tensor KV cache
//! would have to be copied on every step (append) and again on every beam reorder. Instead
//! each step's keys and values stay where they were written, and each live row finds its own
//! history through back-pointers: a reorder only records who descends from whom.
//! Rows are independent, so both attentions run row-parallel ([`for_row_chunks`]).

use std::ops::Range;

use super::rows::{fastest, for_row_chunks};

/// Self-attention keys/values of every step, plus the ancestry that links rows across steps.
#[derive(Default)]
pub struct StepCache {
    /// Rows of each step begun so far.
    rows_at: Vec<usize>,
    /// Per completed step `s`: for each row of step `s + 1`, the row of step `s` it continues.
    parents: Vec<Vec<u32>>,
    /// Per layer, per step: keys and values, `rows_at[s] × d_model` (heads side by side).
    keys: Vec<Vec<Vec<f32>>>,
    values: Vec<Vec<Vec<f32>>>,
}

impl StepCache {
    pub fn new(layers: usize) -> Self {
        StepCache { keys: vec![Vec::new(); layers], values: vec![Vec::new(); layers], ..Default::default() }
    }

    /// Starts a step of `rows` rows and returns, for each row, the row it had at every
    /// earlier step (oldest first).
    pub fn begin_step(&mut self, rows: usize) -> Vec<Vec<u32>> {
        let done = self.rows_at.len();
        if done > 0 && self.parents.len() < done {
            // no reorder since the last step: rows kept their numbers
            self.parents.push((0..self.rows_at[done - 1] as u32).collect());
        }
        self.rows_at.push(rows);
        (0..rows)
            .map(|r| {
                let mut chain = vec![0u32; done];
                let mut cur = r as u32;
                for s in (0..done).rev() {
                    cur = self.parents[s][cur as usize];
                    chain[s] = cur;
                }
                chain
            })
            .collect()
    }

    /// Records that the next step's row `j` continues row `rows[j]` of the last step.
    pub fn reorder(&mut self, rows: &[usize]) {
        let done = self.rows_at.len();
        if self.parents.len() == done {
            // a second reorder before the next step composes with the first
            if let Some(last) = self.parents.last_mut() {
                *last = rows.iter().map(|&r| last[r]).collect();
            }
        } else {
            self.parents.push(rows.iter().map(|&r| r as u32).collect());
        }
    }

    pub fn push(&mut self, layer: usize, keys: Vec<f32>, values: Vec<f32>) {
        self.keys[layer].push(keys);
        self.values[layer].push(values);
    }

    /// Self-attention of `q` (`rows × d`) over each row's history, the current step's keys and
    /// values (already pushed for `layer`) included. Returns the context, `rows × d`.
    pub fn attend(&self, layer: usize, q: &[f32], lineage: &[Vec<u32>], heads: usize, scale: f32) -> Vec<f32> {
        let d = q.len() / lineage.len().max(1);
        let mut ctx = vec![0f32; q.len()];
        for_row_chunks::<f32, f32, _>(&mut ctx, d, None, |rows, out, _| {
            fastest(|| self.attend_rows(layer, q, lineage, heads, scale, rows, out))
        });
        ctx
    }

    /// [`Self::attend`] for `rows`, into their part of the context, `out`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn attend_rows(
        &self,
        layer: usize,
        q: &[f32],
        lineage: &[Vec<u32>],
        heads: usize,
        scale: f32,
        rows: Range<usize>,
        out: &mut [f32],
    ) {
        let d = q.len() / lineage.len().max(1);
        let hd = d / heads;
        let keys = &self.keys[layer];
        let values = &self.values[layer];
        let steps = keys.len();
        let mut scores = vec![0f32; steps];
        let first = rows.start;
        for r in rows {
            let chain = &lineage[r];
            // the current step's row is `r` itself
            let at = |s: usize| if s + 1 == steps { r } else { chain[s] as usize };
            for h in 0..heads {
                let qh = &q[r * d + h * hd..r * d + (h + 1) * hd];
                for (s, score) in scores.iter_mut().enumerate() {
                    let i = at(s);
                    *score = dot(qh, &keys[s][i * d + h * hd..i * d + (h + 1) * hd]) * scale;
                }
                softmax_in_place(&mut scores);
                let o = (r - first) * d + h * hd;
                let out = &mut out[o..o + hd];
                for (s, &p) in scores.iter().enumerate() {
                    let i = at(s);
                    axpy(p, &values[s][i * d + h * hd..i * d + (h + 1) * hd], out);
                }
            }
        }
    }
}

/// Cross-attention keys/values of the encoded sources, one block per input (never copied
/// per beam: every beam row of an input reads its input's block).
pub struct Memory {
    /// Per layer: keys transposed per input and head, `inputs × heads × head_dim × src_max`,
    /// so a query's scores over all source positions are head_dim contiguous multiply-adds
    /// (no per-position horizontal sums).
    keys_t: Vec<Vec<f32>>,
    /// Per layer: `inputs × src_max × d`.
    values: Vec<Vec<f32>>,
    pub src_max: usize,
    d: usize,
}

impl Memory {
    pub fn new(src_max: usize, d: usize) -> Self {
        Memory { keys_t: Vec::new(), values: Vec::new(), src_max, d }
    }

    /// Adds a layer's keys and values, each `inputs × src_max × d` (heads side by side).
    pub fn push_layer(&mut self, keys: &[f32], values: Vec<f32>, heads: usize) {
        let (s, d) = (self.src_max, self.d);
        let hd = d / heads;
        let inputs = keys.len() / (s * d).max(1);
        let mut kt = vec![0f32; keys.len()];
        for b in 0..inputs {
            for j in 0..s {
                let row = &keys[(b * s + j) * d..(b * s + j + 1) * d];
                for (c, &x) in row.iter().enumerate() {
                    let (h, e) = (c / hd, c % hd);
                    kt[((b * heads + h) * hd + e) * s + j] = x;
                }
            }
        }
        self.keys_t.push(kt);
        self.values.push(values);
    }

    /// Cross-attention for rows whose input blocks are `block_of_row[r]` with real lengths
    /// `len_of_row[r]`. When `probs_out` is given it receives each row's attention weights
    /// (first head, or mean of heads), `rows × src_max`, zero past the source's length.
    #[allow(clippy::too_many_arguments)]
    pub fn attend(
        &self,
        layer: usize,
        q: &[f32],
        block_of_row: &[usize],
        len_of_row: &[usize],
        heads: usize,
        scale: f32,
        probs_out: Option<(&mut [f32], bool)>,
    ) -> Vec<f32> {
        let mut ctx = vec![0f32; q.len()];
        let mean = probs_out.as_ref().is_some_and(|(_, mean)| *mean);
        let probs = probs_out.map(|(p, _)| (p, self.src_max));
        let rows_of = Rows { q, block_of_row, len_of_row, heads, scale, mean };
        for_row_chunks(&mut ctx, self.d, probs, |rows, out, probs| {
            fastest(|| self.attend_rows(layer, &rows_of, rows, out, probs))
        });
        ctx
    }

    /// [`Self::attend`] for `rows`, into their parts of the context and of the weights.
    #[inline(always)]
    fn attend_rows(&self, layer: usize, a: &Rows, rows: Range<usize>, out: &mut [f32], mut probs: Option<&mut [f32]>) {
        let d = self.d;
        let hd = d / a.heads;
        let s = self.src_max;
        let (keys_t, values) = (&self.keys_t[layer], &self.values[layer]);
        let mut scores = vec![0f32; s];
        let first = rows.start;
        for r in rows {
            let (b, len) = (a.block_of_row[r], a.len_of_row[r]);
            let base = b * s * d;
            for h in 0..a.heads {
                let qh = &a.q[r * d + h * hd..r * d + (h + 1) * hd];
                let sc = &mut scores[..len];
                sc.fill(0.0);
                let kt = &keys_t[(b * a.heads + h) * hd * s..(b * a.heads + h + 1) * hd * s];
                for (e, &qe) in qh.iter().enumerate() {
                    axpy(qe * a.scale, &kt[e * s..e * s + len], sc);
                }
                softmax_in_place(sc);
                let o = (r - first) * d + h * hd;
                let out = &mut out[o..o + hd];
                for (j, &p) in sc.iter().enumerate() {
                    let v = base + j * d + h * hd;
                    axpy(p, &values[v..v + hd], out);
                }
                if let Some(probs) = probs.as_deref_mut() {
                    let row = &mut probs[(r - first) * s..(r - first) * s + len];
                    if a.mean {
                        for (o, &p) in row.iter_mut().zip(sc.iter()) {
                            *o += p / a.heads as f32;
                        }
                    } else if h == 0 {
                        row.copy_from_slice(sc);
                    }
                }
            }
        }
    }
}

/// What a cross-attention call asks of every row.
struct Rows<'a> {
    q: &'a [f32],
    block_of_row: &'a [usize],
    len_of_row: &'a [usize],
    heads: usize,
    scale: f32,
    /// Weights averaged over heads (else the first head's).
    mean: bool,
}

#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent lanes: the compiler turns them into SIMD without reassociating a
    // single long chain.
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[inline(always)]
fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (o, &v) in y.iter_mut().zip(x) {
        *o += alpha * v;
    }
}

#[inline(always)]
fn softmax_in_place(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_follows_reorders() {
        let mut c = StepCache::new(1);
        assert_eq!(c.begin_step(3), vec![Vec::<u32>::new(); 3]);
        c.push(0, vec![0.0; 3], vec![0.0; 3]);
        c.reorder(&[2, 2, 0]);
        c.begin_step(3);
        c.push(0, vec![0.0; 3], vec![0.0; 3]);
        c.reorder(&[1, 0]); // an input finished: 2 rows left
                            // step-2 row 0 -> step-1 row 1 -> step-0 row 2; row 1 -> step-1 row 0 -> step-0 row 2
        assert_eq!(c.begin_step(2), vec![vec![2, 1], vec![2, 0]]);
        c.push(0, vec![0.0; 2], vec![0.0; 2]);
        // no reorder: identity
        assert_eq!(c.begin_step(2), vec![vec![2, 1, 0], vec![2, 0, 1]]);
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut x = [1.0, 2.0, 3.0];
        softmax_in_place(&mut x);
        assert!((x.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
