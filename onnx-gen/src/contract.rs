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

/// Source ids and mask to every decoder layer's cross-attention keys and values
/// `[L,B,H,S,Dh]`: computed once per source, not by every decoder step.
pub const ENCODER: Signature =
    (&[("src_ids", INT64, 2), ("src_mask", FLOAT, 2)], &[("cross_keys", FLOAT, 5), ("cross_values", FLOAT, 5)]);

/// One step of R = B x W rows (grouped by source) over the self-attention cache and the
/// sources' cross-attention keys, values and mask; it returns only its own self-attention keys
/// and values `[L,R,H,1,Dh]`, which the caller appends to the cache.
pub const DECODER_STEP: Signature = (
    &[
        ("tgt_ids", INT64, 2),
        ("past_keys", FLOAT, 5),
        ("past_values", FLOAT, 5),
        ("cross_keys", FLOAT, 5),
        ("cross_values", FLOAT, 5),
        ("memory_mask", FLOAT, 2),
    ],
    &[("log_probs", FLOAT, 2), ("step_keys", FLOAT, 5), ("step_values", FLOAT, 5), ("attention", FLOAT, 3)],
);

/// Names, element types and ranks against the contract; the problem names the first input or
/// output that is missing, unexpected, out of order or mis-typed.
pub fn check_signature(file: &str, graph: &GraphInfo, (inputs, outputs): Signature) -> Result<()> {
    let err = |problem: String| GenError::Contract { file: file.to_string(), problem };
    for (what, want, got) in [("input", inputs, &graph.inputs), ("output", outputs, &graph.outputs)] {
        let got_names: Vec<&str> = got.iter().map(|v| v.name.as_str()).collect();
        let want_names: Vec<&str> = want.iter().map(|w| w.0).collect();
        let listing = format!("the {what}s are {got_names:?}, expected {want_names:?}");
        if let Some((name, ty, rank)) = want.iter().find(|w| !got_names.contains(&w.0)) {
            let hint = old_contract_hint(&got_names);
            return Err(err(format!("{what} '{name}' ({}, rank {rank}) is missing: {listing}{hint}", type_name(*ty))));
        }
        if let Some(name) = got_names.iter().find(|n| !want_names.contains(n)) {
            let hint = old_contract_hint(&got_names);
            return Err(err(format!("unexpected {what} '{name}': {listing}{hint}")));
        }
        // The generated forward() takes and returns them positionally, in graph order.
        if got_names != want_names {
            return Err(err(format!("{listing}: same names, another order")));
        }
        for ((name, ty, rank), v) in want.iter().zip(got.iter()) {
            if v.elem_type != *ty {
                return Err(err(format!(
                    "{what} '{name}' has element type {}, expected {}",
                    type_name(v.elem_type),
                    type_name(*ty)
                )));
            }
            if let Some(r) = v.rank.filter(|r| r != rank) {
                return Err(err(format!("{what} '{name}' has rank {r}, expected {rank}")));
            }
        }
    }
    Ok(())
}

/// Graphs exported for the earlier contract pass `memory` between the two graphs and return
/// the whole grown cache (`present_keys`): say so rather than leave a bare name mismatch.
fn old_contract_hint(names: &[&str]) -> &'static str {
    if names.iter().any(|n| ["memory", "present_keys", "present_values"].contains(n)) {
        " (the earlier contract's names: re-export with tools/onnx/export.py, whose encoder emits \
         cross_keys and cross_values and whose step returns step_keys and step_values)"
    } else {
        ""
    }
}

fn type_name(t: i64) -> String {
    match t {
        FLOAT => "float32".into(),
        INT64 => "int64".into(),
        other => format!("ONNX type {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ValueInfo;

    fn values(sig: &[(&str, i64, usize)]) -> Vec<ValueInfo> {
        sig.iter().map(|&(n, t, r)| ValueInfo { name: n.into(), elem_type: t, rank: Some(r) }).collect()
    }

    fn graph((inputs, outputs): Signature) -> GraphInfo {
        GraphInfo { nodes: vec![], inputs: values(inputs), outputs: values(outputs) }
    }

    fn problem(g: &GraphInfo, sig: Signature) -> String {
        check_signature("step.onnx", g, sig).expect_err("must be refused").to_string()
    }

    #[test]
    fn the_contract_itself_passes() {
        check_signature("encoder.onnx", &graph(ENCODER), ENCODER).expect("encoder");
        check_signature("step.onnx", &graph(DECODER_STEP), DECODER_STEP).expect("step");
    }

    #[test]
    fn an_old_contract_step_is_named_as_such() {
        let mut g = graph(DECODER_STEP);
        g.inputs.retain(|v| !v.name.starts_with("cross_"));
        g.inputs.insert(3, ValueInfo { name: "memory".into(), elem_type: FLOAT, rank: Some(3) });
        let m = problem(&g, DECODER_STEP);
        assert!(m.starts_with("step.onnx: does not follow Retort's ONNX contract: input 'cross_keys'"), "{m}");
        assert!(m.contains("(float32, rank 5) is missing") && m.contains("the earlier contract's names"), "{m}");
    }

    #[test]
    fn missing_unexpected_reordered_and_mistyped_are_named() {
        let mut g = graph(ENCODER);
        g.outputs.pop();
        assert!(problem(&g, ENCODER).contains("output 'cross_values' (float32, rank 5) is missing"));

        let mut g = graph(DECODER_STEP);
        g.outputs.push(ValueInfo { name: "hidden".into(), elem_type: FLOAT, rank: Some(3) });
        assert!(problem(&g, DECODER_STEP).contains("unexpected output 'hidden'"));

        let mut g = graph(DECODER_STEP);
        g.outputs[1].name = "present_keys".into();
        let m = problem(&g, DECODER_STEP);
        assert!(m.contains("output 'step_keys' (float32, rank 5) is missing") && m.contains("earlier contract"), "{m}");

        let mut g = graph(DECODER_STEP);
        g.inputs.swap(3, 4);
        assert!(problem(&g, DECODER_STEP).contains("same names, another order"));

        let mut g = graph(DECODER_STEP);
        g.inputs[4].elem_type = INT64;
        assert!(problem(&g, DECODER_STEP).contains("input 'cross_values' has element type int64, expected float32"));

        let mut g = graph(DECODER_STEP);
        g.inputs[5].rank = Some(3);
        assert!(problem(&g, DECODER_STEP).contains("input 'memory_mask' has rank 3, expected 2"));
    }
}
