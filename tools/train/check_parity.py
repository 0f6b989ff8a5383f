#!/usr/bin/env python3
"""Does Retort run the trained model as PyTorch does? Scores Retort's predictions in PyTorch.

    retort translate -m model.retort inputs.smi --format jsonl --beam-size 5 --n-best 5 > out.jsonl
    .venv-train/bin/python tools/train/check_parity.py --checkpoint model.pt --jsonl out.jsonl

For every prediction, the teacher-forced log-probability of its tokens plus </s> (none when
the hypothesis was cut at --max-length) under the
PyTorch model (f32, eval mode) is compared with the score Retort reported (the bundle's default
length penalty, none, makes that score the same sum). Exits non-zero above --tolerance.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mt_model import BOS, EOS, UNK, MolecularTransformer  # noqa: E402


def load(checkpoint):
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    vocab = ck["vocab"]["src"]
    model = MolecularTransformer(len(vocab))
    state = dict(ck["model"])
    state.update({f"generator.{k}": v for k, v in ck["generator"].items()})
    model.load_state_dict(state, strict=True)
    return model.eval(), {t: i for i, t in enumerate(vocab)}


@torch.no_grad()
def sequence_logprob(model, src_ids, tgt_ids, ended):
    """log P(tokens [+ </s>]); a hypothesis cut at max_length has no end token."""
    src = torch.tensor([src_ids])
    tout = torch.tensor([tgt_ids + [EOS]] if ended else [tgt_ids])
    tin = torch.tensor([[BOS] + tgt_ids[: tout.size(1) - 1]])
    logp = F.log_softmax(model(src, tin).double(), -1)
    return float(logp.gather(-1, tout[..., None]).sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("--max-length", type=int, default=100, help="the --max-length Retort decoded with")
    args = ap.parse_args()
    model, stoi = load(args.checkpoint)
    worst, n = 0.0, 0
    for line in open(args.jsonl):
        r = json.loads(line)
        src = [stoi.get(t, UNK) for t in r["source_tokens"]]
        for p in r["predictions"]:
            ended = len(p["tokens"]) < args.max_length
            ours = sequence_logprob(model, src, [stoi.get(t, UNK) for t in p["tokens"]], ended)
            worst = max(worst, abs(ours - p["score"]))
            n += 1
    print(json.dumps({"predictions": n, "max_abs_score_diff": worst}))
    if worst > args.tolerance:
        raise SystemExit(f"Retort's scores differ from PyTorch's by up to {worst:.3g} (> {args.tolerance})")


if __name__ == "__main__":
    main()
