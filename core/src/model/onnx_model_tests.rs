//! The contract model's bookkeeping against a fake pair of graphs that makes it visible: the
//! encoder writes each source's first token into its keys, and the step reports, per row, the
//! key of the source it was handed and the sum of the tokens in its cache and its own token
//! (each step's keys are its tokens).

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{ContractGraphs, CrossKv, OnnxModel, SelfCache, StepTensors};
use crate::bundle::Bundle;
use crate::error::{Error, Result};
use crate::model::Seq2SeqModel;
use crate::testing::small_spec;

const VOCAB: usize = 8;

struct Fake {
    /// Returns an attention of the wrong width, as a graph exported for another contract might.
    bad_attention: bool,
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().expect("f32 tensor")
}

impl ContractGraphs for Fake {
    fn load(_: &Bundle, _: &Device) -> Result<Self> {
        Err(Error::Model("the fake graphs have no weights".into()))
    }

    fn encode(&self, ids: Tensor<2, Int>, _mask: Tensor<2>) -> (Tensor<5>, Tensor<5>) {
        let spec = small_spec(VOCAB);
        let [b, s] = ids.dims();
        let first: Vec<f32> = host(ids.narrow(1, 0, 1).float());
        let (l, h, dh) = (spec.decoder_layers, spec.heads, spec.head_dim());
        let per_source = h * s * dh;
        let data: Vec<f32> =
            (0..l).flat_map(|_| first.iter().flat_map(|&x| std::iter::repeat_n(x, per_source))).collect();
        let keys = Tensor::from_data(TensorData::new(data, [l, b, h, s, dh]), &ids_device());
        (keys.clone(), keys)
    }

    fn step(&self, ids: Tensor<2, Int>, cache: &SelfCache, cross: &CrossKv) -> StepTensors {
        let [l, b, h, s, dh] = cross.keys.dims();
        let rows = ids.dims()[0];
        let width = rows / b;
        let source_key: Vec<f32> = host(cross.keys.clone().narrow(0, 0, 1)).chunks(h * s * dh).map(|c| c[0]).collect();
        let tokens: Vec<f32> = host(ids.float());
        let new: Vec<f32> = (0..l).flat_map(|_| tokens.iter().flat_map(|&t| std::iter::repeat_n(t, h * dh))).collect();
        let new = Tensor::<5>::from_data(TensorData::new(new, [l, rows, h, 1, dh]), &ids_device());
        let steps = cache.keys.dims()[3];
        let history = host(cache.keys.clone().narrow(0, 0, 1));
        let mut log_probs = vec![0f32; rows * VOCAB];
        for r in 0..rows {
            log_probs[r * VOCAB] = source_key[r / width];
            let past: f32 = (0..steps).map(|t| history[(r * h * steps + t) * dh]).sum();
            log_probs[r * VOCAB + 1] = past + tokens[r];
        }
        let cols = if self.bad_attention { s + 1 } else { s };
        StepTensors {
            log_probs: Tensor::from_data(TensorData::new(log_probs, [rows, VOCAB]), &ids_device()),
            added: SelfCache { keys: new.clone(), values: new },
            attention: Tensor::zeros([rows, h, cols], &ids_device()),
        }
    }
}

fn ids_device() -> Device {
    Device::flex()
}

fn model(bad_attention: bool) -> OnnxModel<Fake> {
    OnnxModel { spec: small_spec(VOCAB), device: ids_device(), graphs: Fake { bad_attention } }
}

/// (source key, cache sum) of each row.
fn step(m: &OnnxModel<Fake>, st: &mut super::OnnxState, tokens: &[u32]) -> Vec<(f64, f64)> {
    let out = m.step(st, tokens, None).expect("step");
    out.log_probs.chunks(VOCAB).map(|row| (row[0], row[1])).collect()
}

#[test]
fn rows_read_their_source_through_reorders() {
    let m = model(false);
    let mut st = m.encode(&[vec![5], vec![6, 4], vec![7]], 2).expect("encode");
    let got = step(&m, &mut st, &[1, 2, 3, 4, 5, 6]);
    assert_eq!(got, [(5., 1.), (5., 2.), (6., 3.), (6., 4.), (7., 5.), (7., 6.)]);
    // the first input finished; the second's beams swap, the third's best beam is kept twice
    m.reorder(&mut st, &[3, 2, 5, 5]).expect("reorder");
    let got = step(&m, &mut st, &[1, 1, 1, 1]);
    assert_eq!(got, [(6., 5.), (6., 4.), (7., 7.), (7., 7.)]);
    // the live inputs swap places
    m.reorder(&mut st, &[2, 3, 0, 1]).expect("reorder");
    let got = step(&m, &mut st, &[0, 0, 0, 0]);
    assert_eq!(got, [(7., 7.), (7., 7.), (6., 5.), (6., 4.)]);
    // nothing moves
    m.reorder(&mut st, &[0, 1, 2, 3]).expect("reorder");
    let got = step(&m, &mut st, &[0, 0, 0, 0]);
    assert_eq!(got, [(7., 7.), (7., 7.), (6., 5.), (6., 4.)]);
    // two reorders before a step compose: the first pair swaps back, the second stays swapped
    m.reorder(&mut st, &[1, 0, 3, 2]).expect("reorder");
    m.reorder(&mut st, &[1, 0, 2, 3]).expect("reorder");
    let got = step(&m, &mut st, &[0, 0, 0, 0]);
    assert_eq!(got, [(7., 7.), (7., 7.), (6., 4.), (6., 5.)]);
}

#[test]
fn bad_calls_and_bad_graphs_are_errors() {
    let m = model(false);
    let mut st = m.encode(&[vec![5], vec![6]], 2).expect("encode");
    let e = m.reorder(&mut st, &[0, 2]).expect_err("mixes inputs").to_string();
    assert!(e.contains("mixes hypotheses"), "{e}");
    let e = m.step(&mut st, &[1, 2, 3], None).err().expect("token count").to_string();
    assert!(e.contains("3 tokens for 4 rows"), "{e}");
    let bad = model(true);
    let mut st = bad.encode(&[vec![5]], 1).expect("encode");
    let e = bad.step(&mut st, &[2], None).err().expect("attention width").to_string();
    assert!(e.contains("'attention' has shape [1, 4, 2], expected [1, 4, 1]"), "{e}");
}
