//! Development aid: throughput of the decoder's matmul shapes on the flex backend.
use std::time::Instant;

use burn::tensor::module::linear;
use burn::tensor::{Device, Tensor, TensorData};

fn main() {
    let dev = Device::flex();
    for &(m, k, n) in &[(150usize, 256usize, 2048usize), (150, 2048, 256), (150, 256, 768), (150, 256, 256)] {
        let x: Tensor<2> = Tensor::from_data(TensorData::new(vec![0.01f32; m * k], [m, k]), &dev);
        let w: Tensor<2> = Tensor::from_data(TensorData::new(vec![0.02f32; k * n], [k, n]), &dev);
        let wt: Tensor<2> = Tensor::from_data(TensorData::new(vec![0.02f32; k * n], [n, k]), &dev);
        for (name, wv) in [("w[in,out]", w.clone()), ("wt[out,in].T", wt.clone().transpose())] {
            let reps = 200;
            let t = Instant::now();
            for _ in 0..reps {
                let y = linear(x.clone(), wv.clone(), None);
                let _ = y.into_data();
            }
            let s = t.elapsed().as_secs_f64();
            println!("{m}x{k}x{n} {name}: {:.1} GFLOP/s", 2.0 * (m * k * n * reps) as f64 / s / 1e9);
        }
    }
}
