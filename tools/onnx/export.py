#!/usr/bin/env python3
"""Exports a Transformer seq2seq model to Retort's ONNX contract (see tools/onnx/README.md):

  encoder.onnx       src_ids [B,S] int64, src_mask [B,S] float (1 = token, 0 = pad)
                     -> cross_keys / cross_values [L,B,H,S,Dh] (every decoder layer's
                        cross-attention keys and values, computed once per source)
  decoder_step.onnx  tgt_ids [R,1] int64 (the last target token of each row),
                     past_keys / past_values [L,R,H,T,Dh] (self-attention cache, T may be 0),
                     cross_keys / cross_values [L,B,H,S,Dh], memory_mask [B,S]
                     -> log_probs [R,V], step_keys / step_values [L,R,H,1,Dh] (this step's
                        self-attention keys and values: the caller appends them to its cache),
                        attention [R,H,S] (last decoder layer's cross-attention)

R = B x W: the rows come grouped by source, W (the beam width) consecutive rows each, so row
r reads source r / W's keys and values, which the step broadcasts instead of copying per row.
B, S, T and W are dynamic. The decoder's position is T (the cache length), so a step needs no
separate position input.

Sources:
  --annalog CKPT VOCAB    an ANNalog checkpoint (state dict) and its vocabulary pickle
  --retort BUNDLE         a float32 Retort bundle (e.g. `retort import model.pt -o m.retort`
                          for an OpenNMT-py checkpoint): canonical tensor names + spec

The exported graphs are built from one PyTorch module (`ContractModel`) that reads weights by
Retort's canonical names; for ANNalog the script checks it against ANNalog's own model before
exporting.
"""

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

OPSET = 17


# ---------------------------------------------------------------------------------------------
# weights by canonical name


def annalog_weights(ckpt):
    """ANNalog's state dict under Retort's canonical names, plus its spec."""
    sd = torch.load(ckpt, map_location="cpu")
    w = {
        "src_emb": sd["encoder.tok_embedding.weight"],
        "tgt_emb": sd["decoder.tok_embedding.weight"],
        "enc.pos": sd["encoder.pos_embedding.weight"],
        "dec.pos": sd["decoder.pos_embedding.weight"],
        "generator.weight": sd["decoder.fc_out.weight"],
        "generator.bias": sd["decoder.fc_out.bias"],
    }
    attn = {"q": "fc_q", "k": "fc_k", "v": "fc_v", "o": "fc_o"}

    def lin(dst, src):
        w[f"{dst}.weight"] = sd[f"{src}.weight"]
        w[f"{dst}.bias"] = sd[f"{src}.bias"]

    enc_layers = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("encoder.layers."))
    dec_layers = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("decoder.layers."))
    for i in range(enc_layers):
        s = f"encoder.layers.{i}"
        for c, a in attn.items():
            lin(f"enc.layers.{i}.self_attn.{c}", f"{s}.self_attention.{a}")
        lin(f"enc.layers.{i}.norm_attn", f"{s}.self_attn_layer_norm")
        lin(f"enc.layers.{i}.ffn.w1", f"{s}.positionwise_feedforward.fc_1")
        lin(f"enc.layers.{i}.ffn.w2", f"{s}.positionwise_feedforward.fc_2")
        lin(f"enc.layers.{i}.norm_ffn", f"{s}.ff_layer_norm")
    for i in range(dec_layers):
        s = f"decoder.layers.{i}"
        for c, a in attn.items():
            lin(f"dec.layers.{i}.self_attn.{c}", f"{s}.self_attention.{a}")
            lin(f"dec.layers.{i}.cross_attn.{c}", f"{s}.encoder_attention.{a}")
        lin(f"dec.layers.{i}.norm_self", f"{s}.self_attn_layer_norm")
        lin(f"dec.layers.{i}.norm_cross", f"{s}.enc_attn_layer_norm")
        lin(f"dec.layers.{i}.ffn.w1", f"{s}.positionwise_feedforward.fc_1")
        lin(f"dec.layers.{i}.ffn.w2", f"{s}.positionwise_feedforward.fc_2")
        lin(f"dec.layers.{i}.norm_ffn", f"{s}.ff_layer_norm")
    d = w["src_emb"].shape[1]
    spec = {
        "d_model": d,
        "heads": 8,  # ANNalog's handler hard-codes 8 heads; the state dict cannot tell
        "encoder_layers": enc_layers,
        "decoder_layers": dec_layers,
        "norm": "post",
        "layer_norm_eps": 1e-5,
        "activation": "relu",
        "embedding_scale": math.sqrt(d),
        "attention_bias": True,
        "ffn_bias": True,
        "generator_bias": True,
        "tied_generator": False,
        "shared_embeddings": False,
    }
    return {k: v.float().contiguous() for k, v in w.items()}, spec


def retort_weights(path):
    """A float32 Retort bundle (safetensors + metadata) without any safetensors dependency."""
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["retort.meta"])
    payload = raw[8 + n :]
    w = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in ("F32", "F16"):
            sys.exit(f"{path}: tensor {name} has dtype {info['dtype']}")
        a, b = info["data_offsets"]
        dtype = torch.float32 if info["dtype"] == "F32" else torch.float16
        t = torch.frombuffer(bytearray(payload[a:b]), dtype=dtype).reshape(info["shape"]).float()
        w[name] = t
    spec = dict(meta["spec"])
    spec["tied_generator"] = spec.get("tied_generator", False)
    if spec["architecture"] != "transformer":
        sys.exit(f"{path}: architecture {spec['architecture']}")
    if spec.get("shared_embeddings"):
        w["tgt_emb"] = w["src_emb"]
    if spec.get("tied_generator"):
        w["generator.weight"] = w["tgt_emb"]
    return w, spec, meta


# ---------------------------------------------------------------------------------------------
# the contract module


class ContractModel(torch.nn.Module):
    """A Transformer that reads canonical weights and computes what the ONNX contract says,
    with pre- or post-norm, learned or tabled positions, ReLU or GELU."""

    def __init__(self, w, spec):
        super().__init__()
        self.s = spec
        self.w = {k: torch.nn.Parameter(v, requires_grad=False) for k, v in w.items()}
        for i, (k, p) in enumerate(sorted(self.w.items())):
            self.register_parameter(k.replace(".", "__"), p)
        self.heads = spec["heads"]
        self.d = spec["d_model"]
        self.dh = self.d // self.heads
        self.pre = spec["norm"] == "pre"

    def lin(self, name, x):
        b = self.w.get(f"{name}.bias")
        return F.linear(x, self.w[f"{name}.weight"], b)

    def norm(self, name, x):
        return F.layer_norm(x, (self.d,), self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.s["layer_norm_eps"])

    def act(self, x):
        a = self.s.get("activation", "relu")
        if a == "relu":
            return torch.relu(x)
        if a == "gelu":
            return F.gelu(x)
        return F.gelu(x, approximate="tanh")

    def ffn(self, name, x):
        return self.lin(f"{name}.w2", self.act(self.lin(f"{name}.w1", x)))

    def heads_of(self, x):
        b = x.shape[0]
        return x.reshape(b, -1, self.heads, self.dh).transpose(1, 2)

    def attend(self, q, k, v, bias):
        scores = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(self.dh))
        if bias is not None:
            scores = scores + bias
        p = torch.softmax(scores, dim=-1)
        return torch.matmul(p, v), p

    def join(self, x):
        b = x.shape[0]
        return x.transpose(1, 2).reshape(b, -1, self.d)

    def attend_cached(self, q, past_k, past_v, k, v):
        """Self-attention of one step over the cache and the step's own key and value, without
        concatenating them: a concatenation would copy the whole cache in every layer at every
        step. Only the [R,H,1,T+1] scores are joined for the softmax."""
        scale = 1.0 / math.sqrt(self.dh)
        t = past_k.shape[2]
        scores = torch.cat([torch.matmul(q, past_k.transpose(2, 3)), torch.matmul(q, k.transpose(2, 3))], dim=-1)
        p = torch.softmax(scores * scale, dim=-1)
        return torch.matmul(p[..., :t], past_v) + p[..., t : t + 1] * v

    def cross_kv(self, memory):
        """Every decoder layer's cross-attention keys and values, [L,B,H,S,Dh] each: what the
        encoder graph emits, so no decoder step recomputes them from the memory."""
        layers = range(self.s["decoder_layers"])
        keys = [self.heads_of(self.lin(f"dec.layers.{i}.cross_attn.k", memory)) for i in layers]
        values = [self.heads_of(self.lin(f"dec.layers.{i}.cross_attn.v", memory)) for i in layers]
        return torch.stack(keys, 0), torch.stack(values, 0)

    def cross_attend(self, q, k, v, bias):
        """Cross-attention of R = B x W grouped rows (`q` [R,1,D]) over their sources' keys and
        values (`k`, `v` [B,H,S,Dh]): the W rows of a source become one [W,Dh] block of queries,
        so each source's keys and values serve all its rows without being copied per row.
        Returns the context [R,1,D] and the probabilities [R,H,S]."""
        b = k.shape[0]
        q = q.reshape(b, -1, self.heads, self.dh).transpose(1, 2)  # [B,H,W,Dh]
        ctx, p = self.attend(q, k, v, bias)  # [B,H,W,Dh], [B,H,W,S]
        ctx = ctx.transpose(1, 2).reshape(-1, 1, self.d)
        p = p.transpose(1, 2).reshape(-1, self.heads, k.shape[2])
        return ctx, p

    def sublayer(self, x, norm, f):
        if self.pre:
            return x + f(self.norm(norm, x))
        return self.norm(norm, x + f(x))

    @staticmethod
    def mask_bias(mask):
        # log(1) = 0 where attended, log(0) = -inf on padding. A finite constant would not do:
        # ANNalog's attention logits reach 4e6, and -1e9 would not survive float16 storage.
        return torch.log(mask).unsqueeze(1).unsqueeze(2)

    def encode(self, src_ids, src_mask):
        s = src_ids.shape[1]
        x = F.embedding(src_ids, self.w["src_emb"]) * self.s["embedding_scale"] + self.w["enc.pos"][:s]
        bias = self.mask_bias(src_mask)
        for i in range(self.s["encoder_layers"]):
            p = f"enc.layers.{i}"

            def sa(h, p=p):
                q, k, v = (self.heads_of(self.lin(f"{p}.self_attn.{c}", h)) for c in "qkv")
                return self.lin(f"{p}.self_attn.o", self.join(self.attend(q, k, v, bias)[0]))

            x = self.sublayer(x, f"{p}.norm_attn", sa)
            x = self.sublayer(x, f"{p}.norm_ffn", lambda h, p=p: self.ffn(f"{p}.ffn", h))
        if self.pre:
            x = self.norm("enc.norm", x)
        return x

    def step(self, tgt_ids, past_keys, past_values, cross_keys, cross_values, memory_mask):
        t = past_keys.shape[3]
        x = F.embedding(tgt_ids, self.w["tgt_emb"]) * self.s["embedding_scale"] + self.w["dec.pos"][t : t + 1]
        # [B,1,1,S]: one row per source, broadcast over its W rows by `cross_attend`
        bias = self.mask_bias(memory_mask)
        keys, values, attn = [], [], None
        for i in range(self.s["decoder_layers"]):
            p = f"dec.layers.{i}"

            def sa(h, p=p, i=i):
                q, k, v = (self.heads_of(self.lin(f"{p}.self_attn.{c}", h)) for c in "qkv")
                keys.append(k)
                values.append(v)
                ctx = self.attend_cached(q, past_keys[i], past_values[i], k, v)
                return self.lin(f"{p}.self_attn.o", self.join(ctx))

            def ca(h, p=p, i=i):
                nonlocal attn
                q = self.lin(f"{p}.cross_attn.q", h)
                ctx, attn = self.cross_attend(q, cross_keys[i], cross_values[i], bias)
                return self.lin(f"{p}.cross_attn.o", ctx)

            x = self.sublayer(x, f"{p}.norm_self", sa)
            x = self.sublayer(x, f"{p}.norm_cross", ca)
            x = self.sublayer(x, f"{p}.norm_ffn", lambda h, p=p: self.ffn(f"{p}.ffn", h))
        if self.pre:
            x = self.norm("dec.norm", x)
        logits = self.lin("generator", x[:, 0])
        # only this step's keys and values: the caller appends them to its cache
        return (
            torch.log_softmax(logits, dim=-1),
            torch.stack(keys, 0),
            torch.stack(values, 0),
            attn,
        )


class EncoderGraph(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, src_ids, src_mask):
        return self.m.cross_kv(self.m.encode(src_ids, src_mask))


class StepGraph(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, tgt_ids, past_keys, past_values, cross_keys, cross_values, memory_mask):
        return self.m.step(tgt_ids, past_keys, past_values, cross_keys, cross_values, memory_mask)


def grow(cache, step):
    """The self-attention cache [L,R,H,T,Dh] with a step's keys or values [L,R,H,1,Dh] added."""
    return torch.cat([cache, step], dim=3)


def empty_cache(m, rows):
    s = m.s
    return torch.zeros(s["decoder_layers"], rows, m.heads, 0, m.dh)


def export(m, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    src = torch.tensor([[2, 5, 6, 7, 3], [2, 5, 3, 1, 1]])
    mask = (src != 1).float()
    with torch.no_grad():
        ck, cv = m.cross_kv(m.encode(src, mask))
        torch.onnx.export(
            EncoderGraph(m), (src, mask), str(out_dir / "encoder.onnx"),
            input_names=["src_ids", "src_mask"], output_names=["cross_keys", "cross_values"],
            dynamic_axes={
                "src_ids": {0: "B", 1: "S"},
                "src_mask": {0: "B", 1: "S"},
                "cross_keys": {1: "B", 3: "S"},
                "cross_values": {1: "B", 3: "S"},
            },
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )
        # trace with a non-empty cache so T is not specialized to 0, and with two rows per
        # source so the grouping (R = B x W) is not specialized to one
        rows = 2 * src.shape[0]
        pk = torch.randn(m.s["decoder_layers"], rows, m.heads, 3, m.dh)
        pv = torch.randn_like(pk)
        tgt = torch.tensor([[2], [5], [6], [7]])
        torch.onnx.export(
            StepGraph(m), (tgt, pk, pv, ck, cv, mask), str(out_dir / "decoder_step.onnx"),
            input_names=["tgt_ids", "past_keys", "past_values", "cross_keys", "cross_values", "memory_mask"],
            output_names=["log_probs", "step_keys", "step_values", "attention"],
            dynamic_axes={
                "tgt_ids": {0: "R"},
                "past_keys": {1: "R", 3: "T"},
                "past_values": {1: "R", 3: "T"},
                "cross_keys": {1: "B", 3: "S"},
                "cross_values": {1: "B", 3: "S"},
                "memory_mask": {0: "B", 1: "S"},
                "log_probs": {0: "R"},
                "step_keys": {1: "R"},
                "step_values": {1: "R"},
                "attention": {0: "R", 2: "S"},
            },
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )


# ---------------------------------------------------------------------------------------------
# checks against the original model


def check_annalog(m, ckpt, vocab):
    """The contract module must compute what ANNalog's own model computes (teacher-forced)."""
    from annalog.model_handler import SMILESModelHandler

    h = SMILESModelHandler(vocab, vocab, ckpt, device="cpu")
    ref = h.model
    src_f = h.SRC
    smiles = ["CC(=O)Nc1ccc(O)cc1", "c1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"]
    src = src_f.process([src_f.preprocess(s) for s in smiles])
    mask = (src != ref.src_pad_idx).float()
    trg = torch.tensor([[2, 5, 5, 9, 4], [2, 4, 4, 4, 4], [2, 12, 5, 5, 6]])
    with torch.no_grad():
        want, want_attn = ref(src, trg)
        want = torch.log_softmax(want, -1)
        ck, cv = m.cross_kv(m.encode(src, mask))
        pk = empty_cache(m, len(smiles))
        pv = pk.clone()
        worst = 0.0
        for t in range(trg.shape[1]):
            lp, sk, sv, attn = m.step(trg[:, t : t + 1], pk, pv, ck, cv, mask)
            pk, pv = grow(pk, sk), grow(pv, sv)
            worst = max(worst, (lp - want[:, t]).abs().max().item())
            worst = max(worst, (attn - want_attn[:, :, t]).abs().max().item())
    print(f"contract module vs ANNalog's model: max |diff| {worst:.2e}")
    if worst > 1e-4:
        sys.exit("contract module does not reproduce ANNalog's model")


def check_grouped_rows(m):
    """Rows grouped W to a source (as beam search sends them) must decode as if each row had
    its own copy of its source's keys and values: the broadcast in `cross_attend` must pair
    row r with source r / W."""
    src = torch.tensor([[2, 5, 6, 7, 3], [2, 9, 3, 1, 1]])
    mask = (src != 1).float()
    width = 3
    tgt = torch.tensor([[2, 5, 6], [2, 7, 8], [2, 4, 4], [2, 9, 5], [2, 6, 6], [2, 5, 4]])
    with torch.no_grad():
        grouped = m.cross_kv(m.encode(src, mask))
        copied = tuple(t.repeat_interleave(width, dim=1) for t in grouped)
        mask_copied = mask.repeat_interleave(width, dim=0)
        caches = [(empty_cache(m, len(tgt)), empty_cache(m, len(tgt))) for _ in range(2)]
        worst = 0.0
        for t in range(tgt.shape[1]):
            ids = tgt[:, t : t + 1]
            a = m.step(ids, *caches[0], *grouped, mask)
            b = m.step(ids, *caches[1], *copied, mask_copied)
            worst = max([worst] + [(x - y).abs().max().item() for x, y in zip(a, b)])
            caches = [(grow(c[0], o[1]), grow(c[1], o[2])) for c, o in zip(caches, (a, b))]
    print(f"grouped rows vs one source copy per row: max |diff| {worst:.2e}")
    if worst > 1e-4:
        sys.exit("grouped rows do not decode like rows with their own source copies")


def check_onnx_matches(m, out_dir):
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not installed: skipping the ONNX Runtime check")
        return
    enc = ort.InferenceSession(str(out_dir / "encoder.onnx"))
    dec = ort.InferenceSession(str(out_dir / "decoder_step.onnx"))
    src = torch.tensor([[2, 5, 6, 7, 8, 3], [2, 9, 3, 1, 1, 1]])
    mask = (src != 1).float()
    ck, cv = enc.run(None, {"src_ids": src.numpy(), "src_mask": mask.numpy()})
    with torch.no_grad():
        want = m.cross_kv(m.encode(src, mask))
    print("onnxruntime encoder max |diff|", max(abs(ck - want[0].numpy()).max(), abs(cv - want[1].numpy()).max()))
    pk = empty_cache(m, 4).numpy()  # two rows per source
    pv = pk.copy()
    for tok in [2, 5, 6]:
        ids = torch.full((4, 1), tok).numpy()
        feed = {"tgt_ids": ids, "past_keys": pk, "past_values": pv, "cross_keys": ck, "cross_values": cv}
        lp, sk, sv, at = dec.run(None, {**feed, "memory_mask": mask.numpy()})
        with torch.no_grad():
            args = [torch.from_numpy(x) for x in feed.values()]
            w = m.step(*args, mask)
        print("onnxruntime step max |diff|", abs(lp - w[0].numpy()).max())
        pk, pv = np.concatenate([pk, sk], axis=3), np.concatenate([pv, sv], axis=3)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--annalog", nargs=2, metavar=("CKPT", "VOCAB"))
    g.add_argument("--retort", metavar="BUNDLE")
    ap.add_argument("--f16-weights", action="store_true", help="round weights to float16 first (as an f16 bundle stores them)")
    ap.add_argument("-o", "--out", required=True, type=Path)
    a = ap.parse_args()
    if a.annalog:
        w, spec = annalog_weights(a.annalog[0])
    else:
        w, spec, _ = retort_weights(a.retort)
    if a.f16_weights:
        w = {k: v.half().float() for k, v in w.items()}
    m = ContractModel(w, spec).eval()
    if a.annalog and not a.f16_weights:
        check_annalog(m, *a.annalog)
    check_grouped_rows(m)
    export(m, a.out)
    check_onnx_matches(m, a.out)
    import onnx

    for f in ["encoder.onnx", "decoder_step.onnx"]:
        g = onnx.load(str(a.out / f)).graph
        ops = sorted({n.op_type for n in g.node})
        print(f"{f}: {len(g.node)} nodes, ops {' '.join(ops)}")


if __name__ == "__main__":
    main()
