// Generated from ONNX "/encoder.onnx" by burn-onnx
extern crate alloc;
use burn::prelude::*;
use burn::nn::LayerNorm;
use burn::nn::LayerNormConfig;
use burn::nn::Linear;
use burn::nn::LinearConfig;


#[derive(Module, Debug)]
pub struct Model {
    constant23: burn::module::Param<Tensor<2>>,
    constant24: burn::module::Param<Tensor<2>>,
    constant38: burn::module::Param<Tensor<1>>,
    layernormalization1: LayerNorm,
    linear1: Linear,
    linear2: Linear,
    linear3: Linear,
    constant60: burn::module::Param<Tensor<1>>,
    linear4: Linear,
    layernormalization2: LayerNorm,
    linear5: Linear,
    linear6: Linear,
    layernormalization3: LayerNorm,
    linear7: Linear,
    linear8: Linear,
    linear9: Linear,
    constant80: burn::module::Param<Tensor<1>>,
    linear10: Linear,
    layernormalization4: LayerNorm,
    linear11: Linear,
    linear12: Linear,
    layernormalization5: LayerNorm,
    #[module(skip)]
    device: Device,
}

impl Model {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let constant23: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([512, 64], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [512, 64].into(),
        );
        let constant24: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([146, 64], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [146, 64].into(),
        );
        let constant38: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let layernormalization1 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear1 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear2 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear3 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let constant60: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let layernormalization2 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear5 = LinearConfig::new(64, 128).with_bias(true).init(device);
        let linear6 = LinearConfig::new(128, 64).with_bias(true).init(device);
        let layernormalization3 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear7 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear8 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear9 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let constant80: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let linear10 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let layernormalization4 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        let linear11 = LinearConfig::new(64, 128).with_bias(true).init(device);
        let linear12 = LinearConfig::new(128, 64).with_bias(true).init(device);
        let layernormalization5 = LayerNormConfig::new(64)
            .with_epsilon(0.0000009999999974752427f64)
            .with_bias(true)
            .init(device);
        Self {
            constant23,
            constant24,
            constant38,
            layernormalization1,
            linear1,
            linear2,
            linear3,
            constant60,
            linear4,
            layernormalization2,
            linear5,
            linear6,
            layernormalization3,
            linear7,
            linear8,
            linear9,
            constant80,
            linear10,
            layernormalization4,
            linear11,
            linear12,
            layernormalization5,
            device: device.clone(),
        }
    }

    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(&self, src_ids: Tensor<2, Int>, src_mask: Tensor<2>) -> Tensor<3> {
        let constant23_out1 = self.constant23.val();
        let constant24_out1 = self.constant24.val();
        let shape1_out1: [i64; 2] = {
            let axes = &src_ids.clone().dims()[0..2];
            let mut output = [0i64; 2];
            for i in 0..2 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather1_out1 = shape1_out1[1] as i64;
        let gather2_out1 = {
            let axis_size = constant24_out1.dims()[0] as i64;
            let negative = src_ids.clone().lower_elem(0i64);
            let corrected = src_ids.clone() + axis_size;
            let indices = src_ids.mask_where(negative, corrected);
            constant24_out1.take::<2, 3>(0, indices)
        };
        let constant38_out1 = self.constant38.val();
        let mul1_out1 = gather2_out1
            .mul((constant38_out1).unsqueeze_dims(&[0isize, 1isize]));
        let unsqueeze1_out1 = [gather1_out1 as i64];
        let slice1_out1 = constant23_out1.slice(s![0..unsqueeze1_out1[0], ..]);
        let add1_out1 = mul1_out1.add((slice1_out1).unsqueeze_dims(&[0isize]));
        let log1_out1 = src_mask.log();
        let unsqueeze2_out1: Tensor<3> = log1_out1.unsqueeze_dims::<3>(&[1]);
        let unsqueeze3_out1: Tensor<4> = unsqueeze2_out1.unsqueeze_dims::<4>(&[2]);
        let layernormalization1_out1 = {
            let dtype = add1_out1.clone().dtype();
            self.layernormalization1
                .forward(add1_out1.clone().cast(burn::tensor::DType::F32))
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
        let unsqueeze4_out1 = [gather3_out1 as i64];
        let constant47_out1: [i64; 1] = [-1i64];
        let constant48_out1: [i64; 1] = [4i64];
        let constant49_out1: [i64; 1] = [16i64];
        let concat1_out1: [i64; 4usize] = [
            &unsqueeze4_out1[..],
            &constant47_out1[..],
            &constant48_out1[..],
            &constant49_out1[..],
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
        let unsqueeze5_out1 = [gather4_out1 as i64];
        let constant52_out1: [i64; 1] = [-1i64];
        let constant53_out1: [i64; 1] = [4i64];
        let constant54_out1: [i64; 1] = [16i64];
        let concat2_out1: [i64; 4usize] = [
            &unsqueeze5_out1[..],
            &constant52_out1[..],
            &constant53_out1[..],
            &constant54_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape2_out1 = linear2_out1.reshape(concat2_out1);
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
        let unsqueeze6_out1 = [gather5_out1 as i64];
        let constant57_out1: [i64; 1] = [-1i64];
        let constant58_out1: [i64; 1] = [4i64];
        let constant59_out1: [i64; 1] = [16i64];
        let concat3_out1: [i64; 4usize] = [
            &unsqueeze6_out1[..],
            &constant57_out1[..],
            &constant58_out1[..],
            &constant59_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape3_out1 = linear3_out1.reshape(concat3_out1);
        let transpose2_out1 = reshape3_out1.permute([0, 2, 1, 3]);
        let transpose3_out1 = reshape2_out1.permute([0, 2, 3, 1]);
        let matmul4_out1 = transpose1_out1.matmul(transpose3_out1);
        let constant60_out1 = self.constant60.val();
        let mul2_out1 = matmul4_out1
            .mul((constant60_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let add2_out1 = mul2_out1.add(unsqueeze3_out1.clone());
        let softmax1_out1 = burn::tensor::activation::softmax(add2_out1, 3);
        let matmul5_out1 = softmax1_out1.matmul(transpose2_out1);
        let shape5_out1: [i64; 4] = {
            let axes = &matmul5_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather6_out1 = shape5_out1[0] as i64;
        let transpose4_out1 = matmul5_out1.permute([0, 2, 1, 3]);
        let unsqueeze7_out1 = [gather6_out1 as i64];
        let constant63_out1: [i64; 1] = [-1i64];
        let constant64_out1: [i64; 1] = [64i64];
        let concat4_out1: [i64; 3usize] = [
            &unsqueeze7_out1[..],
            &constant63_out1[..],
            &constant64_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape4_out1 = transpose4_out1.reshape(concat4_out1);
        let linear4_out1 = self.linear4.forward(reshape4_out1);
        let add3_out1 = add1_out1.add(linear4_out1);
        let layernormalization2_out1 = {
            let dtype = add3_out1.clone().dtype();
            self.layernormalization2
                .forward(add3_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear5_out1 = self.linear5.forward(layernormalization2_out1);
        let relu1_out1 = burn::tensor::activation::relu(linear5_out1);
        let linear6_out1 = self.linear6.forward(relu1_out1);
        let add4_out1 = add3_out1.add(linear6_out1);
        let layernormalization3_out1 = {
            let dtype = add4_out1.clone().dtype();
            self.layernormalization3
                .forward(add4_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear7_out1 = self.linear7.forward(layernormalization3_out1.clone());
        let shape6_out1: [i64; 3] = {
            let axes = &linear7_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather7_out1 = shape6_out1[0] as i64;
        let unsqueeze8_out1 = [gather7_out1 as i64];
        let constant67_out1: [i64; 1] = [-1i64];
        let constant68_out1: [i64; 1] = [4i64];
        let constant69_out1: [i64; 1] = [16i64];
        let concat5_out1: [i64; 4usize] = [
            &unsqueeze8_out1[..],
            &constant67_out1[..],
            &constant68_out1[..],
            &constant69_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape5_out1 = linear7_out1.reshape(concat5_out1);
        let transpose5_out1 = reshape5_out1.permute([0, 2, 1, 3]);
        let linear8_out1 = self.linear8.forward(layernormalization3_out1.clone());
        let shape7_out1: [i64; 3] = {
            let axes = &linear8_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather8_out1 = shape7_out1[0] as i64;
        let unsqueeze9_out1 = [gather8_out1 as i64];
        let constant72_out1: [i64; 1] = [-1i64];
        let constant73_out1: [i64; 1] = [4i64];
        let constant74_out1: [i64; 1] = [16i64];
        let concat6_out1: [i64; 4usize] = [
            &unsqueeze9_out1[..],
            &constant72_out1[..],
            &constant73_out1[..],
            &constant74_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape6_out1 = linear8_out1.reshape(concat6_out1);
        let linear9_out1 = self.linear9.forward(layernormalization3_out1);
        let shape8_out1: [i64; 3] = {
            let axes = &linear9_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather9_out1 = shape8_out1[0] as i64;
        let unsqueeze10_out1 = [gather9_out1 as i64];
        let constant77_out1: [i64; 1] = [-1i64];
        let constant78_out1: [i64; 1] = [4i64];
        let constant79_out1: [i64; 1] = [16i64];
        let concat7_out1: [i64; 4usize] = [
            &unsqueeze10_out1[..],
            &constant77_out1[..],
            &constant78_out1[..],
            &constant79_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape7_out1 = linear9_out1.reshape(concat7_out1);
        let transpose6_out1 = reshape7_out1.permute([0, 2, 1, 3]);
        let transpose7_out1 = reshape6_out1.permute([0, 2, 3, 1]);
        let matmul12_out1 = transpose5_out1.matmul(transpose7_out1);
        let constant80_out1 = self.constant80.val();
        let mul3_out1 = matmul12_out1
            .mul((constant80_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let add5_out1 = mul3_out1.add(unsqueeze3_out1);
        let softmax2_out1 = burn::tensor::activation::softmax(add5_out1, 3);
        let matmul13_out1 = softmax2_out1.matmul(transpose6_out1);
        let shape9_out1: [i64; 4] = {
            let axes = &matmul13_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather10_out1 = shape9_out1[0] as i64;
        let transpose8_out1 = matmul13_out1.permute([0, 2, 1, 3]);
        let unsqueeze11_out1 = [gather10_out1 as i64];
        let constant83_out1: [i64; 1] = [-1i64];
        let constant84_out1: [i64; 1] = [64i64];
        let concat8_out1: [i64; 3usize] = [
            &unsqueeze11_out1[..],
            &constant83_out1[..],
            &constant84_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape8_out1 = transpose8_out1.reshape(concat8_out1);
        let linear10_out1 = self.linear10.forward(reshape8_out1);
        let add6_out1 = add4_out1.add(linear10_out1);
        let layernormalization4_out1 = {
            let dtype = add6_out1.clone().dtype();
            self.layernormalization4
                .forward(add6_out1.clone().cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear11_out1 = self.linear11.forward(layernormalization4_out1);
        let relu2_out1 = burn::tensor::activation::relu(linear11_out1);
        let linear12_out1 = self.linear12.forward(relu2_out1);
        let add7_out1 = add6_out1.add(linear12_out1);
        let layernormalization5_out1 = {
            let dtype = add7_out1.dtype();
            self.layernormalization5
                .forward(add7_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        layernormalization5_out1
    }
}
