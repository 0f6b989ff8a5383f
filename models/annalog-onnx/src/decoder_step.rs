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
    constant46: burn::module::Param<Tensor<2>>,
    constant72: burn::module::Param<Tensor<1>>,
    constant43: burn::module::Param<Tensor<2>>,
    linear1: Linear,
    linear2: Linear,
    linear3: Linear,
    constant99: burn::module::Param<Tensor<1>>,
    linear4: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule1 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let constant46: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([59, 256], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [59, 256].into(),
        );
        let constant72: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([16f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let constant43: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([102, 256], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [102, 256].into(),
        );
        let linear1 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear2 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear3 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let constant99: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.1767766922712326f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let linear4 = LinearConfig::new(256, 256).with_bias(true).init(device);
        Self {
            constant46,
            constant72,
            constant43,
            linear1,
            linear2,
            linear3,
            constant99,
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
        let constant46_out1 = self.constant46.val();
        let gather2_out1 = {
            let axis_size = constant46_out1.dims()[0] as i64;
            let negative = tgt_ids.clone().lower_elem(0i64);
            let corrected = tgt_ids.clone() + axis_size;
            let indices = tgt_ids.mask_where(negative, corrected);
            constant46_out1.take::<2, 3>(0, indices)
        };
        let constant72_out1 = self.constant72.val();
        let mul1_out1 = gather2_out1
            .mul((constant72_out1).unsqueeze_dims(&[0isize, 1isize]));
        let constant74_out1 = 1i64;
        let add1_out1 = gather1_out1 + constant74_out1;
        let unsqueeze1_out1 = [gather1_out1 as i64];
        let unsqueeze2_out1 = [add1_out1 as i64];
        let constant43_out1 = self.constant43.val();
        let slice1_out1 = constant43_out1
            .slice(s![unsqueeze1_out1[0]..unsqueeze2_out1[0], ..]);
        let add2_out1 = mul1_out1.add((slice1_out1).unsqueeze_dims(&[0isize]));
        let log1_out1 = memory_mask.log();
        let unsqueeze3_out1: Tensor<3> = log1_out1.unsqueeze_dims::<3>(&[1]);
        let unsqueeze4_out1: Tensor<4> = unsqueeze3_out1.unsqueeze_dims::<4>(&[2]);
        let linear1_out1 = self.linear1.forward(add2_out1.clone());
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
        let constant87_out1: [i64; 1] = [32i64];
        let constant85_out1: [i64; 1] = [-1i64];
        let constant86_out1: [i64; 1] = [8i64];
        let concat1_out1: [i64; 4usize] = [
            &unsqueeze5_out1[..],
            &constant85_out1[..],
            &constant86_out1[..],
            &constant87_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape1_out1 = linear1_out1.reshape(concat1_out1);
        let transpose1_out1 = reshape1_out1.permute([0, 2, 1, 3]);
        let linear2_out1 = self.linear2.forward(add2_out1.clone());
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
        let constant92_out1: [i64; 1] = [32i64];
        let constant90_out1: [i64; 1] = [-1i64];
        let constant91_out1: [i64; 1] = [8i64];
        let concat2_out1: [i64; 4usize] = [
            &unsqueeze6_out1[..],
            &constant90_out1[..],
            &constant91_out1[..],
            &constant92_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape2_out1 = linear2_out1.reshape(concat2_out1);
        let transpose2_out1 = reshape2_out1.clone().permute([0, 2, 1, 3]);
        let linear3_out1 = self.linear3.forward(add2_out1.clone());
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
        let constant97_out1: [i64; 1] = [32i64];
        let constant95_out1: [i64; 1] = [-1i64];
        let constant96_out1: [i64; 1] = [8i64];
        let concat3_out1: [i64; 4usize] = [
            &unsqueeze7_out1[..],
            &constant95_out1[..],
            &constant96_out1[..],
            &constant97_out1[..],
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
        let constant99_out1 = self.constant99.val();
        let mul2_out1 = concat4_out1
            .mul((constant99_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let softmax1_out1 = burn::tensor::activation::softmax(mul2_out1, 3);
        let unsqueeze8_out1 = [gather8_out1 as i64];
        let slice2_out1 = softmax1_out1
            .clone()
            .slice(s![.., .., .., 0..unsqueeze8_out1[0]]);
        let matmul6_out1 = slice2_out1.matmul(gather7_out1);
        let constant104_out1 = 1i64;
        let add3_out1 = gather8_out1 + constant104_out1;
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
        let constant112_out1: [i64; 1] = [256i64];
        let constant111_out1: [i64; 1] = [-1i64];
        let concat5_out1: [i64; 3usize] = [
            &unsqueeze11_out1[..],
            &constant111_out1[..],
            &constant112_out1[..],
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
    layernormalization1: LayerNorm,
    linear5: Linear,
    linear6: Linear,
    layernormalization2: LayerNorm,
    linear7: Linear,
    linear8: Linear,
    layernormalization3: LayerNorm,
    linear9: Linear,
    linear10: Linear,
    linear11: Linear,
    constant136: burn::module::Param<Tensor<1>>,
    linear12: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule2 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let layernormalization1 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear5 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear6 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let layernormalization2 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear7 = LinearConfig::new(256, 512).with_bias(true).init(device);
        let linear8 = LinearConfig::new(512, 256).with_bias(true).init(device);
        let layernormalization3 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear9 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear10 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear11 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let constant136: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.1767766922712326f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let linear12 = LinearConfig::new(256, 256).with_bias(true).init(device);
        Self {
            layernormalization1,
            linear5,
            linear6,
            layernormalization2,
            linear7,
            linear8,
            layernormalization3,
            linear9,
            linear10,
            linear11,
            constant136,
            linear12,
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
    ) -> (Tensor<3>, Tensor<4>, Tensor<4>) {
        let layernormalization1_out1 = {
            let dtype = add5_out1.dtype();
            self.layernormalization1
                .forward(add5_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear5_out1 = self.linear5.forward(layernormalization1_out1.clone());
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
        let constant117_out1: [i64; 1] = [32i64];
        let constant115_out1: [i64; 1] = [-1i64];
        let constant116_out1: [i64; 1] = [8i64];
        let concat6_out1: [i64; 4usize] = [
            &unsqueeze12_out1[..],
            &constant115_out1[..],
            &constant116_out1[..],
            &constant117_out1[..],
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
                    scale: Some(0.1767766922712326f64),
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
        let reshape6_out1 = transpose9_out1.reshape([-1, 1, 256]);
        let linear6_out1 = self.linear6.forward(reshape6_out1);
        let add7_out1 = layernormalization1_out1.add(linear6_out1);
        let layernormalization2_out1 = {
            let dtype = add7_out1.dtype();
            self.layernormalization2
                .forward(add7_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear7_out1 = self.linear7.forward(layernormalization2_out1.clone());
        let relu1_out1 = burn::tensor::activation::relu(linear7_out1);
        let linear8_out1 = self.linear8.forward(relu1_out1);
        let add8_out1 = layernormalization2_out1.add(linear8_out1);
        let layernormalization3_out1 = {
            let dtype = add8_out1.dtype();
            self.layernormalization3
                .forward(add8_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear9_out1 = self.linear9.forward(layernormalization3_out1.clone());
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
        let constant124_out1: [i64; 1] = [32i64];
        let constant122_out1: [i64; 1] = [-1i64];
        let constant123_out1: [i64; 1] = [8i64];
        let concat7_out1: [i64; 4usize] = [
            &unsqueeze13_out1[..],
            &constant122_out1[..],
            &constant123_out1[..],
            &constant124_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape7_out1 = linear9_out1.reshape(concat7_out1);
        let transpose10_out1 = reshape7_out1.permute([0, 2, 1, 3]);
        let linear10_out1 = self.linear10.forward(layernormalization3_out1.clone());
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
        let constant129_out1: [i64; 1] = [32i64];
        let constant127_out1: [i64; 1] = [-1i64];
        let constant128_out1: [i64; 1] = [8i64];
        let concat8_out1: [i64; 4usize] = [
            &unsqueeze14_out1[..],
            &constant127_out1[..],
            &constant128_out1[..],
            &constant129_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape8_out1 = linear10_out1.reshape(concat8_out1);
        let transpose11_out1 = reshape8_out1.clone().permute([0, 2, 1, 3]);
        let linear11_out1 = self.linear11.forward(layernormalization3_out1.clone());
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
        let constant134_out1: [i64; 1] = [32i64];
        let constant132_out1: [i64; 1] = [-1i64];
        let constant133_out1: [i64; 1] = [8i64];
        let concat9_out1: [i64; 4usize] = [
            &unsqueeze15_out1[..],
            &constant132_out1[..],
            &constant133_out1[..],
            &constant134_out1[..],
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
        let constant136_out1 = self.constant136.val();
        let mul5_out1 = concat10_out1
            .mul((constant136_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let softmax3_out1 = burn::tensor::activation::softmax(mul5_out1, 3);
        let unsqueeze16_out1 = [gather18_out1 as i64];
        let slice4_out1 = softmax3_out1
            .clone()
            .slice(s![.., .., .., 0..unsqueeze16_out1[0]]);
        let matmul19_out1 = slice4_out1.matmul(gather17_out1);
        let constant141_out1 = 1i64;
        let add9_out1 = gather18_out1 + constant141_out1;
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
        let constant149_out1: [i64; 1] = [256i64];
        let constant148_out1: [i64; 1] = [-1i64];
        let concat11_out1: [i64; 3usize] = [
            &unsqueeze19_out1[..],
            &constant148_out1[..],
            &constant149_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape10_out1 = transpose15_out1.reshape(concat11_out1);
        let linear12_out1 = self.linear12.forward(reshape10_out1);
        let add11_out1 = layernormalization3_out1.add(linear12_out1);
        (add11_out1, transpose11_out1, transpose12_out1)
    }
}
#[derive(Module, Debug)]
pub struct Submodule3 {
    layernormalization4: LayerNorm,
    linear13: Linear,
    linear14: Linear,
    layernormalization5: LayerNorm,
    linear15: Linear,
    linear16: Linear,
    layernormalization6: LayerNorm,
    linear17: Linear,
    linear18: Linear,
    linear19: Linear,
    constant173: burn::module::Param<Tensor<1>>,
    #[module(skip)]
    device: Device,
}
impl Submodule3 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let layernormalization4 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear13 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear14 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let layernormalization5 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear15 = LinearConfig::new(256, 512).with_bias(true).init(device);
        let linear16 = LinearConfig::new(512, 256).with_bias(true).init(device);
        let layernormalization6 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear17 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear18 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear19 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let constant173: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.1767766922712326f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        Self {
            layernormalization4,
            linear13,
            linear14,
            layernormalization5,
            linear15,
            linear16,
            layernormalization6,
            linear17,
            linear18,
            linear19,
            constant173,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        add11_out1: Tensor<3>,
        cross_keys: Tensor<5>,
        cross_values: Tensor<5>,
        unsqueeze4_out1: Tensor<4>,
        past_keys: Tensor<5>,
        past_values: Tensor<5>,
    ) -> (Tensor<4>, i64, Tensor<4>, Tensor<4>, Tensor<3>, Tensor<4>) {
        let layernormalization4_out1 = {
            let dtype = add11_out1.dtype();
            self.layernormalization4
                .forward(add11_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear13_out1 = self.linear13.forward(layernormalization4_out1.clone());
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
        let constant154_out1: [i64; 1] = [32i64];
        let constant152_out1: [i64; 1] = [-1i64];
        let constant153_out1: [i64; 1] = [8i64];
        let concat12_out1: [i64; 4usize] = [
            &unsqueeze20_out1[..],
            &constant152_out1[..],
            &constant153_out1[..],
            &constant154_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape11_out1 = linear13_out1.reshape(concat12_out1);
        let transpose16_out1 = reshape11_out1.permute([0, 2, 1, 3]);
        let (matmul23_out1,) = {
            let q = transpose16_out1;
            let k = gather20_out1;
            let v = gather21_out1;
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
            let matmul23_out1 = burn::tensor::module::attention(
                q,
                k,
                v,
                None,
                Some(score_bias),
                burn::tensor::ops::AttentionModuleOptions {
                    scale: Some(0.1767766922712326f64),
                    softcap: None,
                    is_causal: false,
                },
            );
            let matmul23_out1 = {
                let dims = matmul23_out1.dims();
                matmul23_out1.mask_fill(hidden_rows.expand(dims), 0.0)
            };
            (matmul23_out1,)
        };
        let transpose18_out1 = matmul23_out1.permute([0, 2, 1, 3]);
        let reshape12_out1 = transpose18_out1.reshape([-1, 1, 256]);
        let linear14_out1 = self.linear14.forward(reshape12_out1);
        let add13_out1 = layernormalization4_out1.add(linear14_out1);
        let layernormalization5_out1 = {
            let dtype = add13_out1.dtype();
            self.layernormalization5
                .forward(add13_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear15_out1 = self.linear15.forward(layernormalization5_out1.clone());
        let relu2_out1 = burn::tensor::activation::relu(linear15_out1);
        let linear16_out1 = self.linear16.forward(relu2_out1);
        let add14_out1 = layernormalization5_out1.add(linear16_out1);
        let layernormalization6_out1 = {
            let dtype = add14_out1.dtype();
            self.layernormalization6
                .forward(add14_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear17_out1 = self.linear17.forward(layernormalization6_out1.clone());
        let shape14_out1: [i64; 3] = {
            let axes = &linear17_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather23_out1 = shape14_out1[0] as i64;
        let unsqueeze21_out1 = [gather23_out1 as i64];
        let constant161_out1: [i64; 1] = [32i64];
        let constant159_out1: [i64; 1] = [-1i64];
        let constant160_out1: [i64; 1] = [8i64];
        let concat13_out1: [i64; 4usize] = [
            &unsqueeze21_out1[..],
            &constant159_out1[..],
            &constant160_out1[..],
            &constant161_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape13_out1 = linear17_out1.reshape(concat13_out1);
        let transpose19_out1 = reshape13_out1.permute([0, 2, 1, 3]);
        let linear18_out1 = self.linear18.forward(layernormalization6_out1.clone());
        let shape15_out1: [i64; 3] = {
            let axes = &linear18_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather24_out1 = shape15_out1[0] as i64;
        let unsqueeze22_out1 = [gather24_out1 as i64];
        let constant166_out1: [i64; 1] = [32i64];
        let constant164_out1: [i64; 1] = [-1i64];
        let constant165_out1: [i64; 1] = [8i64];
        let concat14_out1: [i64; 4usize] = [
            &unsqueeze22_out1[..],
            &constant164_out1[..],
            &constant165_out1[..],
            &constant166_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape14_out1 = linear18_out1.reshape(concat14_out1);
        let transpose20_out1 = reshape14_out1.clone().permute([0, 2, 1, 3]);
        let linear19_out1 = self.linear19.forward(layernormalization6_out1.clone());
        let shape16_out1: [i64; 3] = {
            let axes = &linear19_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather25_out1 = shape16_out1[0] as i64;
        let unsqueeze23_out1 = [gather25_out1 as i64];
        let constant171_out1: [i64; 1] = [32i64];
        let constant169_out1: [i64; 1] = [-1i64];
        let constant170_out1: [i64; 1] = [8i64];
        let concat15_out1: [i64; 4usize] = [
            &unsqueeze23_out1[..],
            &constant169_out1[..],
            &constant170_out1[..],
            &constant171_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape15_out1 = linear19_out1.reshape(concat15_out1);
        let transpose21_out1 = reshape15_out1.permute([0, 2, 1, 3]);
        let gather26_out1 = {
            let sliced = past_keys.slice(s![2, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let gather27_out1 = {
            let sliced = past_values.slice(s![2, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let shape17_out1: [i64; 4] = {
            let axes = &gather26_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather28_out1 = shape17_out1[2] as i64;
        let transpose22_out1 = gather26_out1.permute([0, 1, 3, 2]);
        let matmul30_out1 = transpose19_out1.clone().matmul(transpose22_out1);
        let transpose23_out1 = reshape14_out1.permute([0, 2, 3, 1]);
        let matmul31_out1 = transpose19_out1.matmul(transpose23_out1);
        let concat16_out1 = burn::tensor::Tensor::cat(
            [matmul30_out1, matmul31_out1].into(),
            3,
        );
        let constant173_out1 = self.constant173.val();
        let mul8_out1 = concat16_out1
            .mul((constant173_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        (
            mul8_out1,
            gather28_out1,
            gather27_out1,
            transpose21_out1,
            layernormalization6_out1,
            transpose20_out1,
        )
    }
}
#[derive(Module, Debug)]
pub struct Submodule4 {
    linear20: Linear,
    layernormalization7: LayerNorm,
    linear21: Linear,
    constant192: burn::module::Param<Tensor<1>>,
    linear22: Linear,
    layernormalization8: LayerNorm,
    linear23: Linear,
    linear24: Linear,
    layernormalization9: LayerNorm,
    linear25: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule4 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let linear20 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let layernormalization7 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear21 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let constant192: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                1,
            >::from_data(
                burn::tensor::TensorData::from([0.1767766922712326f64]),
                (device, burn::tensor::DType::F32),
            ),
            device.clone(),
            false,
            [1].into(),
        );
        let linear22 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let layernormalization8 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear23 = LinearConfig::new(256, 512).with_bias(true).init(device);
        let linear24 = LinearConfig::new(512, 256).with_bias(true).init(device);
        let layernormalization9 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear25 = LinearConfig::new(256, 59).with_bias(true).init(device);
        Self {
            linear20,
            layernormalization7,
            linear21,
            constant192,
            linear22,
            layernormalization8,
            linear23,
            linear24,
            layernormalization9,
            linear25,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        mul8_out1: Tensor<4>,
        gather28_out1: i64,
        gather27_out1: Tensor<4>,
        transpose21_out1: Tensor<4>,
        layernormalization6_out1: Tensor<3>,
        cross_keys: Tensor<5>,
        cross_values: Tensor<5>,
        unsqueeze4_out1: Tensor<4>,
        transpose2_out1: Tensor<4>,
        transpose11_out1: Tensor<4>,
        transpose20_out1: Tensor<4>,
        transpose3_out1: Tensor<4>,
        transpose12_out1: Tensor<4>,
    ) -> (Tensor<2>, Tensor<5>, Tensor<5>, Tensor<3>) {
        let softmax5_out1 = burn::tensor::activation::softmax(mul8_out1, 3);
        let unsqueeze24_out1 = [gather28_out1 as i64];
        let slice6_out1 = softmax5_out1
            .clone()
            .slice(s![.., .., .., 0..unsqueeze24_out1[0]]);
        let matmul32_out1 = slice6_out1.matmul(gather27_out1);
        let constant178_out1 = 1i64;
        let add15_out1 = gather28_out1 + constant178_out1;
        let unsqueeze25_out1 = [gather28_out1 as i64];
        let unsqueeze26_out1 = [add15_out1 as i64];
        let slice7_out1 = softmax5_out1
            .slice(s![.., .., .., unsqueeze25_out1[0]..unsqueeze26_out1[0]]);
        let mul9_out1 = slice7_out1.mul(transpose21_out1.clone());
        let add16_out1 = matmul32_out1.add(mul9_out1);
        let shape18_out1: [i64; 4] = {
            let axes = &add16_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather29_out1 = shape18_out1[0] as i64;
        let transpose24_out1 = add16_out1.permute([0, 2, 1, 3]);
        let unsqueeze27_out1 = [gather29_out1 as i64];
        let constant186_out1: [i64; 1] = [256i64];
        let constant185_out1: [i64; 1] = [-1i64];
        let concat17_out1: [i64; 3usize] = [
            &unsqueeze27_out1[..],
            &constant185_out1[..],
            &constant186_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape16_out1 = transpose24_out1.reshape(concat17_out1);
        let linear20_out1 = self.linear20.forward(reshape16_out1);
        let add17_out1 = layernormalization6_out1.add(linear20_out1);
        let layernormalization7_out1 = {
            let dtype = add17_out1.dtype();
            self.layernormalization7
                .forward(add17_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear21_out1 = self.linear21.forward(layernormalization7_out1.clone());
        let gather30_out1 = {
            let sliced = cross_keys.slice(s![2, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let gather31_out1 = {
            let sliced = cross_values.slice(s![2, .., .., .., ..]);
            sliced.squeeze_dim::<4usize>(0)
        };
        let shape19_out1: [i64; 4] = {
            let axes = &gather30_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather32_out1 = shape19_out1[0] as i64;
        let unsqueeze28_out1 = [gather32_out1 as i64];
        let constant191_out1: [i64; 1] = [32i64];
        let constant189_out1: [i64; 1] = [-1i64];
        let constant190_out1: [i64; 1] = [8i64];
        let concat18_out1: [i64; 4usize] = [
            &unsqueeze28_out1[..],
            &constant189_out1[..],
            &constant190_out1[..],
            &constant191_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape17_out1 = linear21_out1.reshape(concat18_out1);
        let transpose25_out1 = reshape17_out1.permute([0, 2, 1, 3]);
        let transpose26_out1 = gather30_out1.permute([0, 1, 3, 2]);
        let matmul35_out1 = transpose25_out1.matmul(transpose26_out1);
        let constant192_out1 = self.constant192.val();
        let mul10_out1 = matmul35_out1
            .mul((constant192_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let add18_out1 = mul10_out1.add(unsqueeze4_out1);
        let softmax6_out1 = burn::tensor::activation::softmax(add18_out1, 3);
        let matmul36_out1 = softmax6_out1.clone().matmul(gather31_out1);
        let transpose27_out1 = matmul36_out1.permute([0, 2, 1, 3]);
        let reshape18_out1 = transpose27_out1.reshape([-1, 1, 256]);
        let transpose28_out1 = softmax6_out1.permute([0, 2, 1, 3]);
        let gather33_out1 = shape19_out1[2] as i64;
        let unsqueeze29_out1 = [gather33_out1 as i64];
        let constant195_out1: [i64; 1] = [-1i64];
        let constant196_out1: [i64; 1] = [8i64];
        let concat19_out1: [i64; 3usize] = [
            &constant195_out1[..],
            &constant196_out1[..],
            &unsqueeze29_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape19_out1 = transpose28_out1.reshape(concat19_out1);
        let linear22_out1 = self.linear22.forward(reshape18_out1);
        let add19_out1 = layernormalization7_out1.add(linear22_out1);
        let layernormalization8_out1 = {
            let dtype = add19_out1.dtype();
            self.layernormalization8
                .forward(add19_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear23_out1 = self.linear23.forward(layernormalization8_out1.clone());
        let relu3_out1 = burn::tensor::activation::relu(linear23_out1);
        let linear24_out1 = self.linear24.forward(relu3_out1);
        let add20_out1 = layernormalization8_out1.add(linear24_out1);
        let layernormalization9_out1 = {
            let dtype = add20_out1.dtype();
            self.layernormalization9
                .forward(add20_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let gather34_out1 = {
            let sliced = layernormalization9_out1.slice(s![.., 0, ..]);
            sliced.squeeze_dim::<2usize>(1)
        };
        let linear25_out1 = self.linear25.forward(gather34_out1);
        let logsoftmax1_out1 = log_softmax(linear25_out1, 1);
        let unsqueeze30_out1: Tensor<5> = transpose2_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze31_out1: Tensor<5> = transpose11_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze32_out1: Tensor<5> = transpose20_out1.unsqueeze_dims::<5>(&[0]);
        let concat20_out1 = burn::tensor::Tensor::cat(
            [unsqueeze30_out1, unsqueeze31_out1, unsqueeze32_out1].into(),
            0,
        );
        let unsqueeze33_out1: Tensor<5> = transpose3_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze34_out1: Tensor<5> = transpose12_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze35_out1: Tensor<5> = transpose21_out1.unsqueeze_dims::<5>(&[0]);
        let concat21_out1 = burn::tensor::Tensor::cat(
            [unsqueeze33_out1, unsqueeze34_out1, unsqueeze35_out1].into(),
            0,
        );
        (logsoftmax1_out1, concat20_out1, concat21_out1, reshape19_out1)
    }
}

#[derive(Module, Debug)]
pub struct Model {
    submodule1: Submodule1,
    submodule2: Submodule2,
    submodule3: Submodule3,
    submodule4: Submodule4,
    #[module(skip)]
    device: Device,
}

impl Model {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let submodule1 = Submodule1::new(device);
        let submodule2 = Submodule2::new(device);
        let submodule3 = Submodule3::new(device);
        let submodule4 = Submodule4::new(device);
        Self {
            submodule1,
            submodule2,
            submodule3,
            submodule4,
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
        let (add11_out1, transpose11_out1, transpose12_out1) = self
            .submodule2
            .forward(
                add5_out1,
                cross_keys.clone(),
                cross_values.clone(),
                unsqueeze4_out1.clone(),
                past_keys.clone(),
                past_values.clone(),
            );
        let (
            mul8_out1,
            gather28_out1,
            gather27_out1,
            transpose21_out1,
            layernormalization6_out1,
            transpose20_out1,
        ) = self
            .submodule3
            .forward(
                add11_out1,
                cross_keys.clone(),
                cross_values.clone(),
                unsqueeze4_out1.clone(),
                past_keys,
                past_values,
            );
        let (logsoftmax1_out1, concat20_out1, concat21_out1, reshape19_out1) = self
            .submodule4
            .forward(
                mul8_out1,
                gather28_out1,
                gather27_out1,
                transpose21_out1,
                layernormalization6_out1,
                cross_keys,
                cross_values,
                unsqueeze4_out1,
                transpose2_out1,
                transpose11_out1,
                transpose20_out1,
                transpose3_out1,
                transpose12_out1,
            );
        (logsoftmax1_out1, concat20_out1, concat21_out1, reshape19_out1)
    }
}
