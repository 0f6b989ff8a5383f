#!/usr/bin/env python3
"""Writes tiny_encoder.onnx: the smallest graph with the encoder's side of Retort's ONNX
contract (src_ids, src_mask -> cross_keys, cross_values [L,B,H,S,Dh], here L = H = 1,
Dh = 2). onnx_models.rs offers it as a decoder step too, to see the mismatch named.
Needs only `onnx`."""

from pathlib import Path

import onnx
from onnx import TensorProto, helper

src_ids = helper.make_tensor_value_info("src_ids", TensorProto.INT64, ["B", "S"])
src_mask = helper.make_tensor_value_info("src_mask", TensorProto.FLOAT, ["B", "S"])
outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, "B", 1, "S", 2]) for n in ("cross_keys", "cross_values")]
emb = helper.make_tensor("emb", TensorProto.FLOAT, [3, 2], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5])
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [2])
outer = helper.make_tensor("outer", TensorProto.INT64, [2], [0, 2])
nodes = [
    helper.make_node("Gather", ["emb", "src_ids"], ["e"]),
    helper.make_node("Unsqueeze", ["src_mask", "axes"], ["m3"]),
    helper.make_node("Mul", ["e", "m3"], ["memory"]),
    helper.make_node("Unsqueeze", ["memory", "outer"], ["cross_keys"]),
    helper.make_node("Identity", ["cross_keys"], ["cross_values"]),
]
graph = helper.make_graph(nodes, "tiny", [src_ids, src_mask], outs, [emb, axes, outer])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="")
onnx.checker.check_model(model)
onnx.save(model, str(Path(__file__).with_name("tiny_encoder.onnx")))
