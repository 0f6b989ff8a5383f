// Generated from ONNX "/encoder.onnx" by burn-onnx
extern crate alloc;
use burn::prelude::*;
use burn::nn::LayerNorm;
use burn::nn::LayerNormConfig;
use burn::nn::Linear;
use burn::nn::LinearConfig;


#[derive(Module, Debug)]
pub struct Model {
    constant27: burn::module::Param<Tensor<2>>,
    constant28: burn::module::Param<Tensor<2>>,
    constant46: burn::module::Param<Tensor<1>>,
    layernormalization1: LayerNorm,
    linear1: Linear,
    linear2: Linear,
    linear3: Linear,
    constant68: burn::module::Param<Tensor<1>>,
    linear4: Linear,
    layernormalization2: LayerNorm,
    linear5: Linear,
    linear6: Linear,
    layernormalization3: LayerNorm,
    linear7: Linear,
    linear8: Linear,
    linear9: Linear,
    constant88: burn::module::Param<Tensor<1>>,
    linear10: Linear,
    layernormalization4: LayerNorm,
    linear11: Linear,
    linear12: Linear,
    layernormalization5: LayerNorm,
    linear13: Linear,
    linear14: Linear,
    linear15: Linear,
    linear16: Linear,
    #[module(skip)]
    device: Device,
}

impl Model {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let constant27: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([512, 64], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [512, 64].into(),
        );
        let constant28: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([146, 64], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [146, 64].into(),
        );
        let constant46: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let constant68: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let constant88: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let linear13 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear14 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear15 = LinearConfig::new(64, 64).with_bias(true).init(device);
        let linear16 = LinearConfig::new(64, 64).with_bias(true).init(device);
        Self {
            constant27,
            constant28,
            constant46,
            layernormalization1,
            linear1,
            linear2,
            linear3,
            constant68,
            linear4,
            layernormalization2,
            linear5,
            linear6,
            layernormalization3,
            linear7,
            linear8,
            linear9,
            constant88,
            linear10,
            layernormalization4,
            linear11,
            linear12,
            layernormalization5,
            linear13,
            linear14,
            linear15,
            linear16,
            device: device.clone(),
        }
    }

    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        src_ids: Tensor<2, Int>,
        src_mask: Tensor<2>,
    ) -> (Tensor<5>, Tensor<5>) {
        let constant27_out1 = self.constant27.val();
        let constant28_out1 = self.constant28.val();
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
            let axis_size = constant28_out1.dims()[0] as i64;
            let negative = src_ids.clone().lower_elem(0i64);
            let corrected = src_ids.clone() + axis_size;
            let indices = src_ids.mask_where(negative, corrected);
            constant28_out1.take::<2, 3>(0, indices)
        };
        let constant46_out1 = self.constant46.val();
        let mul1_out1 = gather2_out1
            .mul((constant46_out1).unsqueeze_dims(&[0isize, 1isize]));
        let unsqueeze1_out1 = [gather1_out1 as i64];
        let slice1_out1 = constant27_out1.slice(s![0..unsqueeze1_out1[0], ..]);
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
        let constant55_out1: [i64; 1] = [-1i64];
        let constant56_out1: [i64; 1] = [4i64];
        let constant57_out1: [i64; 1] = [16i64];
        let concat1_out1: [i64; 4usize] = [
            &unsqueeze4_out1[..],
            &constant55_out1[..],
            &constant56_out1[..],
            &constant57_out1[..],
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
        let constant60_out1: [i64; 1] = [-1i64];
        let constant61_out1: [i64; 1] = [4i64];
        let constant62_out1: [i64; 1] = [16i64];
        let concat2_out1: [i64; 4usize] = [
            &unsqueeze5_out1[..],
            &constant60_out1[..],
            &constant61_out1[..],
            &constant62_out1[..],
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
        let constant65_out1: [i64; 1] = [-1i64];
        let constant66_out1: [i64; 1] = [4i64];
        let constant67_out1: [i64; 1] = [16i64];
        let concat3_out1: [i64; 4usize] = [
            &unsqueeze6_out1[..],
            &constant65_out1[..],
            &constant66_out1[..],
            &constant67_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape3_out1 = linear3_out1.reshape(concat3_out1);
        let transpose2_out1 = reshape3_out1.permute([0, 2, 1, 3]);
        let transpose3_out1 = reshape2_out1.permute([0, 2, 3, 1]);
        let matmul4_out1 = transpose1_out1.matmul(transpose3_out1);
        let constant68_out1 = self.constant68.val();
        let mul2_out1 = matmul4_out1
            .mul((constant68_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
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
        let constant71_out1: [i64; 1] = [-1i64];
        let constant72_out1: [i64; 1] = [64i64];
        let concat4_out1: [i64; 3usize] = [
            &unsqueeze7_out1[..],
            &constant71_out1[..],
            &constant72_out1[..],
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
        let constant75_out1: [i64; 1] = [-1i64];
        let constant76_out1: [i64; 1] = [4i64];
        let constant77_out1: [i64; 1] = [16i64];
        let concat5_out1: [i64; 4usize] = [
            &unsqueeze8_out1[..],
            &constant75_out1[..],
            &constant76_out1[..],
            &constant77_out1[..],
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
        let constant80_out1: [i64; 1] = [-1i64];
        let constant81_out1: [i64; 1] = [4i64];
        let constant82_out1: [i64; 1] = [16i64];
        let concat6_out1: [i64; 4usize] = [
            &unsqueeze9_out1[..],
            &constant80_out1[..],
            &constant81_out1[..],
            &constant82_out1[..],
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
        let constant85_out1: [i64; 1] = [-1i64];
        let constant86_out1: [i64; 1] = [4i64];
        let constant87_out1: [i64; 1] = [16i64];
        let concat7_out1: [i64; 4usize] = [
            &unsqueeze10_out1[..],
            &constant85_out1[..],
            &constant86_out1[..],
            &constant87_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape7_out1 = linear9_out1.reshape(concat7_out1);
        let transpose6_out1 = reshape7_out1.permute([0, 2, 1, 3]);
        let transpose7_out1 = reshape6_out1.permute([0, 2, 3, 1]);
        let matmul12_out1 = transpose5_out1.matmul(transpose7_out1);
        let constant88_out1 = self.constant88.val();
        let mul3_out1 = matmul12_out1
            .mul((constant88_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
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
        let constant91_out1: [i64; 1] = [-1i64];
        let constant92_out1: [i64; 1] = [64i64];
        let concat8_out1: [i64; 3usize] = [
            &unsqueeze11_out1[..],
            &constant91_out1[..],
            &constant92_out1[..],
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
        let linear13_out1 = self.linear13.forward(layernormalization5_out1.clone());
        let shape10_out1: [i64; 3] = {
            let axes = &linear13_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather11_out1 = shape10_out1[0] as i64;
        let unsqueeze12_out1 = [gather11_out1 as i64];
        let constant95_out1: [i64; 1] = [-1i64];
        let constant96_out1: [i64; 1] = [4i64];
        let constant97_out1: [i64; 1] = [16i64];
        let concat9_out1: [i64; 4usize] = [
            &unsqueeze12_out1[..],
            &constant95_out1[..],
            &constant96_out1[..],
            &constant97_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape9_out1 = linear13_out1.reshape(concat9_out1);
        let transpose9_out1 = reshape9_out1.permute([0, 2, 1, 3]);
        let linear14_out1 = self.linear14.forward(layernormalization5_out1.clone());
        let shape11_out1: [i64; 3] = {
            let axes = &linear14_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather12_out1 = shape11_out1[0] as i64;
        let unsqueeze13_out1 = [gather12_out1 as i64];
        let constant100_out1: [i64; 1] = [-1i64];
        let constant101_out1: [i64; 1] = [4i64];
        let constant102_out1: [i64; 1] = [16i64];
        let concat10_out1: [i64; 4usize] = [
            &unsqueeze13_out1[..],
            &constant100_out1[..],
            &constant101_out1[..],
            &constant102_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape10_out1 = linear14_out1.reshape(concat10_out1);
        let transpose10_out1 = reshape10_out1.permute([0, 2, 1, 3]);
        let linear15_out1 = self.linear15.forward(layernormalization5_out1.clone());
        let shape12_out1: [i64; 3] = {
            let axes = &linear15_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather13_out1 = shape12_out1[0] as i64;
        let unsqueeze14_out1 = [gather13_out1 as i64];
        let constant105_out1: [i64; 1] = [-1i64];
        let constant106_out1: [i64; 1] = [4i64];
        let constant107_out1: [i64; 1] = [16i64];
        let concat11_out1: [i64; 4usize] = [
            &unsqueeze14_out1[..],
            &constant105_out1[..],
            &constant106_out1[..],
            &constant107_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape11_out1 = linear15_out1.reshape(concat11_out1);
        let transpose11_out1 = reshape11_out1.permute([0, 2, 1, 3]);
        let linear16_out1 = self.linear16.forward(layernormalization5_out1);
        let shape13_out1: [i64; 3] = {
            let axes = &linear16_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather14_out1 = shape13_out1[0] as i64;
        let unsqueeze15_out1 = [gather14_out1 as i64];
        let constant110_out1: [i64; 1] = [-1i64];
        let constant111_out1: [i64; 1] = [4i64];
        let constant112_out1: [i64; 1] = [16i64];
        let concat12_out1: [i64; 4usize] = [
            &unsqueeze15_out1[..],
            &constant110_out1[..],
            &constant111_out1[..],
            &constant112_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape12_out1 = linear16_out1.reshape(concat12_out1);
        let transpose12_out1 = reshape12_out1.permute([0, 2, 1, 3]);
        let unsqueeze16_out1: Tensor<5> = transpose9_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze17_out1: Tensor<5> = transpose10_out1.unsqueeze_dims::<5>(&[0]);
        let concat13_out1 = burn::tensor::Tensor::cat(
            [unsqueeze16_out1, unsqueeze17_out1].into(),
            0,
        );
        let unsqueeze18_out1: Tensor<5> = transpose11_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze19_out1: Tensor<5> = transpose12_out1.unsqueeze_dims::<5>(&[0]);
        let concat14_out1 = burn::tensor::Tensor::cat(
            [unsqueeze18_out1, unsqueeze19_out1].into(),
            0,
        );
        (concat13_out1, concat14_out1)
    }
}
