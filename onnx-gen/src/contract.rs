//! What the generator accepts: the ops burn-onnx 0.22 generates code for, and the contract's
//! inputs and outputs (see tools/onnx/README.md). Checked before code generation so a bad
//! export fails with the node, op or tensor named.

use crate::error::{GenError, Result};
use crate::proto::{GraphInfo, FLOAT, INT64};

/// Standard-domain ops burn-onnx 0.22 (onnx-ir's processor registry) turns into burn code,
/// spelled as ONNX spells them.
pub const SUPPORTED_OPS: &[&str] = &[
    "Abs",
    "Acos",
    "Acosh",
    "Add",
    "And",
    "ArgMax",
    "ArgMin",
    "Asin",
    "Asinh",
    "Atan",
    "Atanh",
    "Attention",
    "AveragePool",
    "BatchNormalization",
    "Bernoulli",
    "BitShift",
    "BitwiseAnd",
    "BitwiseNot",
    "BitwiseOr",
    "BitwiseXor",
    "BlackmanWindow",
    "Cast",
    "CastLike",
    "Ceil",
    "Celu",
    "Clip",
    "Col2Im",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "ConvTranspose",
    "Cos",
    "Cosh",
    "CumSum",
    "DeformConv",
    "DepthToSpace",
    "DequantizeLinear",
    "Det",
    "DFT",
    "Div",
    "Dropout",
    "Einsum",
    "Elu",
    "Equal",
    "Erf",
    "Exp",
    "Expand",
    "EyeLike",
    "Flatten",
    "Floor",
    "Gather",
    "GatherElements",
    "GatherND",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalLpPool",
    "GlobalMaxPool",
    "Greater",
    "GreaterOrEqual",
    "GridSample",
    "GroupNormalization",
    "GRU",
    "HammingWindow",
    "HannWindow",
    "HardSigmoid",
    "HardSwish",
    "Hardmax",
    "Identity",
    "If",
    "InstanceNormalization",
    "IsInf",
    "IsNaN",
    "LayerNormalization",
    "LeakyRelu",
    "Less",
    "LessOrEqual",
    "Log",
    "LogSoftmax",
    "Loop",
    "LpNormalization",
    "LpPool",
    "LRN",
    "LSTM",
    "MatMul",
    "MatMulInteger",
    "Max",
    "MaxPool",
    "Mean",
    "MeanVarianceNormalization",
    "MelWeightMatrix",
    "Min",
    "Mish",
    "Mod",
    "Mul",
    "Neg",
    "NonMaxSuppression",
    "NonZero",
    "Not",
    "OneHot",
    "Or",
    "PRelu",
    "Pad",
    "Pow",
    "QLinearMatMul",
    "QuantizeLinear",
    "RandomNormal",
    "RandomNormalLike",
    "RandomUniform",
    "RandomUniformLike",
    "Range",
    "Reciprocal",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceProd",
    "ReduceSum",
    "ReduceSumSquare",
    "Relu",
    "Reshape",
    "Resize",
    "RNN",
    "Round",
    "Scan",
    "Scatter",
    "ScatterElements",
    "ScatterND",
    "Selu",
    "Shape",
    "Shrink",
    "Sigmoid",
    "Sign",
    "Sin",
    "Sinh",
    "Size",
    "Slice",
    "Softmax",
    "Softplus",
    "Softsign",
    "SpaceToDepth",
    "Split",
    "Sqrt",
    "Squeeze",
    "STFT",
    "Sub",
    "Sum",
    "Swish",
    "Tan",
    "Tanh",
    "ThresholdedRelu",
    "Tile",
    "TopK",
    "Transpose",
    "Trilu",
    "Unique",
    "Unsqueeze",
    "Upsample",
    "Where",
    "Xor",
];

/// The first node whose op the generator cannot handle, as an error naming it.
pub fn check_ops(file: &str, graph: &GraphInfo) -> Result<()> {
    for (i, n) in graph.nodes.iter().enumerate() {
        let standard = n.domain.is_empty() || n.domain == "ai.onnx";
        if !standard || !SUPPORTED_OPS.contains(&n.op_type.as_str()) {
            let op = if standard { n.op_type.clone() } else { format!("{}::{}", n.domain, n.op_type) };
            let node = if n.name.is_empty() { format!("#{i} (unnamed)") } else { n.name.clone() };
            return Err(GenError::UnsupportedOp { file: file.to_string(), node, op });
        }
    }
    Ok(())
}

/// (name, element type, rank) of each input, then of each output, in order.
type Signature = (&'static [(&'static str, i64, usize)], &'static [(&'static str, i64, usize)]);

pub const ENCODER: Signature = (&[("src_ids", INT64, 2), ("src_mask", FLOAT, 2)], &[("memory", FLOAT, 3)]);

pub const DECODER_STEP: Signature = (
    &[
        ("tgt_ids", INT64, 2),
        ("past_keys", FLOAT, 5),
        ("past_values", FLOAT, 5),
        ("memory", FLOAT, 3),
        ("memory_mask", FLOAT, 2),
    ],
    &[("log_probs", FLOAT, 2), ("present_keys", FLOAT, 5), ("present_values", FLOAT, 5), ("attention", FLOAT, 3)],
);

pub fn check_signature(file: &str, graph: &GraphInfo, (inputs, outputs): Signature) -> Result<()> {
    let err = |problem: String| GenError::Contract { file: file.to_string(), problem };
    for (what, want, got) in [("inputs", inputs, &graph.inputs), ("outputs", outputs, &graph.outputs)] {
        let got_names: Vec<&str> = got.iter().map(|v| v.name.as_str()).collect();
        let want_names: Vec<&str> = want.iter().map(|w| w.0).collect();
        if got_names != want_names {
            return Err(err(format!("{what} are {got_names:?}, expected {want_names:?}")));
        }
        for ((name, ty, rank), v) in want.iter().zip(got.iter()) {
            if v.elem_type != *ty {
                return Err(err(format!(
                    "'{name}' has element type {}, expected {}",
                    type_name(v.elem_type),
                    type_name(*ty)
                )));
            }
            if v.rank.is_some_and(|r| r != *rank) {
                return Err(err(format!("'{name}' has rank {}, expected {rank}", v.rank.unwrap_or(0))));
            }
        }
    }
    Ok(())
}

fn type_name(t: i64) -> String {
    match t {
        FLOAT => "float32".into(),
        INT64 => "int64".into(),
        other => format!("ONNX type {other}"),
    }
}
