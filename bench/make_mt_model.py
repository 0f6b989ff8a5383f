#!/usr/bin/env python3
"""Builds a Molecular-Transformer-shaped CTranslate2 model directory without torch.

Shape (Schwaller et al. 2019, as trained with OpenNMT-py 1.x): 4 encoder + 4 decoder layers,
d_model 256, 8 heads, feed-forward 2048, relu, pre-norm with a final layer norm, shared
source/target embeddings (`-share_embeddings`; the generator is separate), sinusoidal
positions stored as OpenNMT-py stores them (interleaved sin/cos, 5000 rows), biases on every
linear layer, OpenNMT-py specials `<unk> <blank> <s> </s>`, decoder starts from `<s>`.

Weights are seeded random with trained-like scales: linear weights N(0, 1/fan_in), biases
N(0, 0.02), layer norms gamma 1 / beta 0, embeddings N(0, 1/d_model) (OpenNMT-py multiplies
them by sqrt(d_model)), generator N(0, (gen_scale)^2/d_model) so the output distribution is
peaked like a trained model's rather than nearly flat.

Output lengths: a random model almost never picks `</s>` (every output would run to
max_length), and a plain `</s>` bias gives all-or-nothing lengths (1 or max_length) under beam
search. So the model carries a clean position signal to the generator: the sin/cos dims of
the low position frequencies (w in [0.005, 0.026] rad/step, 48 of 256 dims) are reserved for
the position encoding in the decoder's residual stream: token embeddings and every sublayer
output leave them (near) zero (std 1e-4, not 0, so int8 scales stay finite). The generator row
of `</s>` reads them as `gain * sum(sin - cos)`, which rises steadily with the step; its bias
is then calibrated (bisection, with CTranslate2 float32 itself, beam 5, length_penalty 0, on
the first --calib-inputs inputs) until the mean output length is about --target-len tokens.
Lengths then spread around the target like products of a trained model do. Both engines run
exactly these weights, so lengths (and tokens/s) stay comparable whatever the calibration
gives. The compute per step is that of the full shape: all matrices stay dense.
The chosen values and the reached lengths are written to `<out>/bench_model.json`.

Usage: make_mt_model.py --inputs fixtures/golden/inputs.txt --out bench/.work/mt-ct2
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np
import ctranslate2
from ctranslate2.specs import common_spec, transformer_spec

SPECIALS = ["<unk>", "<blank>", "<s>", "</s>"]


def vocabulary(inputs_path):
    """Specials, then the inputs' tokens by decreasing frequency (ties: first seen)."""
    counts, order = {}, []
    with open(inputs_path, encoding="utf-8") as f:
        for line in f:
            for tok in line.split():
                if tok not in counts:
                    counts[tok] = 0
                    order.append(tok)
                counts[tok] += 1
    toks = sorted((t for t in order if t not in SPECIALS), key=lambda t: (-counts[t], order.index(t)))
    return SPECIALS + toks


def onmt_positions(rows, d):
    """OpenNMT-py's PositionalEncoding table: even dims sin, odd dims cos (float32)."""
    pos = np.arange(rows, dtype=np.float32)[:, None]
    div = np.exp(np.arange(0, d, 2, dtype=np.float32) * -(math.log(10000.0) / d))
    pe = np.zeros((rows, d), dtype=np.float32)
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)
    return pe


def reserved_dims(d, w_lo, w_hi):
    """Position-encoding dims (sin at 2i, cos at 2i+1) of the frequencies in [w_lo, w_hi]."""
    i = np.arange(d // 2)
    w = np.exp(-(2.0 * i / d) * math.log(10000.0))
    keep = i[(w >= w_lo) & (w <= w_hi)]
    return 2 * keep, 2 * keep + 1


class Init:
    def __init__(self, seed, d, reserved=None):
        self.rng = np.random.default_rng(seed)
        self.d = d
        self.reserved = reserved  # residual dims no sublayer writes to (decoder side)

    def quiet(self, lin_spec, emb=None):
        """Keep a residual writer (output projection rows / embedding columns) off the reserved dims."""
        if self.reserved is None:
            return
        if emb is not None:
            emb[:, self.reserved] = self.normal((emb.shape[0], len(self.reserved)), 1e-4)
            return
        w, b = lin_spec.weight, lin_spec.bias
        w[self.reserved, :] = self.normal((len(self.reserved), w.shape[1]), 1e-4)
        b[self.reserved] = 0.0

    def normal(self, shape, std):
        return (self.rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)

    def linear(self, spec, out_dim, in_dim):
        spec.weight = self.normal((out_dim, in_dim), 1.0 / math.sqrt(in_dim))
        spec.bias = self.normal((out_dim,), 0.02)

    def norm(self, spec):
        spec.gamma = np.ones((self.d,), dtype=np.float32)
        spec.beta = np.zeros((self.d,), dtype=np.float32)

    def attention(self, spec, self_attention, quiet=False):
        d = self.d
        self.norm(spec.layer_norm)
        if self_attention:
            self.linear(spec.linear[0], 3 * d, d)  # fused q, k, v
            self.linear(spec.linear[1], d, d)  # output
            out = spec.linear[1]
        else:
            self.linear(spec.linear[0], d, d)  # q (from the decoder)
            self.linear(spec.linear[1], 2 * d, d)  # fused k, v (from the encoder)
            self.linear(spec.linear[2], d, d)  # output
            out = spec.linear[2]
        if quiet:
            self.quiet(out)

    def ffn(self, spec, ff, quiet=False):
        self.norm(spec.layer_norm)
        self.linear(spec.linear_0, ff, self.d)
        self.linear(spec.linear_1, self.d, ff)
        if quiet:
            self.quiet(spec.linear_1)


def build_spec(vocab, args, eos_bias):
    d, ff, v = args.d_model, args.ff, len(vocab)
    spec = transformer_spec.TransformerSpec.from_config(
        (args.layers, args.layers), args.heads, pre_norm=True, activation=common_spec.Activation.RELU
    )
    sin_dims, cos_dims = reserved_dims(d, args.eos_w_lo, args.eos_w_hi) if args.eos_gain > 0 else ([], [])
    reserved = np.concatenate([sin_dims, cos_dims]) if len(sin_dims) else None
    init = Init(args.seed, d, reserved)
    emb = init.normal((v, d), 1.0 / math.sqrt(d))
    init.quiet(None, emb=emb)
    pe = onmt_positions(args.positions, d)

    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = emb
    enc.position_encodings.encodings = pe
    for layer in enc.layer:
        init.attention(layer.self_attention, True)
        init.ffn(layer.ffn, ff)
    init.norm(enc.layer_norm)

    dec.embeddings.weight = emb  # the same array: saved once, as an alias
    dec.position_encodings.encodings = pe
    for layer in dec.layer:
        init.attention(layer.self_attention, True, quiet=True)
        init.attention(layer.attention, False, quiet=True)
        init.ffn(layer.ffn, ff, quiet=True)
    init.norm(dec.layer_norm)
    gen = init.normal((v, d), args.gen_scale / math.sqrt(d))
    bias = init.normal((v,), 0.02)
    eos = vocab.index("</s>")
    if reserved is not None:
        gen[:, reserved] = 0.0  # only </s> reads the position signal
        gen[eos, :] = 0.0
        gen[eos, sin_dims] = args.eos_gain
        gen[eos, cos_dims] = -args.eos_gain
    bias[eos] = np.float32(eos_bias)
    for tok in ("<unk>", "<blank>", "<s>"):  # a trained model never predicts these
        bias[vocab.index(tok)] = -20.0
    dec.projection.weight = gen
    dec.projection.bias = bias

    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.config.unk_token = "<unk>"
    spec.config.bos_token = "<s>"
    spec.config.eos_token = "</s>"
    spec.config.decoder_start_token = "<s>"
    spec.config.add_source_bos = False
    spec.config.add_source_eos = False
    spec.validate()
    return spec


def mean_len(model_dir, sources, max_length):
    tr = ctranslate2.Translator(model_dir, device="cpu", compute_type="float32", intra_threads=2)
    res = tr.translate_batch(
        sources, beam_size=5, num_hypotheses=1, length_penalty=0.0, max_decoding_length=max_length,
        max_batch_size=30, batch_type="examples",
    )
    lens = [len(r.hypotheses[0]) for r in res]
    return float(np.mean(lens)), lens


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", required=True, help="space-tokenized sources (vocabulary and calibration)")
    ap.add_argument("--out", required=True, help="CTranslate2 model directory to write")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--ff", type=int, default=2048)
    ap.add_argument("--positions", type=int, default=5000, help="position table rows (OpenNMT-py: 5000)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--gen-scale", type=float, default=3.0, help="generator weight std * sqrt(d_model)")
    ap.add_argument("--eos-gain", type=float, default=1.0, help="weight of the position signal in the </s> logit (0: plain random generator)")
    ap.add_argument("--eos-w-lo", type=float, default=0.005)
    ap.add_argument("--eos-w-hi", type=float, default=0.026)
    ap.add_argument("--target-len", type=float, default=40.0, help="mean output length to calibrate for (0: no calibration)")
    ap.add_argument("--eos-bias", type=float, default=None, help="use this </s> bias, skip calibration")
    ap.add_argument("--calib-inputs", type=int, default=20)
    ap.add_argument("--bias-range", type=float, nargs=2, default=[0.0, 16.0])
    ap.add_argument("--max-length", type=int, default=60)
    args = ap.parse_args()

    vocab = vocabulary(args.inputs)
    with open(args.inputs, encoding="utf-8") as f:
        sources = [l.split() for l in f if l.strip()][: args.calib_inputs]

    def write(bias, out):
        if os.path.exists(out):
            shutil.rmtree(out)
        os.makedirs(out)
        build_spec(vocab, args, bias).save(out)

    calibration = []
    if args.eos_bias is not None or args.target_len <= 0:
        bias = args.eos_bias or 0.0
    else:
        # Mean length decreases with the bias: bisect on [lo, hi].
        lo, hi = args.bias_range
        bias, best = None, None
        with tempfile.TemporaryDirectory() as tmp:
            probe = os.path.join(tmp, "m")
            for _ in range(9):
                mid = (lo + hi) / 2
                write(mid, probe)
                m, _ = mean_len(probe, sources, args.max_length)
                calibration.append({"eos_bias": mid, "mean_len": m})
                print(f"calibrate: </s> bias {mid:.3f} -> mean length {m:.1f}", file=sys.stderr)
                if best is None or abs(m - args.target_len) < abs(best - args.target_len):
                    bias, best = mid, m
                if abs(m - args.target_len) < 1.5:
                    break
                if m > args.target_len:
                    lo = mid
                else:
                    hi = mid

    write(bias, args.out)
    reserved = reserved_dims(args.d_model, args.eos_w_lo, args.eos_w_hi)[0] if args.eos_gain > 0 else None
    if reserved is not None:
        reserved = np.concatenate([reserved, reserved])
    m, lens = mean_len(args.out, sources, args.max_length)
    meta = {
        "shape": {"layers": [args.layers, args.layers], "d_model": args.d_model, "heads": args.heads,
                  "ff": args.ff, "vocab": len(vocab), "positions": args.positions,
                  "pre_norm": True, "activation": "relu", "shared_embeddings": True},
        "seed": args.seed, "gen_scale": args.gen_scale, "eos_bias": bias, "eos_gain": args.eos_gain,
        "eos_frequencies": [args.eos_w_lo, args.eos_w_hi], "reserved_dims": 0 if reserved is None else len(reserved),
        "calibration": {"inputs": len(sources), "beam_size": 5, "max_length": args.max_length,
                        "target_len": args.target_len, "steps": calibration,
                        "mean_len": m, "min_len": min(lens), "max_len": max(lens)},
        "ctranslate2": ctranslate2.__version__, "numpy": np.__version__,
    }
    with open(os.path.join(args.out, "bench_model.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {args.out}: vocab {len(vocab)}, </s> bias {bias:.3f}, mean beam-5 length {m:.1f} "
          f"(min {min(lens)}, max {max(lens)}) on {len(sources)} inputs", file=sys.stderr)


if __name__ == "__main__":
    main()
