#!/usr/bin/env python3
"""Reference decodes of ANNalog in PyTorch, written as golden JSON for Retort's tests.

  greedy  ANNalog's own `beam_search_decode` with beam width 1 (its greedy decode; with one
          beam its finished-hypothesis bookkeeping cannot misalign).
  beam    a clean beam search over ANNalog's own PyTorch model with OpenNMT-py 1.2's
          semantics, which Retort implements: finished beams stay in the beam with score
          -1e10 and are collected, an input is done once its top beam has finished and n_best
          hypotheses exist, scores are cumulative log-probabilities. (ANNalog's own beam search
          drops finished hypotheses from its lists in a way that misaligns scores with
          sequences, so it is not a usable reference.)

Inputs: the first molecules of fixtures/golden/inputs-meta.json's reference products whose
ANNalog tokenization fits the model (<= 90 tokens, all in the vocabulary).

--f16 rounds the weights to float16 first, which is what the committed f16 bundles hold.
"""

import argparse
import json
import math
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]


def load(ckpt, vocab, f16):
    from annalog.model_handler import SMILESModelHandler

    h = SMILESModelHandler(vocab, vocab, ckpt, device="cpu", max_length=102)
    if f16:
        with torch.no_grad():
            for p in h.model.parameters():
                p.copy_(p.half().float())
    h.model.eval()
    return h


def molecules(h, n):
    meta = json.loads((REPO / "fixtures/golden/inputs-meta.json").read_text())
    out, seen = [], set()
    stoi = h.SRC.vocab.stoi
    for m in meta:
        smi = m["target"].replace(" ", "")
        if smi in seen:
            continue
        toks = h.SRC.preprocess(smi)
        if len(toks) > 90 or any(t not in dict.keys(stoi) for t in toks):
            continue
        seen.add(smi)
        out.append(smi)
        if len(out) == n:
            break
    return out


def greedy(h, smi, max_len):
    from annalog.model_files import multi_gen_final as g

    src = h.SRC.process([h.SRC.preprocess(smi)])
    mask = h.model.make_src_mask(src)
    seqs = g.beam_search_decode(h.model, src, mask, h.TRG, 1, max_len, torch.device("cpu"), use_masking=True)
    if not seqs:
        return None
    ids, score = seqs[0]
    itos = h.TRG.vocab.itos
    return {"tokens": [itos[i] for i in ids[1:-1]], "score": float(score)}


def step_log_probs(h, enc, src_mask, paths):
    from annalog.model_files.multi_gen_final import subsequent_mask

    trg = torch.tensor(paths)
    out, _ = h.model.decoder(trg, enc.expand(len(paths), -1, -1), subsequent_mask(trg.shape[1]), src_mask)
    return torch.log_softmax(out[:, -1], dim=-1)


def clean_beam(h, smi, beam, n_best, max_length):
    sos = h.TRG.vocab.stoi["<sos>"]
    eos = h.TRG.vocab.stoi["<eos>"]
    src = h.SRC.process([h.SRC.preprocess(smi)])
    src_mask = h.model.make_src_mask(src)
    enc = h.model.encoder(src, src_mask)
    paths = [[sos] for _ in range(beam)]
    log_probs = torch.tensor([0.0] + [float("-inf")] * (beam - 1))
    finished, top_finished = [], False
    for step in range(max_length):
        lp = step_log_probs(h, enc, src_mask, paths)
        v = lp.shape[1]
        cand = (lp + log_probs[:, None]).reshape(-1)
        scores, idx = cand.topk(beam)
        paths = [paths[int(i) // v] + [int(i) % v] for i in idx]
        log_probs = scores.clone()
        done = [step + 1 == max_length or p[-1] == eos for p in paths]
        if any(done):
            top_finished = top_finished or done[0]
            for j, d in enumerate(done):
                if d:
                    log_probs[j] = -1e10
                    if math.isfinite(scores[j].item()):
                        finished.append((scores[j].item(), paths[j][1:]))
            if top_finished and len(finished) >= n_best:
                finished.sort(key=lambda x: -x[0])  # stable, like Retort
                itos = h.TRG.vocab.itos
                return [
                    {"tokens": [itos[i] for i in (ids[:-1] if ids[-1] == eos else ids)], "score": s}
                    for s, ids in finished[:n_best]
                ]
    raise RuntimeError("beam search ended without results")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ckpt")
    ap.add_argument("vocab")
    ap.add_argument("--f16", action="store_true")
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("-o", "--out", type=Path, required=True, help="output directory")
    a = ap.parse_args()
    torch.set_num_threads(1)  # small matrices: threads only add synchronization
    h = load(a.ckpt, a.vocab, a.f16)
    mols = molecules(h, a.n)
    weights = "float16-rounded" if a.f16 else "float32"
    engine = f"annalog 1.0.6 on torch {torch.__version__} ({weights} weights)"
    a.out.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        cases = []
        for smi in mols:
            r = greedy(h, smi, 102)
            if r is not None:
                cases.append({"source": smi, "predictions": [r]})
        doc = {
            "engine": engine,
            "decode": "ANNalog's own beam_search_decode, beam width 1, max_len 102",
            "score_convention": "cumulative sum of log(p + 1e-10) (ANNalog's)",
            "options": {"beam_size": 1, "n_best": 1, "max_length": 101},
            "cases": cases,
        }
        (a.out / "greedy.json").write_text(json.dumps(doc, indent=0))
        cases = []
        for i, smi in enumerate(mols):
            cases.append({"source": smi, "predictions": clean_beam(h, smi, 5, 5, 101)})
            print(f"beam {i + 1}/{len(mols)}", flush=True)
        doc = {
            "engine": engine,
            "decode": "clean OpenNMT-py-1.2-style beam search (tools/onnx/annalog_reference.py) over ANNalog's PyTorch model",
            "options": {"beam_size": 5, "n_best": 5, "max_length": 101},
            "cases": cases,
        }
        (a.out / "beam5.json").write_text(json.dumps(doc, indent=0))
    print(f"{len(mols)} molecules -> {a.out}")


if __name__ == "__main__":
    main()
