// Generated from ONNX "/decoder_step.onnx" by burn-onnx
extern crate alloc;
use burn::prelude::*;
use burn::nn::LayerNorm;
use burn::nn::LayerNormConfig;
use burn::nn::Linear;
use burn::nn::LinearConfig;
use burn::tensor::activation::log_softmax;


#[derive(Module, Debug)]
pub struct Submodule1 {
    constant34: burn::module::Param<Tensor<2>>,
    constant52: burn::module::Param<Tensor<1>>,
    constant31: burn::module::Param<Tensor<2>>,
    layernormalization1: LayerNorm,
    linear1: Linear,
    linear2: Linear,
    linear3: Linear,
    constant78: burn::module::Param<Tensor<1>>,
    linear4: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule1 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let constant34: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([146, 64], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [146, 64].into(),
        );
        let constant52: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([8f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let constant31: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([512, 64], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [512, 64].into(),
        );
        let layernormalization1 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear1 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear2 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear3 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let constant78: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.25f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let linear4 = LinearConfig::new(64, 64).with_bias(true).init(device);
        Self {
            constant34,
            constant52,
            constant31,
            layernormalization1,
            linear1,
            linear2,
            linear3,
            constant78,
            linear4,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        past_keys: Tensor<5>,
        tgt_ids: Tensor<2, Int>,
        memory_mask: Tensor<2>,
        past_values: Tensor<5>,
    ) -> (Tensor<3>, Tensor<4>, Tensor<4>, Tensor<4>) {
        let shape1_out1: [i64; 5] = {
            let axes = &past_keys.clone().dims()[0..5];
            let mut output = [0i64; 5];
            for i in 0..5 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather1_out1 = shape1_out1[3] as i64;
        let constant34_out1 = self.constant34.val();
        let gather2_out1 = {
            let axis_size = constant34_out1.dims()[0] as i64;
            let negative = tgt_ids.clone().lower_elem(0i64);
            let corrected = tgt_ids.clone() + axis_size;
            let indices = tgt_ids.mask_where(negative, corrected);
            constant34_out1.take::<2, 3>(0, indices)
        };
        let constant52_out1 = self.constant52.val();
        let mul1_out1 = gather2_out1
            .mul((constant52_out1).unsqueeze_dims(&[0isize, 1isize]));
        let constant54_out1 = 1i64;
        let add1_out1 = gather1_out1 + constant54_out1;
        let unsqueeze1_out1 = [gather1_out1 as i64];
        let unsqueeze2_out1 = [add1_out1 as i64];
        let constant31_out1 = self.constant31.val();
        let slice1_out1 = constant31_out1
            .slice(s![unsqueeze1_out1[0]..unsqueeze2_out1[0], ..]);
        let add2_out1 = mul1_out1.add((slice1_out1).unsqueeze_dims(&[0isize]));
        let log1_out1 = memory_mask.log();
        let unsqueeze3_out1: Tensor<3> = log1_out1.unsqueeze_dims::<3>(&[1]);
        let unsqueeze4_out1: Tensor<4> = unsqueeze3_out1.unsqueeze_dims::<4>(&[2]);
        let layernormalization1_out1 = {
            let dtype = add2_out1.clone().dtype();
            self.layernormalization1
                .forward(add2_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear1_out1 = self.linear1.forward(layernormalization1_out1.clone());
        let shape2_out1: [i64; 3] = {
            let axes = &linear1_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather3_out1 = shape2_out1[0] as i64;
        let unsqueeze5_out1 = [gather3_out1 as i64];
        let constant66_out1: [i64; 1] = [16i64];
        let constant64_out1: [i64; 1] = [-1i64];
        let constant65_out1: [i64; 1] = [4i64];
        let concat1_out1: [i64; 4usize] = [
            &unsqueeze5_out1[..],
            &constant64_out1[..],
            &constant65_out1[..],
            &constant66_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape1_out1 = linear1_out1.reshape(concat1_out1);
        let transpose1_out1 = reshape1_out1.permute([0, 2, 1, 3]);
        let linear2_out1 = self.linear2.forward(layernormalization1_out1.clone());
        let shape3_out1: [i64; 3] = {
            let axes = &linear2_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather4_out1 = shape3_out1[0] as i64;
        let unsqueeze6_out1 = [gather4_out1 as i64];
        let constant71_out1: [i64; 1] = [16i64];
        let constant69_out1: [i64; 1] = [-1i64];
        let constant70_out1: [i64; 1] = [4i64];
        let concat2_out1: [i64; 4usize] = [
            &unsqueeze6_out1[..],
            &constant69_out1[..],
            &constant70_out1[..],
            &constant71_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape2_out1 = linear2_out1.reshape(concat2_out1);
        let transpose2_out1 = reshape2_out1.clone().permute([0, 2, 1, 3]);
        let linear3_out1 = self.linear3.forward(layernormalization1_out1);
        let shape4_out1: [i64; 3] = {
            let axes = &linear3_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather5_out1 = shape4_out1[0] as i64;
        let unsqueeze7_out1 = [gather5_out1 as i64];
        let constant76_out1: [i64; 1] = [16i64];
        let constant74_out1: [i64; 1] = [-1i64];
        let constant75_out1: [i64; 1] = [4i64];
        let concat3_out1: [i64; 4usize] = [
            &unsqueeze7_out1[..],
            &constant74_out1[..],
            &constant75_out1[..],
            &constant76_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape3_out1 = linear3_out1.reshape(concat3_out1);
        let transpose3_out1 = reshape3_out1.permute([0, 2, 1, 3]);
        let gather6_out1 = {
            let sliced = past_keys.slice(s![0, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let gather7_out1 = {
            let sliced = past_values.slice(s![0, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let shape5_out1: [i64; 4] = {
            let axes = &gather6_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather8_out1 = shape5_out1[2] as i64;
        let transpose4_out1 = gather6_out1.permute([0, 1, 3, 2]);
        let matmul4_out1 = transpose1_out1.clone().matmul(transpose4_out1);
        let transpose5_out1 = reshape2_out1.permute([0, 2, 3, 1]);
        let matmul5_out1 = transpose1_out1.matmul(transpose5_out1);
        let concat4_out1 = burn::tensor::Tensor::cat(
            [matmul4_out1, matmul5_out1].into(),
            3,
        );
        let constant78_out1 = self.constant78.val();
        let mul2_out1 = concat4_out1
            .mul((constant78_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let softmax1_out1 = burn::tensor::activation::softmax(mul2_out1, 3);
        let unsqueeze8_out1 = [gather8_out1 as i64];
        let slice2_out1 = softmax1_out1
            .clone()
            .slice(s![.., .., .., 0..unsqueeze8_out1[0]]);
        let matmul6_out1 = slice2_out1.matmul(gather7_out1);
        let constant83_out1 = 1i64;
        let add3_out1 = gather8_out1 + constant83_out1;
        let unsqueeze9_out1 = [gather8_out1 as i64];
        let unsqueeze10_out1 = [add3_out1 as i64];
        let slice3_out1 = softmax1_out1
            .slice(s![.., .., .., unsqueeze9_out1[0]..unsqueeze10_out1[0]]);
        let mul3_out1 = slice3_out1.mul(transpose3_out1.clone());
        let add4_out1 = matmul6_out1.add(mul3_out1);
        let shape6_out1: [i64; 4] = {
            let axes = &add4_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather9_out1 = shape6_out1[0] as i64;
        let transpose6_out1 = add4_out1.permute([0, 2, 1, 3]);
        let unsqueeze11_out1 = [gather9_out1 as i64];
        let constant91_out1: [i64; 1] = [64i64];
        let constant90_out1: [i64; 1] = [-1i64];
        let concat5_out1: [i64; 3usize] = [
            &unsqueeze11_out1[..],
            &constant90_out1[..],
            &constant91_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape4_out1 = transpose6_out1.reshape(concat5_out1);
        let linear4_out1 = self.linear4.forward(reshape4_out1);
        let add5_out1 = add2_out1.add(linear4_out1);
        (add5_out1, unsqueeze4_out1, transpose2_out1, transpose3_out1)
    }
}
#[derive(Module, Debug)]
pub struct Submodule2 {
    layernormalization2: LayerNorm,
    linear5: Linear,
    linear6: Linear,
    layernormalization3: LayerNorm,
    linear7: Linear,
    linear8: Linear,
    layernormalization4: LayerNorm,
    linear9: Linear,
    linear10: Linear,
    linear11: Linear,
    constant115: burn::module::Param<Tensor<1>>,
    #[module(skip)]
    device: Device,
}
impl Submodule2 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let layernormalization2 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear5 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear6 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let layernormalization3 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear7 = LinearConfig::new(64, 128).with_bias(true).init(device);
        let linear8 = LinearConfig::new(128, 64).with_bias(true).init(device);
        let layernormalization4 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear9 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear10 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear11 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let constant115: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.25f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        Self {
            layernormalization2,
            linear5,
            linear6,
            layernormalization3,
            linear7,
            linear8,
            layernormalization4,
            linear9,
            linear10,
            linear11,
            constant115,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        add5_out1: Tensor<3>,
        cross_keys: Tensor<5>,
        cross_values: Tensor<5>,
        unsqueeze4_out1: Tensor<4>,
        past_keys: Tensor<5>,
        past_values: Tensor<5>,
    ) -> (Tensor<4>, i64, Tensor<4>, Tensor<4>, Tensor<3>, Tensor<4>) {
        let layernormalization2_out1 = {
            let dtype = add5_out1.clone().dtype();
            self.layernormalization2
                .forward(add5_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear5_out1 = self.linear5.forward(layernormalization2_out1);
        let gather10_out1 = {
            let sliced = cross_keys.slice(s![0, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let gather11_out1 = {
            let sliced = cross_values.slice(s![0, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let shape7_out1: [i64; 4] = {
            let axes = &gather10_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather12_out1 = shape7_out1[0] as i64;
        let unsqueeze12_out1 = [gather12_out1 as i64];
        let constant96_out1: [i64; 1] = [16i64];
        let constant94_out1: [i64; 1] = [-1i64];
        let constant95_out1: [i64; 1] = [4i64];
        let concat6_out1: [i64; 4usize] = [
            &unsqueeze12_out1[..],
            &constant94_out1[..],
            &constant95_out1[..],
            &constant96_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape5_out1 = linear5_out1.reshape(concat6_out1);
        let transpose7_out1 = reshape5_out1.permute([0, 2, 1, 3]);
        let (matmul10_out1,) = {
            let q = transpose7_out1;
            let k = gather10_out1;
            let v = gather11_out1;
            let groups = q.dims()[1] / k.dims()[1];
            let (k, v) = if groups > 1 {
                let [batch, kv_heads, k_len, k_dim] = k.dims();
                let v_dim = v.dims()[3];
                (
                    k
                        .unsqueeze_dim::<5>(2)
                        .expand([batch, kv_heads, groups, k_len, k_dim])
                        .reshape([batch, kv_heads * groups, k_len, k_dim]),
                    v
                        .unsqueeze_dim::<5>(2)
                        .expand([batch, kv_heads, groups, k_len, v_dim])
                        .reshape([batch, kv_heads * groups, k_len, v_dim]),
                )
            } else {
                (k, v)
            };
            let score_bias = unsqueeze4_out1;
            let hidden_rows = score_bias
                .clone()
                .max_dim(3)
                .equal_elem(f32::NEG_INFINITY);
            let matmul10_out1 = burn::tensor::module::attention(
                q,
                k,
                v,
                None,
                Some(score_bias),
                burn::tensor::ops::AttentionModuleOptions {
                    scale: Some(0.25f64),
                    softcap: None,
                    is_causal: false,
                },
            );
            let matmul10_out1 = {
                let dims = matmul10_out1.dims();
                matmul10_out1.mask_fill(hidden_rows.expand(dims), 0.0)
            };
            (matmul10_out1,)
        };
        let transpose9_out1 = matmul10_out1.permute([0, 2, 1, 3]);
        let reshape6_out1 = transpose9_out1.reshape([-1, 1, 64]);
        let linear6_out1 = self.linear6.forward(reshape6_out1);
        let add7_out1 = add5_out1.add(linear6_out1);
        let layernormalization3_out1 = {
            let dtype = add7_out1.clone().dtype();
            self.layernormalization3
                .forward(add7_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear7_out1 = self.linear7.forward(layernormalization3_out1);
        let relu1_out1 = burn::tensor::activation::relu(linear7_out1);
        let linear8_out1 = self.linear8.forward(relu1_out1);
        let add8_out1 = add7_out1.add(linear8_out1);
        let layernormalization4_out1 = {
            let dtype = add8_out1.clone().dtype();
            self.layernormalization4
                .forward(add8_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear9_out1 = self.linear9.forward(layernormalization4_out1.clone());
        let shape8_out1: [i64; 3] = {
            let axes = &linear9_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather13_out1 = shape8_out1[0] as i64;
        let unsqueeze13_out1 = [gather13_out1 as i64];
        let constant103_out1: [i64; 1] = [16i64];
        let constant101_out1: [i64; 1] = [-1i64];
        let constant102_out1: [i64; 1] = [4i64];
        let concat7_out1: [i64; 4usize] = [
            &unsqueeze13_out1[..],
            &constant101_out1[..],
            &constant102_out1[..],
            &constant103_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape7_out1 = linear9_out1.reshape(concat7_out1);
        let transpose10_out1 = reshape7_out1.permute([0, 2, 1, 3]);
        let linear10_out1 = self.linear10.forward(layernormalization4_out1.clone());
        let shape9_out1: [i64; 3] = {
            let axes = &linear10_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather14_out1 = shape9_out1[0] as i64;
        let unsqueeze14_out1 = [gather14_out1 as i64];
        let constant108_out1: [i64; 1] = [16i64];
        let constant106_out1: [i64; 1] = [-1i64];
        let constant107_out1: [i64; 1] = [4i64];
        let concat8_out1: [i64; 4usize] = [
            &unsqueeze14_out1[..],
            &constant106_out1[..],
            &constant107_out1[..],
            &constant108_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape8_out1 = linear10_out1.reshape(concat8_out1);
        let transpose11_out1 = reshape8_out1.clone().permute([0, 2, 1, 3]);
        let linear11_out1 = self.linear11.forward(layernormalization4_out1);
        let shape10_out1: [i64; 3] = {
            let axes = &linear11_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather15_out1 = shape10_out1[0] as i64;
        let unsqueeze15_out1 = [gather15_out1 as i64];
        let constant113_out1: [i64; 1] = [16i64];
        let constant111_out1: [i64; 1] = [-1i64];
        let constant112_out1: [i64; 1] = [4i64];
        let concat9_out1: [i64; 4usize] = [
            &unsqueeze15_out1[..],
            &constant111_out1[..],
            &constant112_out1[..],
            &constant113_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape9_out1 = linear11_out1.reshape(concat9_out1);
        let transpose12_out1 = reshape9_out1.permute([0, 2, 1, 3]);
        let gather16_out1 = {
            let sliced = past_keys.slice(s![1, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let gather17_out1 = {
            let sliced = past_values.slice(s![1, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let shape11_out1: [i64; 4] = {
            let axes = &gather16_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather18_out1 = shape11_out1[2] as i64;
        let transpose13_out1 = gather16_out1.permute([0, 1, 3, 2]);
        let matmul17_out1 = transpose10_out1.clone().matmul(transpose13_out1);
        let transpose14_out1 = reshape8_out1.permute([0, 2, 3, 1]);
        let matmul18_out1 = transpose10_out1.matmul(transpose14_out1);
        let concat10_out1 = burn::tensor::Tensor::cat(
            [matmul17_out1, matmul18_out1].into(),
            3,
        );
        let constant115_out1 = self.constant115.val();
        let mul5_out1 = concat10_out1
            .mul((constant115_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        (
            mul5_out1,
            gather18_out1,
            gather17_out1,
            transpose12_out1,
            add8_out1,
            transpose11_out1,
        )
    }
}
#[derive(Module, Debug)]
pub struct Submodule3 {
    linear12: Linear,
    layernormalization5: LayerNorm,
    linear13: Linear,
    constant134: burn::module::Param<Tensor<1>>,
    linear14: Linear,
    layernormalization6: LayerNorm,
    linear15: Linear,
    linear16: Linear,
    layernormalization7: LayerNorm,
    linear17: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule3 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let linear12 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let layernormalization5 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear13 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let constant134: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.25f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let linear14 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let layernormalization6 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear15 = LinearConfig::new(64, 128).with_bias(true).init(device);
        let linear16 = LinearConfig::new(128, 64).with_bias(true).init(device);
        let layernormalization7 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear17 = LinearConfig::new(64, 146).with_bias(true).init(device);
        Self {
            linear12,
            layernormalization5,
            linear13,
            constant134,
            linear14,
            layernormalization6,
            linear15,
            linear16,
            layernormalization7,
            linear17,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        mul5_out1: Tensor<4>,
        gather18_out1: i64,
        gather17_out1: Tensor<4>,
        transpose12_out1: Tensor<4>,
        add8_out1: Tensor<3>,
        cross_keys: Tensor<5>,
        cross_values: Tensor<5>,
        unsqueeze4_out1: Tensor<4>,
        transpose2_out1: Tensor<4>,
        transpose11_out1: Tensor<4>,
        transpose3_out1: Tensor<4>,
    ) -> (Tensor<2>, Tensor<5>, Tensor<5>, Tensor<3>) {
        let softmax3_out1 = burn::tensor::activation::softmax(mul5_out1, 3);
        let unsqueeze16_out1 = [gather18_out1 as i64];
        let slice4_out1 = softmax3_out1
            .clone()
            .slice(s![.., .., .., 0..unsqueeze16_out1[0]]);
        let matmul19_out1 = slice4_out1.matmul(gather17_out1);
        let constant120_out1 = 1i64;
        let add9_out1 = gather18_out1 + constant120_out1;
        let unsqueeze17_out1 = [gather18_out1 as i64];
        let unsqueeze18_out1 = [add9_out1 as i64];
        let slice5_out1 = softmax3_out1
            .slice(s![.., .., .., unsqueeze17_out1[0]..unsqueeze18_out1[0]]);
        let mul6_out1 = slice5_out1.mul(transpose12_out1.clone());
        let add10_out1 = matmul19_out1.add(mul6_out1);
        let shape12_out1: [i64; 4] = {
            let axes = &add10_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather19_out1 = shape12_out1[0] as i64;
        let transpose15_out1 = add10_out1.permute([0, 2, 1, 3]);
        let unsqueeze19_out1 = [gather19_out1 as i64];
        let constant128_out1: [i64; 1] = [64i64];
        let constant127_out1: [i64; 1] = [-1i64];
        let concat11_out1: [i64; 3usize] = [
            &unsqueeze19_out1[..],
            &constant127_out1[..],
            &constant128_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape10_out1 = transpose15_out1.reshape(concat11_out1);
        let linear12_out1 = self.linear12.forward(reshape10_out1);
        let add11_out1 = add8_out1.add(linear12_out1);
        let layernormalization5_out1 = {
            let dtype = add11_out1.clone().dtype();
            self.layernormalization5
                .forward(add11_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear13_out1 = self.linear13.forward(layernormalization5_out1);
        let gather20_out1 = {
            let sliced = cross_keys.slice(s![1, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let gather21_out1 = {
            let sliced = cross_values.slice(s![1, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let shape13_out1: [i64; 4] = {
            let axes = &gather20_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather22_out1 = shape13_out1[0] as i64;
        let unsqueeze20_out1 = [gather22_out1 as i64];
        let constant133_out1: [i64; 1] = [16i64];
        let constant131_out1: [i64; 1] = [-1i64];
        let constant132_out1: [i64; 1] = [4i64];
        let concat12_out1: [i64; 4usize] = [
            &unsqueeze20_out1[..],
            &constant131_out1[..],
            &constant132_out1[..],
            &constant133_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape11_out1 = linear13_out1.reshape(concat12_out1);
        let transpose16_out1 = reshape11_out1.permute([0, 2, 1, 3]);
        let transpose17_out1 = gather20_out1.permute([0, 1, 3, 2]);
        let matmul22_out1 = transpose16_out1.matmul(transpose17_out1);
        let constant134_out1 = self.constant134.val();
        let mul7_out1 = matmul22_out1
            .mul((constant134_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let add12_out1 = mul7_out1.add(unsqueeze4_out1);
        let softmax4_out1 = burn::tensor::activation::softmax(add12_out1, 3);
        let matmul23_out1 = softmax4_out1.clone().matmul(gather21_out1);
        let transpose18_out1 = matmul23_out1.permute([0, 2, 1, 3]);
        let reshape12_out1 = transpose18_out1.reshape([-1, 1, 64]);
        let transpose19_out1 = softmax4_out1.permute([0, 2, 1, 3]);
        let gather23_out1 = shape13_out1[2] as i64;
        let unsqueeze21_out1 = [gather23_out1 as i64];
        let constant137_out1: [i64; 1] = [-1i64];
        let constant138_out1: [i64; 1] = [4i64];
        let concat13_out1: [i64; 3usize] = [
            &constant137_out1[..],
            &constant138_out1[..],
            &unsqueeze21_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape13_out1 = transpose19_out1.reshape(concat13_out1);
        let linear14_out1 = self.linear14.forward(reshape12_out1);
        let add13_out1 = add11_out1.add(linear14_out1);
        let layernormalization6_out1 = {
            let dtype = add13_out1.clone().dtype();
            self.layernormalization6
                .forward(add13_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear15_out1 = self.linear15.forward(layernormalization6_out1);
        let relu2_out1 = burn::tensor::activation::relu(linear15_out1);
        let linear16_out1 = self.linear16.forward(relu2_out1);
        let add14_out1 = add13_out1.add(linear16_out1);
        let layernormalization7_out1 = {
            let dtype = add14_out1.dtype();
            self.layernormalization7
                .forward(add14_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let gather24_out1 = {
            let sliced = layernormalization7_out1.slice(s![.., 0, ..]);
            sliced.squeeze_dim::<2usize>(1)
        };
        let linear17_out1 = self.linear17.forward(gather24_out1);
        let logsoftmax1_out1 = log_softmax(linear17_out1, 1);
        let unsqueeze22_out1: Tensor<5> = transpose2_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze23_out1: Tensor<5> = transpose11_out1.unsqueeze_dims::<5>(&[0]);
        let concat14_out1 = burn::tensor::Tensor::cat(
            [unsqueeze22_out1, unsqueeze23_out1].into(),
            0,
        );
        let unsqueeze24_out1: Tensor<5> = transpose3_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze25_out1: Tensor<5> = transpose12_out1.unsqueeze_dims::<5>(&[0]);
        let concat15_out1 = burn::tensor::Tensor::cat(
            [unsqueeze24_out1, unsqueeze25_out1].into(),
            0,
        );
        (logsoftmax1_out1, concat14_out1, concat15_out1, reshape13_out1)
    }
}

#[derive(Module, Debug)]
pub struct Model {
    submodule1: Submodule1,
    submodule2: Submodule2,
    submodule3: Submodule3,
    #[module(skip)]
    device: Device,
}

impl Model {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let submodule1 = Submodule1::new(device);
        let submodule2 = Submodule2::new(device);
        let submodule3 = Submodule3::new(device);
        Self {
            submodule1,
            submodule2,
            submodule3,
            device: device.clone(),
        }
    }

    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        tgt_ids: Tensor<2, Int>,
        past_keys: Tensor<5>,
        past_values: Tensor<5>,
        cross_keys: Tensor<5>,
        cross_values: Tensor<5>,
        memory_mask: Tensor<2>,
    ) -> (Tensor<2>, Tensor<5>, Tensor<5>, Tensor<3>) {
        let (add5_out1, unsqueeze4_out1, transpose2_out1, transpose3_out1) = self
            .submodule1
            .forward(past_keys.clone(), tgt_ids, memory_mask, past_values.clone());
        let (
            mul5_out1,
            gather18_out1,
            gather17_out1,
            transpose12_out1,
            add8_out1,
            transpose11_out1,
        ) = self
            .submodule2
            .forward(
                add5_out1,
                cross_keys.clone(),
                cross_values.clone(),
                unsqueeze4_out1.clone(),
                past_keys,
                past_values,
            );
        let (logsoftmax1_out1, concat14_out1, concat15_out1, reshape13_out1) = self
            .submodule3
            .forward(
                mul5_out1,
                gather18_out1,
                gather17_out1,
                transpose12_out1,
                add8_out1,
                cross_keys,
                cross_values,
                unsqueeze4_out1,
                transpose2_out1,
                transpose11_out1,
                transpose3_out1,
            );
        (logsoftmax1_out1, concat14_out1, concat15_out1, reshape13_out1)
    }
}
