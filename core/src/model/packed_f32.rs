//! f32 linear layers with their weights packed once at load. A general matrix multiply packs
//! its right-hand side on every call: for a decoder step (a few dozen rows times a 256 × 2048
//! weight) that repacking moved as many bytes as the multiply itself read. Here the weight is
//! laid out at load exactly as the kernel walks it (blocks of 8 output rows, one 8-value
//! vector per input), and each call only streams it.
//!
//! Each output is `Σ_k x[k] · w[k]` summed over `k` in order from zero, then `+ b`. With FMA
//! (x86-64 with AVX2+FMA) every term is one fused multiply-add; elsewhere (wasm, baseline
//! x86-64) a multiply then an add, as burn's own kernels differ between those hosts too.

use super::rows::{fastest, for_tiles, map_rows};
use crate::error::{Error, Result};

/// Output rows per packed block (one 256-bit vector of f32).
const BLOCK: usize = 8;
/// Activation rows per tile.
const MR: usize = 4;
/// Sums of a tile: `MR` rows × two blocks.
type Tile = [[f32; 2 * BLOCK]; MR];

/// `y = x Wᵀ + b` with `W` packed for the kernels.
pub struct PackedLinear {
    inp: usize,
    out: usize,
    /// `[block][input][row in block]`, zero rows past `out`.
    packed: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl PackedLinear {
    /// From PyTorch-layout weight rows (`[out][inp]`), each `inp` long.
    pub fn from_rows(name: &str, rows: &[&[f32]], inp: usize, bias: Option<Vec<f32>>) -> Result<Self> {
        let out = rows.len();
        if inp == 0 || rows.iter().any(|r| r.len() != inp) || bias.as_ref().is_some_and(|b| b.len() != out) {
            return Err(Error::Tensor {
                name: name.to_string(),
                problem: "weight rows or bias disagree with the layer's size".into(),
            });
        }
        let mut packed = vec![0f32; out.div_ceil(BLOCK) * inp * BLOCK];
        for (block, dst) in rows.chunks(BLOCK).zip(packed.chunks_exact_mut(inp * BLOCK)) {
            for (k, dst) in dst.chunks_exact_mut(BLOCK).enumerate() {
                for (d, row) in dst.iter_mut().zip(block) {
                    *d = row[k];
                }
            }
        }
        Ok(PackedLinear { inp, out, packed, bias })
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

    #[inline(always)]
    fn rows(&self, x: &[f32], y: &mut [f32]) {
        let block_len = self.inp * BLOCK;
        for_tiles(
            x.len() / self.inp,
            self.out,
            2 * BLOCK,
            MR,
            #[inline(always)]
            |first, cols, r0, mr| {
                let w = &self.packed[first / BLOCK * block_len..];
                let mut tile: Tile = [[0.0; 2 * BLOCK]; MR];
                accumulate(&x[r0 * self.inp..(r0 + mr) * self.inp], mr, self.inp, w, cols.div_ceil(BLOCK), &mut tile);
                for (r, sums) in tile.iter().enumerate().take(mr) {
                    let out = &mut y[(r0 + r) * self.out + first..][..cols];
                    match &self.bias {
                        Some(b) => {
                            for ((o, &s), &b) in out.iter_mut().zip(sums).zip(&b[first..]) {
                                *o = s + b;
                            }
                        }
                        None => out.copy_from_slice(&sums[..cols]),
                    }
                }
            },
        );
    }
}

/// The sums of `mr` rows of `x` (`inp` apart) with `blocks` (1 or 2) packed blocks from `w`.
#[inline(always)]
fn accumulate(x: &[f32], mr: usize, inp: usize, w: &[f32], blocks: usize, tile: &mut Tile) {
    assert!(mr <= MR && (1..=2).contains(&blocks) && x.len() >= mr * inp && w.len() >= blocks * inp * BLOCK);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA are present (checked above); the slices cover every index the
        // kernel reads (asserted above).
        unsafe { avx2::accumulate(x, mr, inp, w, blocks, tile) };
        return;
    }
    portable(x, mr, inp, w, blocks, tile);
}

/// Any host: a multiply and an add per term (vectorized by the compiler: wasm simd128).
#[inline(always)]
fn portable(x: &[f32], mr: usize, inp: usize, w: &[f32], blocks: usize, tile: &mut Tile) {
    for b in 0..blocks {
        let wb = &w[b * inp * BLOCK..][..inp * BLOCK];
        for (r, sums) in tile.iter_mut().enumerate().take(mr) {
            let mut acc = [0f32; BLOCK];
            for (&xk, wk) in x[r * inp..][..inp].iter().zip(wb.chunks_exact(BLOCK)) {
                let wk: &[f32; BLOCK] = wk.try_into().expect("BLOCK values");
                for l in 0..BLOCK {
                    acc[l] += xk * wk[l];
                }
            }
            sums[b * BLOCK..][..BLOCK].copy_from_slice(&acc);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Tile, BLOCK, MR};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must have AVX2 and FMA; `x` must hold `mr` rows of `inp` and `w` `blocks`
    /// blocks of `inp × BLOCK`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub unsafe fn accumulate(x: &[f32], mr: usize, inp: usize, w: &[f32], blocks: usize, tile: &mut Tile) {
        let (x, w) = (x.as_ptr(), w.as_ptr());
        match (mr, blocks) {
            (4, 2) => kernel::<4, 2>(x, inp, w, tile),
            (3, 2) => kernel::<3, 2>(x, inp, w, tile),
            (2, 2) => kernel::<2, 2>(x, inp, w, tile),
            (1, 2) => kernel::<1, 2>(x, inp, w, tile),
            (4, _) => kernel::<4, 1>(x, inp, w, tile),
            (3, _) => kernel::<3, 1>(x, inp, w, tile),
            (2, _) => kernel::<2, 1>(x, inp, w, tile),
            _ => kernel::<1, 1>(x, inp, w, tile),
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn kernel<const R: usize, const B: usize>(x: *const f32, inp: usize, w: *const f32, tile: &mut Tile) {
        const { assert!(R <= MR && B <= 2) };
        let mut acc = [[_mm256_setzero_ps(); B]; R];
        for k in 0..inp {
            let mut wv = [_mm256_setzero_ps(); B];
            for (b, v) in wv.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(w.add((b * inp + k) * BLOCK));
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let xv = _mm256_set1_ps(*x.add(r * inp + k));
                for (a, v) in acc_r.iter_mut().zip(&wv) {
                    *a = _mm256_fmadd_ps(xv, *v, *a);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            for (b, a) in acc_r.iter().enumerate() {
                _mm256_storeu_ps(tile[r][b * BLOCK..].as_mut_ptr(), *a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_values::random_layer;

    #[test]
    fn matches_plain_sums_for_every_tile_shape() {
        let mut seed = 3;
        for (rows, inp, out) in [(1, 1, 1), (3, 5, 7), (4, 16, 16), (9, 33, 25), (30, 256, 768), (5, 2048, 40)] {
            let (w, b, x) = random_layer(&mut seed, rows, inp, out);
            let w_rows: Vec<&[f32]> = w.chunks_exact(inp).collect();
            let layer = PackedLinear::from_rows("t", &w_rows, inp, Some(b.clone())).expect("layer");
            let y = layer.forward(&x);
            assert_eq!(y.len(), rows * out);
            for r in 0..rows {
                for o in 0..out {
                    let exact: f64 =
                        (0..inp).map(|k| f64::from(x[r * inp + k]) * f64::from(w[o * inp + k])).sum::<f64>()
                            + f64::from(b[o]);
                    let got = f64::from(y[r * out + o]);
                    assert!(
                        (got - exact).abs() <= 1e-5 * (inp as f64).sqrt(),
                        "{rows}x{inp}x{out} at {r},{o}: {got} vs {exact}"
                    );
                }
            }
            // the portable kernel sums in the same order; with FMA each term rounds once
            // instead of twice, so the two agree to a few ulps of the sum's terms
            let mut tile: Tile = [[0.0; 2 * BLOCK]; MR];
            let mr = MR.min(rows);
            portable(&x, mr, inp, &layer.packed, out.min(2 * BLOCK).div_ceil(BLOCK), &mut tile);
            for (r, sums) in tile.iter().enumerate().take(mr) {
                for (o, &s) in sums.iter().enumerate().take(out.min(2 * BLOCK)) {
                    assert!((s + b[o] - y[r * out + o]).abs() <= 1e-5 * (inp as f32).sqrt());
                }
            }
        }
        assert!(PackedLinear::from_rows("t", &[&[1.0][..]], 2, None).is_err());
        assert!(PackedLinear::from_rows("t", &[&[1.0][..]], 1, Some(vec![0.0; 2])).is_err());
    }
}
