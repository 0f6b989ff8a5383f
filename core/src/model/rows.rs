//! Row-parallel host kernels: the decoder's host work (attention over the caches, the f64
//! output layer) is independent per hypothesis row, so its output buffers are cut into chunks
//! of whole rows and filled on rayon's pool when the `parallel` feature is on (native hosts),
//! in one pass otherwise (wasm). Each row is computed by the same code in the same order
//! whichever chunk it falls in, so the answers do not depend on the thread count.

use std::ops::Range;

/// Rows per chunk: enough work per task to amortize scheduling, and several chunks per thread
/// so that rows of different lengths balance out.
#[cfg(feature = "parallel")]
fn rows_per_chunk(rows: usize) -> usize {
    let threads = rayon::current_num_threads();
    if threads <= 1 {
        return rows.max(1);
    }
    rows.div_ceil(threads * 4).max(4)
}

/// Calls `work(rows, out_rows, aux_rows)` over consecutive chunks of rows, where `out` holds
/// `out_len` values per row and `aux` (when given) `aux_len` values per row.
pub fn for_row_chunks<T, U, F>(out: &mut [T], out_len: usize, aux: Option<(&mut [U], usize)>, work: F)
where
    T: Send,
    U: Send,
    F: Fn(Range<usize>, &mut [T], Option<&mut [U]>) + Sync + Send,
{
    let rows = out.len() / out_len.max(1);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let n = rows_per_chunk(rows);
        if n < rows {
            let range = |i: usize| i * n..((i + 1) * n).min(rows);
            match aux {
                Some((aux, aux_len)) => out
                    .par_chunks_mut(n * out_len)
                    .zip(aux.par_chunks_mut(n * aux_len))
                    .enumerate()
                    .for_each(|(i, (o, a))| work(range(i), o, Some(a))),
                None => out.par_chunks_mut(n * out_len).enumerate().for_each(|(i, o)| work(range(i), o, None)),
            }
            return;
        }
    }
    work(0..rows, out, aux.map(|(a, _)| a));
}

/// Calls `work(rows, out_rows)` over one chunk of rows per thread (a multiple of `align`
/// rows each, but the last): for kernels that sweep all their weights once per chunk, where
/// more chunks than threads would only re-read the weights.
pub fn for_row_chunks_aligned<T, F>(out: &mut [T], out_len: usize, align: usize, work: F)
where
    T: Send,
    F: Fn(Range<usize>, &mut [T]) + Sync + Send,
{
    let rows = out.len() / out_len.max(1);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let align = align.max(1);
        let n = rows.div_ceil(rayon::current_num_threads().max(1)).div_ceil(align) * align;
        if n > 0 && n < rows {
            let range = |i: usize| i * n..((i + 1) * n).min(rows);
            out.par_chunks_mut(n * out_len).enumerate().for_each(|(i, o)| work(range(i), o));
            return;
        }
    }
    #[cfg(not(feature = "parallel"))]
    let _ = align;
    work(0..rows, out);
}

/// A host layer's forward pass: `x` holds rows of `inp` values; `rows` turns a chunk of them
/// into their rows of `out` values, chunks of a multiple of `align` rows spread over the
/// threads.
pub fn map_rows<F>(x: &[f32], inp: usize, out: usize, align: usize, rows: F) -> Vec<f32>
where
    F: Fn(&[f32], &mut [f32]) + Sync + Send,
{
    let n = x.len() / inp.max(1);
    let mut y = vec![0f32; n * out];
    for_row_chunks_aligned(&mut y, out, align, |range, y| rows(&x[range.start * inp..range.end * inp], y));
    y
}

/// The order both host kernels sweep a chunk in: column panels of up to `panel` outputs, and
/// in each panel tiles of up to `mr` rows, so that the panel's weights stay in cache across
/// the chunk's rows. Calls `tile(first output, outputs, first row, rows)`.
#[inline(always)]
pub fn for_tiles(rows: usize, out: usize, panel: usize, mr: usize, mut tile: impl FnMut(usize, usize, usize, usize)) {
    for first in (0..out).step_by(panel) {
        for r0 in (0..rows).step_by(mr) {
            tile(first, panel.min(out - first), r0, mr.min(rows - r0));
        }
    }
}

/// Runs `f` compiled for AVX2+FMA when the CPU has them, as compiled for the build's baseline
/// otherwise: the portable build targets baseline x86-64, whose 128-bit vectors leave most of a
/// modern core idle. Only code inlined into the instantiation gets the wider instructions, so
/// the closure must be `#[inline(always)] || ...` (a closure is a function of its own, and
/// without the attribute it stayed one, compiled for the baseline), and so must the kernels it
/// calls. (Rust never contracts `a * b + c` into a fused multiply-add by itself,
/// so the answers stay those of the portable code, and of wasm.)
#[inline(always)]
pub fn fastest<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        return unsafe { with_avx2_fma(f) };
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn with_avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_once_in_order() {
        for rows in [0, 1, 7, 150] {
            let mut out = vec![0usize; rows * 3];
            let mut aux = vec![0u8; rows * 2];
            for_row_chunks(&mut out, 3, Some((&mut aux, 2)), |range, o, a| {
                assert_eq!(o.len(), range.len() * 3);
                for (k, r) in range.clone().enumerate() {
                    o[k * 3..k * 3 + 3].fill(r + 1);
                }
                a.expect("aux").fill(1);
            });
            let want: Vec<usize> = (0..rows).flat_map(|r| [r + 1; 3]).collect();
            assert_eq!(out, want);
            assert!(aux.iter().all(|&x| x == 1));
        }
    }
}
