//! The self-attention cache of the ONNX contract model, `[layers, rows, heads, steps,
//! head_dim]`. A step graph reads it and returns only its own keys and values; the search then
//! keeps, drops and repeats rows. Both are applied together when the next step needs the
//! cache, in one pass that writes each kept row's history followed by its new step: the cache
//! is copied once per step, where a concatenation then a row selection would copy it twice
//! (and burn's selection zero-fills its output first). The pass writes into the buffer the
//! previous pass read from: a fresh allocation of a growing cache is a fresh mapping at every
//! step, and its page faults cost as much as the copy.

use burn::tensor::{Device, Tensor, TensorData};

use super::{to_host, SelfCache};
use crate::error::Result;

pub struct StepCache {
    cache: SelfCache,
    /// What the last step added, `[layers, rows, heads, 1, head_dim]`, not yet in `cache`.
    added: Option<SelfCache>,
    /// For each row of the next step, the row of `cache` (and `added`) it continues; `None`
    /// while rows stay put.
    parents: Option<Vec<usize>>,
    /// Buffers of earlier passes, reused for the next (keys, values).
    spare: [Vec<f32>; 2],
    device: Device,
}

impl StepCache {
    /// No steps yet for `rows` rows.
    pub fn empty(layers: usize, rows: usize, heads: usize, head_dim: usize, device: &Device) -> Self {
        let empty = Tensor::<5>::zeros([layers, rows, heads, 0, head_dim], device);
        StepCache {
            cache: SelfCache { keys: empty.clone(), values: empty },
            added: None,
            parents: None,
            spare: [Vec::new(), Vec::new()],
            device: device.clone(),
        }
    }

    /// Records a step's keys and values (shapes checked by the caller). A second step without
    /// `current` in between would lose the first: the model always reads the cache first.
    pub fn add_step(&mut self, step: SelfCache) {
        self.added = Some(step);
    }

    /// Keeps rows `rows` (indices of the current rows), in that order; validated by the caller.
    pub fn keep_rows(&mut self, rows: &[usize]) {
        let composed = match &self.parents {
            Some(earlier) => rows.iter().map(|&r| earlier[r]).collect(),
            None => rows.to_vec(),
        };
        self.parents = Some(composed);
    }

    /// The cache as the next step reads it, with the last step and the kept rows applied.
    pub fn current(&mut self) -> Result<&SelfCache> {
        let added = self.added.take();
        let parents = self.parents.take();
        let rows = self.cache.keys.dims()[1];
        let identity = parents.as_ref().is_none_or(|p| p.len() == rows && p.iter().enumerate().all(|(i, &r)| i == r));
        if added.is_none() && identity {
            return Ok(&self.cache);
        }
        let (added_keys, added_values) = match added {
            Some(a) => (Some(a.keys), Some(a.values)),
            None => (None, None),
        };
        let placeholder = || Tensor::<5>::zeros([0; 5], &self.device);
        let keys = std::mem::replace(&mut self.cache.keys, placeholder());
        let values = std::mem::replace(&mut self.cache.values, placeholder());
        let [spare_keys, spare_values] = std::mem::take(&mut self.spare);
        let parents = parents.as_deref();
        // keys and values are independent: two threads' work where the host has them
        #[cfg(feature = "parallel")]
        let (keys, values) = rayon::join(
            || merge(keys, added_keys, parents, spare_keys),
            || merge(values, added_values, parents, spare_values),
        );
        #[cfg(not(feature = "parallel"))]
        let (keys, values) =
            (merge(keys, added_keys, parents, spare_keys), merge(values, added_values, parents, spare_values));
        let ((keys, spare_keys), (values, spare_values)) = (keys?, values?);
        self.spare = [spare_keys, spare_values];
        let device = &self.device;
        self.cache.keys = Tensor::from_data(keys, device);
        self.cache.values = Tensor::from_data(values, device);
        Ok(&self.cache)
    }
}

/// `old` `[l, r, h, t, dh]` with each kept row's step from `added` `[l, r, h, 1, dh]`
/// appended, rows in the order of `parents`, written into `out` (a spare buffer). Returns the
/// result and `old`'s buffer, the next pass's spare.
fn merge(
    old: Tensor<5>,
    added: Option<Tensor<5>>,
    parents: Option<&[usize]>,
    mut out: Vec<f32>,
) -> Result<(TensorData, Vec<f32>)> {
    let [l, r, h, t, dh] = old.dims();
    // the model holds the only reference now, so these take the buffers without copying
    let old = to_host(old, "self-attention cache")?;
    let added = added.map(|a| to_host(a, "step keys and values")).transpose()?;
    let all: Vec<usize>;
    let rows = match parents {
        Some(p) => p,
        None => {
            all = (0..r).collect();
            &all
        }
    };
    let steps = t + usize::from(added.is_some());
    out.clear();
    // grows geometrically: the cache grows by a step at a time
    out.reserve(l * rows.len() * h * steps * dh);
    for layer in 0..l {
        for &row in rows {
            for head in 0..h {
                let at = (layer * r + row) * h + head;
                out.extend_from_slice(&old[at * t * dh..(at + 1) * t * dh]);
                if let Some(a) = &added {
                    out.extend_from_slice(&a[at * dh..(at + 1) * dh]);
                }
            }
        }
    }
    Ok((TensorData::new(out, [l, rows.len(), h, steps, dh]), old))
}
