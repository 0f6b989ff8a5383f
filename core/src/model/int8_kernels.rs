//! The int8 inner kernel: a tile of up to `MR` activation rows times one or two packed blocks
//! of `BLOCK` output rows, summed in i32. Each step broadcasts one activation pair (two i16 in
//! an i32 lane) and multiply-adds it against a block's 16 weights (8 outputs × the pair), the
//! `pmaddwd` / `i32x4.dot_i16x8_s` shape, so the sums land one output per lane with no
//! horizontal reduction; with AVX-512 VNNI, `vpdpwssd` does the multiply-add and the
//! accumulation in one instruction. No saturating instruction is used: every kernel is exact, hence all
//! agree bit for bit and the fastest one the CPU has is picked at run time.

/// Output rows per packed block (one 256-bit vector of i32 sums).
pub const BLOCK: usize = 8;
/// Activation rows per tile.
pub const MR: usize = 4;
/// Sums of a tile: `MR` rows × two blocks.
pub type Tile = [[i32; 2 * BLOCK]; MR];

/// Adds into `tile` the products of `mr` rows of `x` (`stride` i16 apart, `2 × pairs` used)
/// with `blocks` (1 or 2) consecutive packed blocks starting at `w`. Inlined into its caller
/// (which runs under [`super::rows::fastest`]): called once per tile, a call of its own cost
/// a twentieth of the layer, and a switch of vector width on every call.
#[inline(always)]
pub fn accumulate(x: &[i16], mr: usize, stride: usize, w: &[i8], blocks: usize, pairs: usize, tile: &mut Tile) {
    assert!(mr <= MR && (1..=2).contains(&blocks), "tile of {mr} rows × {blocks} blocks");
    assert!(x.len() >= (mr - 1) * stride + 2 * pairs && w.len() >= blocks * pairs * 2 * BLOCK);
    #[cfg(target_arch = "x86_64")]
    {
        if x86::has_vnni() {
            // SAFETY: AVX-512 VNNI and VL are present (checked above); the slices cover every
            // index the kernel reads (asserted above).
            unsafe { x86::accumulate_vnni(x, mr, stride, w, blocks, pairs, tile) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present (checked above); the slices cover every index the kernel
            // reads (asserted above).
            unsafe { x86::accumulate_avx2(x, mr, stride, w, blocks, pairs, tile) };
            return;
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd128::accumulate(x, mr, stride, w, blocks, pairs, tile);
        return;
    }
    #[allow(unreachable_code)]
    portable(x, mr, stride, w, blocks, pairs, tile);
}

fn portable(x: &[i16], mr: usize, stride: usize, w: &[i8], blocks: usize, pairs: usize, tile: &mut Tile) {
    for b in 0..blocks {
        let wb = &w[b * pairs * 2 * BLOCK..][..pairs * 2 * BLOCK];
        for (r, sums) in tile.iter_mut().enumerate().take(mr) {
            let xr = &x[r * stride..][..2 * pairs];
            let sums = &mut sums[b * BLOCK..][..BLOCK];
            for (xp, wp) in xr.chunks_exact(2).zip(wb.chunks_exact(2 * BLOCK)) {
                let (x0, x1) = (i32::from(xp[0]), i32::from(xp[1]));
                for (s, wj) in sums.iter_mut().zip(wp.chunks_exact(2)) {
                    *s += x0 * i32::from(wj[0]) + x1 * i32::from(wj[1]);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Tile, BLOCK, MR};
    use std::arch::x86_64::*;

    /// AVX-512 VNNI's `vpdpwssd` on 256-bit vectors: the `pmaddwd` products and their add in
    /// one instruction (the add is the same wrapping i32 add, so the sums are the same).
    pub fn has_vnni() -> bool {
        is_x86_feature_detected!("avx512vnni") && is_x86_feature_detected!("avx512vl")
    }

    /// # Safety
    /// The CPU must have AVX2; `x` and `w` must cover the tile (see [`super::accumulate`]).
    #[target_feature(enable = "avx2")]
    pub unsafe fn accumulate_avx2(
        x: &[i16],
        mr: usize,
        stride: usize,
        w: &[i8],
        blocks: usize,
        pairs: usize,
        tile: &mut Tile,
    ) {
        dispatch::<false>(x, mr, stride, w, blocks, pairs, tile)
    }

    /// # Safety
    /// The CPU must have AVX-512 VNNI and VL; `x` and `w` must cover the tile.
    #[target_feature(enable = "avx2,avx512f,avx512vl,avx512vnni")]
    pub unsafe fn accumulate_vnni(
        x: &[i16],
        mr: usize,
        stride: usize,
        w: &[i8],
        blocks: usize,
        pairs: usize,
        tile: &mut Tile,
    ) {
        dispatch::<true>(x, mr, stride, w, blocks, pairs, tile)
    }

    /// Dispatches to a kernel with the tile's shape fixed at compile time, so the accumulators
    /// stay in registers. Inlined into the two entry points above, which give it their
    /// instruction sets.
    #[inline(always)]
    unsafe fn dispatch<const VNNI: bool>(
        x: &[i16],
        mr: usize,
        stride: usize,
        w: &[i8],
        blocks: usize,
        pairs: usize,
        tile: &mut Tile,
    ) {
        let (x, w) = (x.as_ptr(), w.as_ptr());
        match (mr, blocks) {
            (4, 2) => kernel::<4, 2, VNNI>(x, stride, w, pairs, tile),
            (3, 2) => kernel::<3, 2, VNNI>(x, stride, w, pairs, tile),
            (2, 2) => kernel::<2, 2, VNNI>(x, stride, w, pairs, tile),
            (1, 2) => kernel::<1, 2, VNNI>(x, stride, w, pairs, tile),
            (4, _) => kernel::<4, 1, VNNI>(x, stride, w, pairs, tile),
            (3, _) => kernel::<3, 1, VNNI>(x, stride, w, pairs, tile),
            (2, _) => kernel::<2, 1, VNNI>(x, stride, w, pairs, tile),
            _ => kernel::<1, 1, VNNI>(x, stride, w, pairs, tile),
        }
    }

    #[inline(always)]
    unsafe fn kernel<const R: usize, const B: usize, const VNNI: bool>(
        x: *const i16,
        stride: usize,
        w: *const i8,
        pairs: usize,
        tile: &mut Tile,
    ) {
        const { assert!(R <= MR && B <= 2) };
        let mut acc = [[_mm256_setzero_si256(); B]; R];
        let block_len = pairs * 2 * BLOCK;
        for p in 0..pairs {
            let mut wv = [_mm256_setzero_si256(); B];
            for (b, v) in wv.iter_mut().enumerate() {
                *v = _mm256_cvtepi8_epi16(_mm_loadu_si128(w.add(b * block_len + p * 2 * BLOCK) as *const __m128i));
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let xv = _mm256_set1_epi32((x.add(r * stride + 2 * p) as *const i32).read_unaligned());
                for (a, v) in acc_r.iter_mut().zip(&wv) {
                    *a = if VNNI {
                        _mm256_dpwssd_epi32(*a, xv, *v)
                    } else {
                        _mm256_add_epi32(*a, _mm256_madd_epi16(xv, *v))
                    };
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            for (b, a) in acc_r.iter().enumerate() {
                let dst = tile[r][b * BLOCK..].as_mut_ptr() as *mut __m256i;
                _mm256_storeu_si256(dst, _mm256_add_epi32(_mm256_loadu_si256(dst), *a));
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use super::{Tile, BLOCK};
    use core::arch::wasm32::*;

    pub fn accumulate(x: &[i16], mr: usize, stride: usize, w: &[i8], blocks: usize, pairs: usize, tile: &mut Tile) {
        let block_len = pairs * 2 * BLOCK;
        for b in 0..blocks {
            let wb = &w[b * block_len..][..block_len];
            for (r, sums) in tile.iter_mut().enumerate().take(mr) {
                let xr = &x[r * stride..][..2 * pairs];
                let (mut lo, mut hi) = (i32x4_splat(0), i32x4_splat(0));
                for (xp, wp) in xr.chunks_exact(2).zip(wb.chunks_exact(2 * BLOCK)) {
                    let xv = i32x4_splat(i32::from(xp[0] as u16) | (i32::from(xp[1] as u16) << 16));
                    // SAFETY: `wp` is 16 bytes (chunks_exact); wasm loads need no alignment.
                    let wv = unsafe { v128_load(wp.as_ptr() as *const v128) };
                    lo = i32x4_add(lo, i32x4_dot_i16x8(xv, i16x8_extend_low_i8x16(wv)));
                    hi = i32x4_add(hi, i32x4_dot_i16x8(xv, i16x8_extend_high_i8x16(wv)));
                }
                let sums = &mut sums[b * BLOCK..][..BLOCK];
                for (j, s) in sums.iter_mut().enumerate() {
                    *s += match j {
                        0 => i32x4_extract_lane::<0>(lo),
                        1 => i32x4_extract_lane::<1>(lo),
                        2 => i32x4_extract_lane::<2>(lo),
                        3 => i32x4_extract_lane::<3>(lo),
                        4 => i32x4_extract_lane::<0>(hi),
                        5 => i32x4_extract_lane::<1>(hi),
                        6 => i32x4_extract_lane::<2>(hi),
                        _ => i32x4_extract_lane::<3>(hi),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dispatched kernel (AVX-512 VNNI or AVX2 here, when the CPU has them), and AVX2 by
    /// itself, against the portable one.
    #[test]
    fn kernels_agree() {
        let mut seed = 11u32;
        let mut next = || {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            (seed >> 24) as u8 as i8
        };
        for (mr, blocks, pairs) in [(4, 2, 128), (3, 1, 5), (1, 2, 1), (2, 2, 1024)] {
            let stride = 2 * pairs + 3;
            // activations span 12 bits (int8.rs), weights 8
            let x: Vec<i16> = (0..mr * stride).map(|_| i16::from(next()) * 16).collect();
            let w: Vec<i8> = (0..blocks * pairs * 2 * BLOCK).map(|_| next().clamp(-127, 127)).collect();
            let (mut a, mut b): (Tile, Tile) = ([[1; 16]; MR], [[1; 16]; MR]);
            accumulate(&x, mr, stride, &w, blocks, pairs, &mut a);
            portable(&x, mr, stride, &w, blocks, pairs, &mut b);
            assert_eq!(a, b, "{mr} × {blocks} × {pairs}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut c: Tile = [[1; 16]; MR];
                // SAFETY: AVX2 is present; the slices cover the tile (as for `accumulate`).
                unsafe { x86::accumulate_avx2(&x, mr, stride, &w, blocks, pairs, &mut c) };
                assert_eq!(c, b, "AVX2: {mr} × {blocks} × {pairs}");
            }
        }
    }
}
