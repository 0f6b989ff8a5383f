//! int8 linear layers. Weights are quantized once at load, symmetric with one scale per output
//! row (as an int8 bundle stores them, so re-quantizing its dequantized values gives back the
//! stored integers); activations are quantized symmetrically per row at run time, to 12 bits
//! (see [`activation_levels`]); the products are summed in i32. Integer sums are exact in any order, so every kernel (AVX2,
//! portable, wasm simd128) yields the same sums, and the one scalar epilogue that turns them
//! into f32 makes the layer's output bit-identical on every host.

use super::int8_kernels::{accumulate, Tile, BLOCK, MR};
use super::rows::{fastest, for_tiles, map_rows};
use crate::error::{Error, Result};

/// Longest input row an i32 sum of 127 × 127 products cannot overflow (2^31 / 127² ≈ 133 k).
pub const MAX_INPUT: usize = 1 << 17;

/// Activation levels (each side of zero) at most: 12 bits. The kernels widen activations to
/// 16-bit lanes anyway (`pmaddwd`, `i32x4.dot_i16x8_s`), so quantizing them more finely than
/// the weights' 127 levels costs no time, and it is what keeps int8 answers close to f32 ones:
/// with 127 activation levels the goldens' top-1 changed on a quarter of the inputs.
const MAX_ACTIVATION_LEVELS: i64 = 2047;

/// The activation levels for rows of `inp` values: as many as [`MAX_ACTIVATION_LEVELS`] while
/// a row's sum of products, at most `inp × levels × 127`, fits an i32 (at least 127 up to
/// [`MAX_INPUT`]).
fn activation_levels(inp: usize) -> f32 {
    (i64::from(i32::MAX) / (127 * inp.max(1) as i64)).min(MAX_ACTIVATION_LEVELS) as f32
}

/// Quantizes `row` into `out` (same length) symmetrically: `x ≈ q × scale`, `q` in
/// [-127, 127], `scale = max |x| / 127`. Returns the scale (0 for an all-zero row, whose
/// values all quantize to 0). The rule of int8 bundles and of the activations alike.
pub fn quantize_row(row: &[f32], out: &mut [i8]) -> f32 {
    let scale = row.iter().fold(0f32, |m, x| m.max(x.abs())) / 127.0;
    for (q, x) in out.iter_mut().zip(row) {
        // `as` saturates; the clamp is for x / scale landing a hair past 127 by rounding.
        *q = if scale > 0.0 { (x / scale).round().clamp(-127.0, 127.0) as i8 } else { 0 };
    }
    scale
}

/// Quantizes one row of activations symmetrically to `levels` levels each side of zero (see
/// [`activation_levels`]), fast, as this runs on every row of every layer: a multiply by
/// `levels / max` instead of a divide, and rounding (half away from zero) by truncation, which
/// needs no libm call nor SSE4.1. Plain IEEE arithmetic: the same on every host.
#[inline(always)]
fn quantize_activations(row: &[f32], levels: f32, out: &mut [i16]) -> f32 {
    // Eight lanes of maxima (the maximum is exact in any order), and a flag for NaN, which
    // `max` passes over: written so that both loops vectorize.
    let mut lanes = [0f32; 8];
    let mut nan = false;
    let chunks = row.chunks_exact(8);
    for x in chunks.clone() {
        let x: &[f32; 8] = x.try_into().expect("8 values");
        for l in 0..8 {
            lanes[l] = lanes[l].max(x[l].abs());
            nan |= x[l].is_nan();
        }
    }
    for &x in chunks.remainder() {
        lanes[0] = lanes[0].max(x.abs());
        nan |= x.is_nan();
    }
    let max = lanes.iter().fold(0f32, |m, &x| m.max(x));
    let inv = levels / max;
    if max == 0.0 && !nan {
        out.fill(0);
        return 0.0;
    }
    if nan || !max.is_finite() || !inv.is_finite() {
        // A row of the model's own making never gets here: NaN or infinity upstream, or a
        // maximum so small (subnormal) that `levels / max` overflows. NaN in, NaN out.
        out.fill(0);
        return f32::NAN;
    }
    for (q, &x) in out.iter_mut().zip(row) {
        let v = (x * inv).clamp(-levels, levels);
        // SAFETY: `x` is finite and `inv` finite, so `v` is finite and within ±levels (≤ 2047):
        // the conversion is in range.
        *q = unsafe { (v + 0.5f32.copysign(v)).to_int_unchecked::<i32>() } as i16;
    }
    max / levels
}

/// `y = x Wᵀ + b` with int8 weights and activations.
pub struct QuantLinear {
    inp: usize,
    out: usize,
    /// Input values in pairs (the kernels multiply-add two at a time); odd sizes pad a zero.
    pairs: usize,
    /// Blocks of `BLOCK` output rows; for each block, for each input pair, the pair of each
    /// row: `[block][pair][row in block][2]`. A block is one 16-value vector per input pair,
    /// which is what the kernels multiply a broadcast activation pair by.
    packed: Vec<i8>,
    scales: Vec<f32>,
    bias: Option<Vec<f32>>,
    /// See [`activation_levels`].
    levels: f32,
}

/// One output row of a layer's weight, as the loader has it.
#[derive(Clone, Copy)]
pub enum QuantRow<'a> {
    /// f32 values, quantized at load.
    F32(&'a [f32]),
    /// Integers and their scale as an int8 bundle stores them (the rule of [`quantize_row`]):
    /// taken as they are.
    Int8(&'a [i8], f32),
}

impl QuantRow<'_> {
    fn len(&self) -> usize {
        match self {
            QuantRow::F32(r) => r.len(),
            QuantRow::Int8(r, _) => r.len(),
        }
    }
}

impl QuantLinear {
    /// From PyTorch-layout f32 weight rows (`[out][inp]`), each `inp` long.
    #[cfg(test)]
    pub fn new(name: &str, rows: &[&[f32]], inp: usize, bias: Option<Vec<f32>>) -> Result<Self> {
        Self::from_rows(name, &rows.iter().map(|r| QuantRow::F32(r)).collect::<Vec<_>>(), inp, bias)
    }

    /// From PyTorch-layout weight rows (`[out][inp]`), each `inp` long.
    pub fn from_rows(name: &str, rows: &[QuantRow<'_>], inp: usize, bias: Option<Vec<f32>>) -> Result<Self> {
        let out = rows.len();
        let problem = |p: String| Err(Error::Tensor { name: name.to_string(), problem: p });
        if inp == 0 || inp > MAX_INPUT {
            return problem(format!("int8 compute takes inputs of 1 to {MAX_INPUT} values, this layer has {inp}"));
        }
        if rows.iter().any(|r| r.len() != inp) || bias.as_ref().is_some_and(|b| b.len() != out) {
            return problem("weight rows or bias disagree with the layer's size".into());
        }
        let mut scales = Vec::with_capacity(out);
        let mut quantized = vec![0i8; rows.iter().filter(|r| matches!(r, QuantRow::F32(_))).count() * inp];
        let mut owned = quantized.chunks_exact_mut(inp);
        let mut ints: Vec<&[i8]> = Vec::with_capacity(out);
        for row in rows {
            match *row {
                QuantRow::F32(r) => {
                    let q = owned.next().expect("one quantized row per f32 row");
                    scales.push(quantize_row(r, q));
                    ints.push(q);
                }
                // The bundle reader has refused negative and non-finite scales, and -128 (the
                // overflow bound of the sums, `activation_levels`, assumes ±127).
                QuantRow::Int8(q, scale) => {
                    scales.push(scale);
                    ints.push(q);
                }
            }
        }
        let pairs = inp.div_ceil(2);
        let mut packed = vec![0i8; out.div_ceil(BLOCK) * pairs * 2 * BLOCK];
        // Written in order, a block of rows at a time: `[block][pair][row in block][2]`.
        for (block, dst) in ints.chunks(BLOCK).zip(packed.chunks_exact_mut(pairs * 2 * BLOCK)) {
            for (pair, dst) in dst.chunks_exact_mut(2 * BLOCK).enumerate() {
                for (row, d) in block.iter().zip(dst.chunks_exact_mut(2)) {
                    d[0] = row[2 * pair];
                    d[1] = row.get(2 * pair + 1).copied().unwrap_or(0);
                }
            }
        }
        Ok(QuantLinear { inp, out, pairs, packed, scales, bias, levels: activation_levels(inp) })
    }

    pub fn out_features(&self) -> usize {
        self.out
    }

    /// `x` holds `x.len() / inp` rows; returns as many rows of `out` values.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        map_rows(x, self.inp, self.out, MR, |x, y| {
            fastest(
                #[inline(always)]
                || self.rows(x, y),
            )
        })
    }

    /// One chunk of rows: quantize them, then sweep the weights tile by tile (`for_tiles`);
    /// each tile of sums goes straight to its outputs.
    #[inline(always)]
    fn rows(&self, x: &[f32], y: &mut [f32]) {
        let rows = x.len() / self.inp;
        let stride = 2 * self.pairs;
        let mut qx = vec![0i16; rows * stride];
        let mut sx = Vec::with_capacity(rows);
        for (row, q) in x.chunks_exact(self.inp).zip(qx.chunks_exact_mut(stride)) {
            sx.push(quantize_activations(row, self.levels, &mut q[..self.inp]));
        }
        let block_len = self.pairs * 2 * BLOCK;
        for_tiles(
            rows,
            self.out,
            2 * BLOCK,
            MR,
            #[inline(always)]
            |first, cols, r0, mr| {
                let w = &self.packed[first / BLOCK * block_len..];
                let mut tile: Tile = [[0; 2 * BLOCK]; MR];
                let blocks = cols.div_ceil(BLOCK);
                accumulate(&qx[r0 * stride..(r0 + mr) * stride], mr, stride, w, blocks, self.pairs, &mut tile);
                for (r, tile_row) in tile.iter().enumerate().take(mr) {
                    let out = &mut y[(r0 + r) * self.out + first..][..cols];
                    self.dequantize(&tile_row[..cols], sx[r0 + r], first, out);
                }
            },
        );
    }

    /// Outputs `first..first + out.len()` of one row: `out[o] = sums[o] · (sx · sw[o]) + b[o]`,
    /// one rounding order everywhere.
    #[inline(always)]
    fn dequantize(&self, sums: &[i32], sx: f32, first: usize, out: &mut [f32]) {
        let scales = &self.scales[first..first + out.len()];
        match &self.bias {
            Some(b) => {
                for (((v, &s), &sw), &b) in out.iter_mut().zip(sums).zip(scales).zip(&b[first..]) {
                    *v = s as f32 * (sx * sw) + b;
                }
            }
            None => {
                for ((v, &s), &sw) in out.iter_mut().zip(sums).zip(scales) {
                    *v = s as f32 * (sx * sw);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::{lcg, random_layer};

    /// The layer against a plain scalar reference of the same arithmetic, for shapes that
    /// exercise every remainder (odd inputs, partial blocks and panels, partial row tiles).
    #[test]
    fn matches_scalar_reference() {
        let mut seed = 7;
        for (rows, inp, out) in [(1, 1, 1), (3, 5, 7), (4, 16, 16), (9, 33, 25), (150, 256, 768), (5, 2048, 40)] {
            let (w, b, mut x) = random_layer(&mut seed, rows, inp, out);
            x.iter_mut().for_each(|v| *v *= 3.0);
            let w_rows: Vec<&[f32]> = w.chunks_exact(inp).collect();
            let layer = QuantLinear::new("t", &w_rows, inp, Some(b.clone())).expect("layer");
            let y = layer.forward(&x);
            for r in 0..rows {
                let mut qx = vec![0i16; inp];
                let sx = quantize_activations(&x[r * inp..(r + 1) * inp], activation_levels(inp), &mut qx);
                for o in 0..out {
                    let mut qw = vec![0i8; inp];
                    let sw = quantize_row(w_rows[o], &mut qw);
                    let sum: i32 = qx.iter().zip(&qw).map(|(&a, &b)| i32::from(a) * i32::from(b)).sum();
                    let want = sum as f32 * (sx * sw) + b[o];
                    assert_eq!(y[r * out + o].to_bits(), want.to_bits(), "rows {rows} inp {inp} out {out} at {r},{o}");
                    let exact: f32 = (0..inp).map(|k| x[r * inp + k] * w[o * inp + k]).sum::<f32>() + b[o];
                    assert!(
                        (y[r * out + o] - exact).abs() < 0.05 * (inp as f32).sqrt() + 0.05,
                        "{exact} vs {}",
                        y[r * out + o]
                    );
                }
            }
        }
    }

    #[test]
    fn activations_round_half_away_from_zero_and_odd_rows_are_refused() {
        let mut seed = 11;
        for inp in [1, 7, 8, 9, 256, 2051] {
            let levels = activation_levels(inp);
            let mut x: Vec<f32> = (0..inp).map(|_| lcg(&mut seed) * 5.0).collect();
            x[inp / 2] = -7.0; // the maximum, on the negative side
            let mut q = vec![0i16; inp];
            let scale = quantize_activations(&x, levels, &mut q);
            assert_eq!(scale, 7.0 / levels);
            let inv = levels / 7.0;
            for (k, (&x, &q)) in x.iter().zip(&q).enumerate() {
                // the plain rule, with libm's rounding
                let want = (x * inv).clamp(-levels, levels).round() as i16;
                let v = x * inv;
                // truncation differs from `round` only where v + 0.5 rounds up in f32
                let tie = (v.abs().fract() - 0.5).abs() < 1e-4;
                assert!(q == want || tie, "inp {inp} value {k}: {x} -> {q}, want {want}");
            }
            assert_eq!(q[inp / 2], -(levels as i16));
        }
        let mut q = vec![1i16; 3];
        assert_eq!(quantize_activations(&[0.0, -0.0, 0.0], 127.0, &mut q), 0.0);
        assert_eq!(q, [0, 0, 0]);
        for odd in [[1.0, f32::NAN, 2.0], [1.0, f32::INFINITY, 2.0], [1e-45, 0.0, -1e-45]] {
            let mut q = vec![1i16; 3];
            assert!(quantize_activations(&odd, 2047.0, &mut q).is_nan(), "{odd:?}");
            assert_eq!(q, [0, 0, 0]);
        }
    }

    /// What lets an int8 bundle be computed from its own integers: its values (q × scale)
    /// quantize back to q.
    #[test]
    fn requantizing_dequantized_rows_gives_the_integers_back() {
        let mut seed = 3;
        for len in [1, 7, 256, 2048] {
            let row: Vec<f32> = (0..len).map(|_| lcg(&mut seed) * 0.1).collect();
            let mut q = vec![0i8; len];
            let s = quantize_row(&row, &mut q);
            let back: Vec<f32> = q.iter().map(|&v| f32::from(v) * s).collect();
            let mut again = vec![0i8; len];
            let s2 = quantize_row(&back, &mut again);
            assert_eq!(q, again, "row of {len}");
            assert!((s2 - s).abs() <= s * 2.0 * f32::EPSILON, "{s} vs {s2}");
        }
    }

    #[test]
    fn activation_sums_cannot_overflow() {
        assert_eq!(activation_levels(256), 2047.0);
        for inp in [1, 2048, 8257, 8258, 65536, MAX_INPUT] {
            let levels = activation_levels(inp);
            assert!(levels >= 127.0, "{inp}: {levels}");
            assert!(inp as f64 * f64::from(levels) * 127.0 <= f64::from(i32::MAX), "{inp}: {levels}");
        }
    }

    #[test]
    fn zero_rows_and_sizes_refused() {
        let row = [0.0f32; 4];
        let layer = QuantLinear::new("t", &[&row], 4, None).expect("layer");
        assert_eq!(layer.forward(&[0.0; 8]), vec![0.0, 0.0]);
        assert!(QuantLinear::new("t", &[&row], 0, None).is_err());
        assert!(QuantLinear::new("t", &[&row], 3, None).is_err());
        assert!(QuantLinear::new("t", &[&row], 4, Some(vec![0.0; 2])).is_err());
    }
}
