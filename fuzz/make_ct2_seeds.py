#!/usr/bin/env python3
"""Writes the ct2_model_bin seeds: tiny CTranslate2 model.bin files (binary version 6, spec
TransformerSpec revision 7, 1+1 layers, d_model 8) sized for the fuzz target's fixed vocabulary
(fixtures/ct2/onmt12-f32/shared_vocabulary.json), float32 and int8 with a tied projection.
The layout follows the writer in model-import/tests/ctranslate2_import.rs. Deterministic.
Usage: fuzz/make_ct2_seeds.py   (from anywhere; writes fuzz/corpus/ct2_model_bin/)"""
import json
import pathlib
import random
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
VOCAB = len(json.loads((ROOT / "fixtures/ct2/onmt12-f32/shared_vocabulary.json").read_text()))
D, FF, HEADS = 8, 16, 2


def write(int8, tied):
    rng = random.Random(7)
    variables, aliases = [], []

    def raw(name, shape, dtype, data):
        variables.append((name, shape, dtype, data))

    def f32s(name, shape, values):
        raw(name, shape, 0, struct.pack(f"<{len(values)}f", *values))

    def weight(name, rows, cols):
        values = [rng.uniform(-0.5, 0.5) for _ in range(rows * cols)]
        if not int8:
            return f32s(name, [rows, cols], values)
        q, scales = [], []
        for r in range(rows):
            row = values[r * cols:(r + 1) * cols]
            scale = 127.0 / max(abs(x) for x in row)
            q += [round(x * scale) for x in row]
            scales.append(scale)
        raw(name, [rows, cols], 1, struct.pack(f"<{len(q)}b", *q))
        f32s(f"{name}_scale", [rows], scales)

    def linear(name, rows, cols):
        weight(f"{name}/weight", rows, cols)
        f32s(f"{name}/bias", [rows], [0.0] * rows)

    def norm(name):
        f32s(f"{name}/gamma", [D], [1.0] * D)
        f32s(f"{name}/beta", [D], [0.0] * D)

    for scope in ["encoder", "decoder"]:
        raw(f"{scope}/num_heads", [], 2, struct.pack("<h", HEADS))
        for flag, value in [("pre_norm", 1), ("activation", 0), ("scale_embeddings", 1)]:
            raw(f"{scope}/{flag}", [], 1, struct.pack("<b", value))
    raw("encoder/embeddings_merge", [], 1, b"\0")
    raw("encoder/multi_query_attention", [], 1, b"\0")
    raw("decoder/alignment_layer", [], 2, struct.pack("<h", -1))
    raw("decoder/alignment_heads", [], 2, struct.pack("<h", 1))
    for flag in ["alibi", "alibi_use_positive_positions", "scale_alibi", "start_from_zero_embedding"]:
        raw(f"decoder/{flag}", [], 1, b"\0")
    weight("encoder/embeddings_0/weight", VOCAB, D)
    weight("decoder/embeddings/weight", VOCAB, D)
    norm("encoder/layer_norm")
    norm("decoder/layer_norm")
    if tied:
        aliases.append(("decoder/projection/weight", "decoder/embeddings/weight"))
    else:
        weight("decoder/projection/weight", VOCAB, D)
    f32s("decoder/projection/bias", [VOCAB], [0.0] * VOCAB)
    for side in ["encoder", "decoder"]:
        p = f"{side}/layer_0"
        linear(f"{p}/self_attention/linear_0", 3 * D, D)
        linear(f"{p}/self_attention/linear_1", D, D)
        norm(f"{p}/self_attention/layer_norm")
        if side == "decoder":
            linear(f"{p}/attention/linear_0", D, D)
            linear(f"{p}/attention/linear_1", 2 * D, D)
            linear(f"{p}/attention/linear_2", D, D)
            norm(f"{p}/attention/layer_norm")
        linear(f"{p}/ffn/linear_0", FF, D)
        linear(f"{p}/ffn/linear_1", D, FF)
        norm(f"{p}/ffn/layer_norm")
    variables.sort(key=lambda v: v[0])

    def string(s):
        b = s.encode() + b"\0"
        return struct.pack("<H", len(b)) + b

    out = struct.pack("<I", 6) + string("TransformerSpec") + struct.pack("<I", 7)
    out += struct.pack("<I", len(variables))
    for name, shape, dtype, data in variables:
        out += string(name) + struct.pack("<B", len(shape)) + b"".join(struct.pack("<I", d) for d in shape)
        out += struct.pack("<BI", dtype, len(data)) + data
    out += struct.pack("<I", len(aliases)) + b"".join(string(a) + string(t) for a, t in aliases)
    return out


corpus = ROOT / "fuzz/corpus/ct2_model_bin"
corpus.mkdir(parents=True, exist_ok=True)
(corpus / "v6-f32.bin").write_bytes(write(int8=False, tied=False))
(corpus / "v6-int8-tied.bin").write_bytes(write(int8=True, tied=True))
