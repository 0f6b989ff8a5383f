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

/// Calls `$f::<N>($args)` with the group size `$n` (1 to [`GROUP`]) as a constant.
macro_rules! with_group_size {
    ($n:expr, $f:ident, $($args:tt)*) => {
        match $n {
            1 => $f::<1>($($args)*),
            2 => $f::<2>($($args)*),
            3 => $f::<3>($($args)*),
            4 => $f::<4>($($args)*),
            5 => $f::<5>($($args)*),
            6 => $f::<6>($($args)*),
            7 => $f::<7>($($args)*),
            _ => $f::<GROUP>($($args)*),
        }
    };
}

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
            fastest(
                #[inline(always)]
                || self.attend_rows(layer, q, lineage, heads, scale, rows, out),
            )
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
        let mut scores = vec![0f32; heads * steps];
        let mut products = vec![0f32; d];
        // each step's key and value row of the current row's history, found once for all heads
        let mut key_rows: Vec<&[f32]> = Vec::with_capacity(steps);
        let mut value_rows: Vec<&[f32]> = Vec::with_capacity(steps);
        let first = rows.start;
        let end = rows.end;
        for r in rows {
            // The next row's history is scattered over every step's buffer (a row of each,
            // d values): asked for now, it arrives while this row computes.
            if r + 1 < end {
                for s in 0..steps {
                    let i = if s + 1 == steps { r + 1 } else { lineage[r + 1][s] as usize };
                    prefetch(&keys[s][i * d..(i + 1) * d]);
                    prefetch(&values[s][i * d..(i + 1) * d]);
                }
            }
            let chain = &lineage[r];
            key_rows.clear();
            value_rows.clear();
            for s in 0..steps {
                // the current step's row is `r` itself
                let i = if s + 1 == steps { r } else { chain[s] as usize };
                key_rows.push(&keys[s][i * d..(i + 1) * d]);
                value_rows.push(&values[s][i * d..(i + 1) * d]);
            }
            // Step by step, every head at once: each history row is read front to back, once.
            // (Each score and context value is the same sum, in the same order, as a head at
            // a time would make.)
            let qr = &q[r * d..(r + 1) * d];
            for (s, k) in key_rows.iter().enumerate() {
                // the products in one vector pass, then each head's sum, exactly as `dot` sums
                for (p, (&x, &y)) in products.iter_mut().zip(qr.iter().zip(k.iter())) {
                    *p = x * y;
                }
                for (h, head) in products.chunks_exact(hd).enumerate() {
                    scores[h * steps + s] = lane_sum(head) * scale;
                }
            }
            for h in 0..heads {
                softmax_in_place(&mut scores[h * steps..(h + 1) * steps]);
            }
            let out = &mut out[(r - first) * d..(r - first + 1) * d];
            for (s, v) in value_rows.iter().enumerate() {
                for (h, (out, v)) in out.chunks_exact_mut(hd).zip(v.chunks_exact(hd)).enumerate() {
                    let p = scores[h * steps + s];
                    for (o, &x) in out.iter_mut().zip(v) {
                        *o += p * x;
                    }
                }
            }
        }
    }
}

/// Cross-attention keys/values of the encoded sources, one block per input (never copied
/// per beam: every beam row of an input reads its input's block). Laid out so that a head's
/// keys and values are each one contiguous run, read front to back: the hardware prefetches
/// them, where a strided walk over 32 rows at once missed the cache on every load.
pub struct Memory {
    /// Per layer: `inputs × heads × tiles × head_dim × LANES` — each tile of [`LANES`] source
    /// positions transposed, so a query's scores over a tile are `head_dim` vector
    /// multiply-adds (no horizontal sums). Positions past `src_max` are zero.
    keys_t: Vec<Vec<f32>>,
    /// Per layer: `inputs × heads × src_max × head_dim`.
    values: Vec<Vec<f32>>,
    pub src_max: usize,
    d: usize,
}

impl Memory {
    pub fn new(src_max: usize, d: usize) -> Self {
        Memory { keys_t: Vec::new(), values: Vec::new(), src_max, d }
    }

    /// Source positions rounded up to whole tiles.
    fn tiled(&self) -> usize {
        self.src_max.div_ceil(LANES) * LANES
    }

    /// Adds a layer's keys and values, each `inputs × src_max × d` (heads side by side).
    pub fn push_layer(&mut self, keys: &[f32], values: &[f32], heads: usize) {
        let (s, d, s8) = (self.src_max, self.d, self.tiled());
        let hd = d / heads;
        let inputs = keys.len() / (s * d).max(1);
        let mut kt = vec![0f32; inputs * heads * s8 * hd];
        let mut vh = vec![0f32; inputs * heads * s * hd];
        for b in 0..inputs {
            for j in 0..s {
                let (tile, lane) = (j / LANES, j % LANES);
                let at = (b * s + j) * d;
                for h in 0..heads {
                    let head = b * heads + h;
                    let (k, v) = (&keys[at + h * hd..at + (h + 1) * hd], &values[at + h * hd..at + (h + 1) * hd]);
                    for (e, &x) in k.iter().enumerate() {
                        kt[((head * s8 / LANES + tile) * hd + e) * LANES + lane] = x;
                    }
                    vh[(head * s + j) * hd..(head * s + j + 1) * hd].copy_from_slice(v);
                }
            }
        }
        self.keys_t.push(kt);
        self.values.push(vh);
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
            fastest(
                #[inline(always)]
                || self.attend_rows(layer, &rows_of, rows, out, probs),
            )
        });
        ctx
    }

    /// [`Self::attend`] for `rows`, into their parts of the context and of the weights.
    /// Consecutive rows of the same input (the beams of one source) go through each head
    /// together, up to [`GROUP`] at a time, so every key and value read from memory serves
    /// all of them. Each score and context value is still summed in the same order, with the
    /// same operations, as one row alone would sum it: grouping changes no bit.
    #[inline(always)]
    fn attend_rows(&self, layer: usize, a: &Rows, rows: Range<usize>, out: &mut [f32], mut probs: Option<&mut [f32]>) {
        let d = self.d;
        let hd = d / a.heads;
        let (s, s8) = (self.src_max, self.tiled());
        let (keys_t, values) = (&self.keys_t[layer], &self.values[layer]);
        let mut scores = vec![0f32; GROUP * s8];
        let mut scaled_q = vec![0f32; GROUP * hd];
        let first = rows.start;
        let mut r = rows.start;
        while r < rows.end {
            let (b, len) = (a.block_of_row[r], a.len_of_row[r]);
            let mut n = 1;
            while n < GROUP && r + n < rows.end && a.block_of_row[r + n] == b {
                n += 1;
            }
            // The block the next group of rows reads (its heads follow this one's last).
            let next_b = (r + n < rows.end).then(|| a.block_of_row[r + n]);
            for h in 0..a.heads {
                let head = b * a.heads + h;
                // Asks for the next head's keys and values while this one computes.
                let next = if h + 1 < a.heads { Some(head + 1) } else { next_b.map(|nb| nb * a.heads) };
                if let Some(nh) = next {
                    prefetch(&keys_t[nh * s8 * hd..(nh + 1) * s8 * hd]);
                    prefetch(&values[nh * s * hd..(nh + 1) * s * hd]);
                }
                for g in 0..n {
                    let qh = &a.q[(r + g) * d + h * hd..(r + g) * d + (h + 1) * hd];
                    for (o, &x) in scaled_q[g * hd..(g + 1) * hd].iter_mut().zip(qh) {
                        *o = x * a.scale;
                    }
                }
                let kt = &keys_t[head * s8 * hd..(head + 1) * s8 * hd];
                let tiles = len.div_ceil(LANES);
                with_group_size!(n, group_scores, &scaled_q[..n * hd], kt, tiles, s8, &mut scores);
                for g in 0..n {
                    softmax_in_place(&mut scores[g * s8..g * s8 + len]);
                }
                let v = &values[head * s * hd..(head + 1) * s * hd];
                let ctx = GroupContext { p: &scores, p_stride: s8, len, v, hd };
                let o = (r - first) * d + h * hd;
                with_group_size!(n, group_context, &ctx, &mut out[o..], d);
                if let Some(probs) = probs.as_deref_mut() {
                    for g in 0..n {
                        let sc = &scores[g * s8..g * s8 + len];
                        let at = (r + g - first) * s;
                        let row = &mut probs[at..at + len];
                        if a.mean {
                            for (o, &p) in row.iter_mut().zip(sc) {
                                *o += p / a.heads as f32;
                            }
                        } else if h == 0 {
                            row.copy_from_slice(sc);
                        }
                    }
                }
            }
            r += n;
        }
    }
}

/// Asks the cache for `data` ahead of its use (x86-64; elsewhere a no-op). A head's keys and
/// values are a run of a few KB used once per step, and at beam 1 a batch's cross-attention
/// memory (10 MB for 30 sources of 40 tokens in the Molecular Transformer's shape) is far past
/// L2: without the hint each run was read at cache-miss latency, 3× the time of the same work
/// from L2. A hint never faults and changes no value.
#[inline(always)]
fn prefetch(data: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for line in data.chunks(16) {
        // SAFETY: a prefetch only hints the cache (any address is allowed, none is read into
        // the program); SSE is in the x86-64 baseline.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Rows of one input that go through a head together (registers: `GROUP` accumulators of
/// one vector each, plus the shared key or value vector): the beams of a beam-5 search in
/// one group, so each input's keys and values are read from memory once per step.
const GROUP: usize = 8;

/// Lanes of one accumulator: a 256-bit vector of f32.
const LANES: usize = 8;

/// `scores[g][j] = Σ_e q[g][e] · k[j][e]` for the first `tiles` tiles of positions (`q`
/// already scaled; `kt` tiled as [`Memory::keys_t`]; `scores` rows `stride` apart). Summed
/// over `e` in order, from zero, one multiply and one add each: what an `axpy` per `e` would
/// give. Positions past the source's length get scores too, which nothing reads.
#[inline(always)]
fn group_scores<const N: usize>(q: &[f32], kt: &[f32], tiles: usize, stride: usize, scores: &mut [f32]) {
    // One or two rows alone would leave a single chain of dependent adds per tile, waiting on
    // each add's latency: then several tiles go at once, as independent chains.
    let done = match N {
        1 => scores_pass::<N, 4>(q, kt, 0, tiles, stride, scores),
        2 => scores_pass::<N, 2>(q, kt, 0, tiles, stride, scores),
        _ => 0,
    };
    scores_pass::<N, 1>(q, kt, done, tiles, stride, scores);
}

/// [`group_scores`] for tiles `first..`, `T` at a time while `T` are left; returns where it
/// stopped.
#[inline(always)]
fn scores_pass<const N: usize, const T: usize>(
    q: &[f32],
    kt: &[f32],
    first: usize,
    tiles: usize,
    stride: usize,
    scores: &mut [f32],
) -> usize {
    let hd = q.len() / N;
    let tile_len = hd * LANES;
    let mut t = first;
    while t + T <= tiles {
        let mut acc = [[[0f32; LANES]; T]; N];
        for e in 0..hd {
            for i in 0..T {
                let k: &[f32; LANES] = kt[(t + i) * tile_len + e * LANES..][..LANES].try_into().expect("LANES values");
                for (g, acc) in acc.iter_mut().enumerate() {
                    let qe = q[g * hd + e];
                    for l in 0..LANES {
                        acc[i][l] += qe * k[l];
                    }
                }
            }
        }
        for (g, acc) in acc.iter().enumerate() {
            for (i, acc) in acc.iter().enumerate() {
                scores[g * stride + (t + i) * LANES..][..LANES].copy_from_slice(acc);
            }
        }
        t += T;
    }
    t
}

/// The weights of a group of rows over one head's values.
struct GroupContext<'a> {
    /// Weights, rows `p_stride` apart.
    p: &'a [f32],
    p_stride: usize,
    /// Source positions.
    len: usize,
    /// `src_max × hd` values of the head.
    v: &'a [f32],
    hd: usize,
}

/// `out[g][c] = Σ_j p[g][j] · v[j][c]` for `c < hd`, `g < N` (`out` rows `out_stride`
/// apart). Summed over `j` in order, from zero: what an `axpy` per `j` would give.
#[inline(always)]
fn group_context<const N: usize>(ctx: &GroupContext, out: &mut [f32], out_stride: usize) {
    // As in `group_scores`: a row or two alone take several vectors of outputs at once, so
    // that each has chains of adds independent of one another.
    let done = match N {
        1 => context_pass::<N, 4>(ctx, 0, out, out_stride),
        2 => context_pass::<N, 2>(ctx, 0, out, out_stride),
        _ => 0,
    };
    let c = context_pass::<N, 1>(ctx, done, out, out_stride);
    let (p, ps, v, hd) = (ctx.p, ctx.p_stride, ctx.v, ctx.hd);
    for c in c..hd {
        for g in 0..N {
            let mut acc = 0f32;
            for j in 0..ctx.len {
                acc += p[g * ps + j] * v[j * hd + c];
            }
            out[g * out_stride + c] = acc;
        }
    }
}

/// [`group_context`] for outputs `first..`, `C` vectors at a time while `C` are left; returns
/// where it stopped.
#[inline(always)]
fn context_pass<const N: usize, const C: usize>(
    ctx: &GroupContext,
    first: usize,
    out: &mut [f32],
    out_stride: usize,
) -> usize {
    let (p, ps, v, hd) = (ctx.p, ctx.p_stride, ctx.v, ctx.hd);
    let mut c = first;
    while c + C * LANES <= hd {
        let mut acc = [[[0f32; LANES]; C]; N];
        for j in 0..ctx.len {
            let x: &[f32] = &v[j * hd + c..j * hd + c + C * LANES];
            for (g, acc) in acc.iter_mut().enumerate() {
                let pj = p[g * ps + j];
                for (acc, x) in acc.iter_mut().zip(x.chunks_exact(LANES)) {
                    for l in 0..LANES {
                        acc[l] += pj * x[l];
                    }
                }
            }
        }
        for (g, acc) in acc.iter().enumerate() {
            for (i, acc) in acc.iter().enumerate() {
                out[g * out_stride + c + i * LANES..][..LANES].copy_from_slice(acc);
            }
        }
        c += C * LANES;
    }
    c
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

/// The dot product as the decoder summed it before [`lane_sum`]: the tests' reference.
#[cfg(test)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
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

/// Sums `x` in eight lanes (lane `l` takes `x[l]`, `x[8 + l]`, … in order, from zero), then
/// `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))`, then the remainder in order: the
/// lanes become one vector register, with no long dependency chain.
#[inline(always)]
fn lane_sum(x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        let c: &[f32; 8] = c.try_into().expect("8 values");
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for &v in rest {
        s += v;
    }
    s
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

    fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        for (o, &v) in y.iter_mut().zip(x) {
            *o += alpha * v;
        }
    }

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

    /// The plain per-row, per-head loops (an `axpy` per head dimension for the scores, one per
    /// source position for the context): what the grouped kernels must equal bit for bit.
    fn cross_reference(keys: &[f32], values: &[f32], s: usize, d: usize, heads: usize, a: &Rows) -> Vec<f32> {
        let hd = d / heads;
        let mut ctx = vec![0f32; a.q.len()];
        for r in 0..a.block_of_row.len() {
            let (b, len) = (a.block_of_row[r], a.len_of_row[r]);
            for h in 0..heads {
                let mut sc = vec![0f32; len];
                for e in 0..hd {
                    let qe = a.q[r * d + h * hd + e] * a.scale;
                    for (j, x) in sc.iter_mut().enumerate() {
                        *x += qe * keys[(b * s + j) * d + h * hd + e];
                    }
                }
                softmax_in_place(&mut sc);
                for (j, &p) in sc.iter().enumerate() {
                    let v = (b * s + j) * d + h * hd;
                    axpy(p, &values[v..v + hd], &mut ctx[r * d + h * hd..r * d + (h + 1) * hd]);
                }
            }
        }
        ctx
    }

    fn xorshift(seed: &mut u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 17;
                *seed ^= *seed << 5;
                (*seed as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn self_attention_is_bit_identical_to_an_axpy_per_step() {
        let (heads, hd, rows) = (2, 12, 3);
        let d = heads * hd;
        let mut seed = 0x9e37_79b9u32;
        let mut cache = StepCache::new(1);
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        let mut lineage = Vec::new();
        for step in 0..4 {
            lineage = cache.begin_step(rows);
            let (k, v) = (xorshift(&mut seed, rows * d), xorshift(&mut seed, rows * d));
            cache.push(0, k.clone(), v.clone());
            keys.push(k);
            values.push(v);
            if step < 3 {
                cache.reorder(&[2, 0, 0]);
            }
        }
        let q = xorshift(&mut seed, rows * d);
        let got = cache.attend(0, &q, &lineage, heads, 0.2);
        let mut want = vec![0f32; rows * d];
        for r in 0..rows {
            let at = |s: usize| if s + 1 == keys.len() { r } else { lineage[r][s] as usize };
            for h in 0..heads {
                let qh = &q[r * d + h * hd..r * d + (h + 1) * hd];
                let mut sc: Vec<f32> =
                    (0..keys.len()).map(|s| dot(qh, &keys[s][at(s) * d + h * hd..][..hd]) * 0.2).collect();
                softmax_in_place(&mut sc);
                for (s, &p) in sc.iter().enumerate() {
                    axpy(p, &values[s][at(s) * d + h * hd..][..hd], &mut want[r * d + h * hd..][..hd]);
                }
            }
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want));
    }

    #[test]
    fn grouped_cross_attention_is_bit_identical_to_row_by_row() {
        // 36 = four vectors of 8 + a tail of 4 per head, 37 source positions = four tiles of 8
        // + one partial: every pass of the kernels runs, tails included. 10 rows of input 0
        // make a group of 8 and a group of 2, then 2 rows of input 1, 1 row of input 2.
        let (s, heads, hd) = (37, 2, 36);
        let d = heads * hd;
        let mut seed = 0x2545_f491u32;
        let mut rand = |n: usize| xorshift(&mut seed, n);
        let (keys, values) = (rand(3 * s * d), rand(3 * s * d));
        let mut mem = Memory::new(s, d);
        mem.push_layer(&keys, &values, heads);
        let block_of_row = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2];
        let len_of_row = [37, 37, 37, 37, 37, 37, 37, 37, 37, 37, 30, 30, 17];
        let q = rand(block_of_row.len() * d);
        let rows = Rows { q: &q, block_of_row: &block_of_row, len_of_row: &len_of_row, heads, scale: 0.3, mean: false };
        let want = cross_reference(&keys, &values, s, d, heads, &rows);
        let got = mem.attend(0, &q, &block_of_row, &len_of_row, heads, 0.3, None);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want));
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut x = [1.0, 2.0, 3.0];
        softmax_in_place(&mut x);
        assert!((x.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
