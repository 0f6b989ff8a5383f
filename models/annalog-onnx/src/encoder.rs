// Generated from ONNX "/encoder.onnx" by burn-onnx
extern crate alloc;
use burn::prelude::*;
use burn::nn::LayerNorm;
use burn::nn::LayerNormConfig;
use burn::nn::Linear;
use burn::nn::LinearConfig;


#[derive(Module, Debug)]
pub struct Submodule1 {
    constant38: burn::module::Param<Tensor<2>>,
    constant64: burn::module::Param<Tensor<1>>,
    constant37: burn::module::Param<Tensor<2>>,
    linear1: Linear,
    linear2: Linear,
    linear3: Linear,
    constant86: burn::module::Param<Tensor<1>>,
    linear4: Linear,
    layernormalization1: LayerNorm,
    linear5: Linear,
    linear6: Linear,
    layernormalization2: LayerNorm,
    linear7: Linear,
    linear8: Linear,
    linear9: Linear,
    constant106: burn::module::Param<Tensor<1>>,
    linear10: Linear,
    layernormalization3: LayerNorm,
    linear11: Linear,
    linear12: Linear,
    layernormalization4: LayerNorm,
    linear13: Linear,
    linear14: Linear,
    linear15: Linear,
    constant126: burn::module::Param<Tensor<1>>,
    linear16: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule1 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let constant38: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
            burn::module::ParamId::new(),
            move |device, _require_grad| Tensor::<
                2,
            >::zeros([59, 256], (device, burn::tensor::DType::F32)),
            device.clone(),
            false,
            [59, 256].into(),
        );
        let constant64: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let constant37: burn::module::Param<Tensor<2>> = burn::module::Param::uninitialized(
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
        let constant86: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let layernormalization1 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear5 = LinearConfig::new(256, 512).with_bias(true).init(device);
        let linear6 = LinearConfig::new(512, 256).with_bias(true).init(device);
        let layernormalization2 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear7 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear8 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear9 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let constant106: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let linear10 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let layernormalization3 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear11 = LinearConfig::new(256, 512).with_bias(true).init(device);
        let linear12 = LinearConfig::new(512, 256).with_bias(true).init(device);
        let layernormalization4 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear13 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear14 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear15 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let constant126: burn::module::Param<Tensor<1>> = burn::module::Param::uninitialized(
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
        let linear16 = LinearConfig::new(256, 256).with_bias(true).init(device);
        Self {
            constant38,
            constant64,
            constant37,
            linear1,
            linear2,
            linear3,
            constant86,
            linear4,
            layernormalization1,
            linear5,
            linear6,
            layernormalization2,
            linear7,
            linear8,
            linear9,
            constant106,
            linear10,
            layernormalization3,
            linear11,
            linear12,
            layernormalization4,
            linear13,
            linear14,
            linear15,
            constant126,
            linear16,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(&self, src_ids: Tensor<2, Int>, src_mask: Tensor<2>) -> Tensor<3> {
        let shape1_out1: [i64; 2] = {
            let axes = &src_ids.clone().dims()[0..2];
            let mut output = [0i64; 2];
            for i in 0..2 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather1_out1 = shape1_out1[1] as i64;
        let constant38_out1 = self.constant38.val();
        let gather2_out1 = {
            let axis_size = constant38_out1.dims()[0] as i64;
            let negative = src_ids.clone().lower_elem(0i64);
            let corrected = src_ids.clone() + axis_size;
            let indices = src_ids.mask_where(negative, corrected);
            constant38_out1.take::<2, 3>(0, indices)
        };
        let constant64_out1 = self.constant64.val();
        let mul1_out1 = gather2_out1
            .mul((constant64_out1).unsqueeze_dims(&[0isize, 1isize]));
        let unsqueeze1_out1 = [gather1_out1 as i64];
        let constant37_out1 = self.constant37.val();
        let slice1_out1 = constant37_out1.slice(s![0..unsqueeze1_out1[0], ..]);
        let add1_out1 = mul1_out1.add((slice1_out1).unsqueeze_dims(&[0isize]));
        let log1_out1 = src_mask.log();
        let unsqueeze2_out1: Tensor<3> = log1_out1.unsqueeze_dims::<3>(&[1]);
        let unsqueeze3_out1: Tensor<4> = unsqueeze2_out1.unsqueeze_dims::<4>(&[2]);
        let linear1_out1 = self.linear1.forward(add1_out1.clone());
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
        let constant75_out1: [i64; 1] = [32i64];
        let constant73_out1: [i64; 1] = [-1i64];
        let constant74_out1: [i64; 1] = [8i64];
        let concat1_out1: [i64; 4usize] = [
            &unsqueeze4_out1[..],
            &constant73_out1[..],
            &constant74_out1[..],
            &constant75_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape1_out1 = linear1_out1.reshape(concat1_out1);
        let transpose1_out1 = reshape1_out1.permute([0, 2, 1, 3]);
        let linear2_out1 = self.linear2.forward(add1_out1.clone());
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
        let constant80_out1: [i64; 1] = [32i64];
        let constant78_out1: [i64; 1] = [-1i64];
        let constant79_out1: [i64; 1] = [8i64];
        let concat2_out1: [i64; 4usize] = [
            &unsqueeze5_out1[..],
            &constant78_out1[..],
            &constant79_out1[..],
            &constant80_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape2_out1 = linear2_out1.reshape(concat2_out1);
        let linear3_out1 = self.linear3.forward(add1_out1.clone());
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
        let constant85_out1: [i64; 1] = [32i64];
        let constant83_out1: [i64; 1] = [-1i64];
        let constant84_out1: [i64; 1] = [8i64];
        let concat3_out1: [i64; 4usize] = [
            &unsqueeze6_out1[..],
            &constant83_out1[..],
            &constant84_out1[..],
            &constant85_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape3_out1 = linear3_out1.reshape(concat3_out1);
        let transpose2_out1 = reshape3_out1.permute([0, 2, 1, 3]);
        let transpose3_out1 = reshape2_out1.permute([0, 2, 3, 1]);
        let matmul4_out1 = transpose1_out1.matmul(transpose3_out1);
        let constant86_out1 = self.constant86.val();
        let mul2_out1 = matmul4_out1
            .mul((constant86_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
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
        let constant90_out1: [i64; 1] = [256i64];
        let constant89_out1: [i64; 1] = [-1i64];
        let concat4_out1: [i64; 3usize] = [
            &unsqueeze7_out1[..],
            &constant89_out1[..],
            &constant90_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape4_out1 = transpose4_out1.reshape(concat4_out1);
        let linear4_out1 = self.linear4.forward(reshape4_out1);
        let add3_out1 = add1_out1.add(linear4_out1);
        let layernormalization1_out1 = {
            let dtype = add3_out1.dtype();
            self.layernormalization1
                .forward(add3_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear5_out1 = self.linear5.forward(layernormalization1_out1.clone());
        let relu1_out1 = burn::tensor::activation::relu(linear5_out1);
        let linear6_out1 = self.linear6.forward(relu1_out1);
        let add4_out1 = layernormalization1_out1.add(linear6_out1);
        let layernormalization2_out1 = {
            let dtype = add4_out1.dtype();
            self.layernormalization2
                .forward(add4_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear7_out1 = self.linear7.forward(layernormalization2_out1.clone());
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
        let constant95_out1: [i64; 1] = [32i64];
        let constant93_out1: [i64; 1] = [-1i64];
        let constant94_out1: [i64; 1] = [8i64];
        let concat5_out1: [i64; 4usize] = [
            &unsqueeze8_out1[..],
            &constant93_out1[..],
            &constant94_out1[..],
            &constant95_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape5_out1 = linear7_out1.reshape(concat5_out1);
        let transpose5_out1 = reshape5_out1.permute([0, 2, 1, 3]);
        let linear8_out1 = self.linear8.forward(layernormalization2_out1.clone());
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
        let constant100_out1: [i64; 1] = [32i64];
        let constant98_out1: [i64; 1] = [-1i64];
        let constant99_out1: [i64; 1] = [8i64];
        let concat6_out1: [i64; 4usize] = [
            &unsqueeze9_out1[..],
            &constant98_out1[..],
            &constant99_out1[..],
            &constant100_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape6_out1 = linear8_out1.reshape(concat6_out1);
        let linear9_out1 = self.linear9.forward(layernormalization2_out1.clone());
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
        let constant105_out1: [i64; 1] = [32i64];
        let constant103_out1: [i64; 1] = [-1i64];
        let constant104_out1: [i64; 1] = [8i64];
        let concat7_out1: [i64; 4usize] = [
            &unsqueeze10_out1[..],
            &constant103_out1[..],
            &constant104_out1[..],
            &constant105_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape7_out1 = linear9_out1.reshape(concat7_out1);
        let transpose6_out1 = reshape7_out1.permute([0, 2, 1, 3]);
        let transpose7_out1 = reshape6_out1.permute([0, 2, 3, 1]);
        let matmul12_out1 = transpose5_out1.matmul(transpose7_out1);
        let constant106_out1 = self.constant106.val();
        let mul3_out1 = matmul12_out1
            .mul((constant106_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let add5_out1 = mul3_out1.add(unsqueeze3_out1.clone());
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
        let constant110_out1: [i64; 1] = [256i64];
        let constant109_out1: [i64; 1] = [-1i64];
        let concat8_out1: [i64; 3usize] = [
            &unsqueeze11_out1[..],
            &constant109_out1[..],
            &constant110_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape8_out1 = transpose8_out1.reshape(concat8_out1);
        let linear10_out1 = self.linear10.forward(reshape8_out1);
        let add6_out1 = layernormalization2_out1.add(linear10_out1);
        let layernormalization3_out1 = {
            let dtype = add6_out1.dtype();
            self.layernormalization3
                .forward(add6_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear11_out1 = self.linear11.forward(layernormalization3_out1.clone());
        let relu2_out1 = burn::tensor::activation::relu(linear11_out1);
        let linear12_out1 = self.linear12.forward(relu2_out1);
        let add7_out1 = layernormalization3_out1.add(linear12_out1);
        let layernormalization4_out1 = {
            let dtype = add7_out1.dtype();
            self.layernormalization4
                .forward(add7_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear13_out1 = self.linear13.forward(layernormalization4_out1.clone());
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
        let constant115_out1: [i64; 1] = [32i64];
        let constant113_out1: [i64; 1] = [-1i64];
        let constant114_out1: [i64; 1] = [8i64];
        let concat9_out1: [i64; 4usize] = [
            &unsqueeze12_out1[..],
            &constant113_out1[..],
            &constant114_out1[..],
            &constant115_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape9_out1 = linear13_out1.reshape(concat9_out1);
        let transpose9_out1 = reshape9_out1.permute([0, 2, 1, 3]);
        let linear14_out1 = self.linear14.forward(layernormalization4_out1.clone());
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
        let constant120_out1: [i64; 1] = [32i64];
        let constant118_out1: [i64; 1] = [-1i64];
        let constant119_out1: [i64; 1] = [8i64];
        let concat10_out1: [i64; 4usize] = [
            &unsqueeze13_out1[..],
            &constant118_out1[..],
            &constant119_out1[..],
            &constant120_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape10_out1 = linear14_out1.reshape(concat10_out1);
        let linear15_out1 = self.linear15.forward(layernormalization4_out1.clone());
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
        let constant125_out1: [i64; 1] = [32i64];
        let constant123_out1: [i64; 1] = [-1i64];
        let constant124_out1: [i64; 1] = [8i64];
        let concat11_out1: [i64; 4usize] = [
            &unsqueeze14_out1[..],
            &constant123_out1[..],
            &constant124_out1[..],
            &constant125_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape11_out1 = linear15_out1.reshape(concat11_out1);
        let transpose10_out1 = reshape11_out1.permute([0, 2, 1, 3]);
        let transpose11_out1 = reshape10_out1.permute([0, 2, 3, 1]);
        let matmul20_out1 = transpose9_out1.matmul(transpose11_out1);
        let constant126_out1 = self.constant126.val();
        let mul4_out1 = matmul20_out1
            .mul((constant126_out1).unsqueeze_dims(&[0isize, 1isize, 2isize]));
        let add8_out1 = mul4_out1.add(unsqueeze3_out1);
        let softmax3_out1 = burn::tensor::activation::softmax(add8_out1, 3);
        let matmul21_out1 = softmax3_out1.matmul(transpose10_out1);
        let shape13_out1: [i64; 4] = {
            let axes = &matmul21_out1.clone().dims()[0..4];
            let mut output = [0i64; 4];
            for i in 0..4 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather14_out1 = shape13_out1[0] as i64;
        let transpose12_out1 = matmul21_out1.permute([0, 2, 1, 3]);
        let unsqueeze15_out1 = [gather14_out1 as i64];
        let constant130_out1: [i64; 1] = [256i64];
        let constant129_out1: [i64; 1] = [-1i64];
        let concat12_out1: [i64; 3usize] = [
            &unsqueeze15_out1[..],
            &constant129_out1[..],
            &constant130_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape12_out1 = transpose12_out1.reshape(concat12_out1);
        let linear16_out1 = self.linear16.forward(reshape12_out1);
        let add9_out1 = layernormalization4_out1.add(linear16_out1);
        add9_out1
    }
}
#[derive(Module, Debug)]
pub struct Submodule2 {
    layernormalization5: LayerNorm,
    linear17: Linear,
    linear18: Linear,
    layernormalization6: LayerNorm,
    linear19: Linear,
    linear20: Linear,
    linear21: Linear,
    linear22: Linear,
    linear23: Linear,
    linear24: Linear,
    #[module(skip)]
    device: Device,
}
impl Submodule2 {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let layernormalization5 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear17 = LinearConfig::new(256, 512).with_bias(true).init(device);
        let linear18 = LinearConfig::new(512, 256).with_bias(true).init(device);
        let layernormalization6 = LayerNormConfig::new(256)
            .with_epsilon(0.000009999999747378752f64)
            .with_bias(true)
            .init(device);
        let linear19 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear20 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear21 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear22 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear23 = LinearConfig::new(256, 256).with_bias(true).init(device);
        let linear24 = LinearConfig::new(256, 256).with_bias(true).init(device);
        Self {
            layernormalization5,
            linear17,
            linear18,
            layernormalization6,
            linear19,
            linear20,
            linear21,
            linear22,
            linear23,
            linear24,
            device: device.clone(),
        }
    }
    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(&self, add9_out1: Tensor<3>) -> (Tensor<5>, Tensor<5>) {
        let layernormalization5_out1 = {
            let dtype = add9_out1.dtype();
            self.layernormalization5
                .forward(add9_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear17_out1 = self.linear17.forward(layernormalization5_out1.clone());
        let relu3_out1 = burn::tensor::activation::relu(linear17_out1);
        let linear18_out1 = self.linear18.forward(relu3_out1);
        let add10_out1 = layernormalization5_out1.add(linear18_out1);
        let layernormalization6_out1 = {
            let dtype = add10_out1.dtype();
            self.layernormalization6
                .forward(add10_out1.cast(burn::tensor::DType::F32))
                .cast(dtype)
        };
        let linear19_out1 = self.linear19.forward(layernormalization6_out1.clone());
        let shape14_out1: [i64; 3] = {
            let axes = &linear19_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather15_out1 = shape14_out1[0] as i64;
        let unsqueeze16_out1 = [gather15_out1 as i64];
        let constant135_out1: [i64; 1] = [32i64];
        let constant133_out1: [i64; 1] = [-1i64];
        let constant134_out1: [i64; 1] = [8i64];
        let concat13_out1: [i64; 4usize] = [
            &unsqueeze16_out1[..],
            &constant133_out1[..],
            &constant134_out1[..],
            &constant135_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape13_out1 = linear19_out1.reshape(concat13_out1);
        let transpose13_out1 = reshape13_out1.permute([0, 2, 1, 3]);
        let linear20_out1 = self.linear20.forward(layernormalization6_out1.clone());
        let shape15_out1: [i64; 3] = {
            let axes = &linear20_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather16_out1 = shape15_out1[0] as i64;
        let unsqueeze17_out1 = [gather16_out1 as i64];
        let constant140_out1: [i64; 1] = [32i64];
        let constant138_out1: [i64; 1] = [-1i64];
        let constant139_out1: [i64; 1] = [8i64];
        let concat14_out1: [i64; 4usize] = [
            &unsqueeze17_out1[..],
            &constant138_out1[..],
            &constant139_out1[..],
            &constant140_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape14_out1 = linear20_out1.reshape(concat14_out1);
        let transpose14_out1 = reshape14_out1.permute([0, 2, 1, 3]);
        let linear21_out1 = self.linear21.forward(layernormalization6_out1.clone());
        let shape16_out1: [i64; 3] = {
            let axes = &linear21_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather17_out1 = shape16_out1[0] as i64;
        let unsqueeze18_out1 = [gather17_out1 as i64];
        let constant145_out1: [i64; 1] = [32i64];
        let constant143_out1: [i64; 1] = [-1i64];
        let constant144_out1: [i64; 1] = [8i64];
        let concat15_out1: [i64; 4usize] = [
            &unsqueeze18_out1[..],
            &constant143_out1[..],
            &constant144_out1[..],
            &constant145_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape15_out1 = linear21_out1.reshape(concat15_out1);
        let transpose15_out1 = reshape15_out1.permute([0, 2, 1, 3]);
        let linear22_out1 = self.linear22.forward(layernormalization6_out1.clone());
        let shape17_out1: [i64; 3] = {
            let axes = &linear22_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather18_out1 = shape17_out1[0] as i64;
        let unsqueeze19_out1 = [gather18_out1 as i64];
        let constant150_out1: [i64; 1] = [32i64];
        let constant148_out1: [i64; 1] = [-1i64];
        let constant149_out1: [i64; 1] = [8i64];
        let concat16_out1: [i64; 4usize] = [
            &unsqueeze19_out1[..],
            &constant148_out1[..],
            &constant149_out1[..],
            &constant150_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape16_out1 = linear22_out1.reshape(concat16_out1);
        let transpose16_out1 = reshape16_out1.permute([0, 2, 1, 3]);
        let linear23_out1 = self.linear23.forward(layernormalization6_out1.clone());
        let shape18_out1: [i64; 3] = {
            let axes = &linear23_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather19_out1 = shape18_out1[0] as i64;
        let unsqueeze20_out1 = [gather19_out1 as i64];
        let constant155_out1: [i64; 1] = [32i64];
        let constant153_out1: [i64; 1] = [-1i64];
        let constant154_out1: [i64; 1] = [8i64];
        let concat17_out1: [i64; 4usize] = [
            &unsqueeze20_out1[..],
            &constant153_out1[..],
            &constant154_out1[..],
            &constant155_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape17_out1 = linear23_out1.reshape(concat17_out1);
        let transpose17_out1 = reshape17_out1.permute([0, 2, 1, 3]);
        let linear24_out1 = self.linear24.forward(layernormalization6_out1);
        let shape19_out1: [i64; 3] = {
            let axes = &linear24_out1.clone().dims()[0..3];
            let mut output = [0i64; 3];
            for i in 0..3 {
                output[i] = axes[i] as i64;
            }
            output
        };
        let gather20_out1 = shape19_out1[0] as i64;
        let unsqueeze21_out1 = [gather20_out1 as i64];
        let constant160_out1: [i64; 1] = [32i64];
        let constant158_out1: [i64; 1] = [-1i64];
        let constant159_out1: [i64; 1] = [8i64];
        let concat18_out1: [i64; 4usize] = [
            &unsqueeze21_out1[..],
            &constant158_out1[..],
            &constant159_out1[..],
            &constant160_out1[..],
        ]
            .concat()
            .try_into()
            .unwrap();
        let reshape18_out1 = linear24_out1.reshape(concat18_out1);
        let transpose18_out1 = reshape18_out1.permute([0, 2, 1, 3]);
        let unsqueeze22_out1: Tensor<5> = transpose13_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze23_out1: Tensor<5> = transpose14_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze24_out1: Tensor<5> = transpose15_out1.unsqueeze_dims::<5>(&[0]);
        let concat19_out1 = burn::tensor::Tensor::cat(
            [unsqueeze22_out1, unsqueeze23_out1, unsqueeze24_out1].into(),
            0,
        );
        let unsqueeze25_out1: Tensor<5> = transpose16_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze26_out1: Tensor<5> = transpose17_out1.unsqueeze_dims::<5>(&[0]);
        let unsqueeze27_out1: Tensor<5> = transpose18_out1.unsqueeze_dims::<5>(&[0]);
        let concat20_out1 = burn::tensor::Tensor::cat(
            [unsqueeze25_out1, unsqueeze26_out1, unsqueeze27_out1].into(),
            0,
        );
        (concat19_out1, concat20_out1)
    }
}

#[derive(Module, Debug)]
pub struct Model {
    submodule1: Submodule1,
    submodule2: Submodule2,
    #[module(skip)]
    device: Device,
}

impl Model {
    #[allow(unused_variables)]
    pub fn new(device: &Device) -> Self {
        let submodule1 = Submodule1::new(device);
        let submodule2 = Submodule2::new(device);
        Self {
            submodule1,
            submodule2,
            device: device.clone(),
        }
    }

    #[allow(clippy::let_and_return, clippy::approx_constant)]
    pub fn forward(
        &self,
        src_ids: Tensor<2, Int>,
        src_mask: Tensor<2>,
    ) -> (Tensor<5>, Tensor<5>) {
        let add9_out1 = self.submodule1.forward(src_ids, src_mask);
        let (concat19_out1, concat20_out1) = self.submodule2.forward(add9_out1);
        (concat19_out1, concat20_out1)
    }
}
