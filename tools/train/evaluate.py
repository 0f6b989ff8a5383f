#!/usr/bin/env python3
"""Top-k accuracy of Retort's predictions, molecules compared as RDKit canonical SMILES.

    retort translate -m model.retort test.smi --format jsonl --beam-size 10 --n-best 10 > pred.jsonl
    .venv-train/bin/python tools/train/evaluate.py --jsonl pred.jsonl --targets test-products.smi

A prediction is correct when it parses and its canonical SMILES equals the target's (as in the
Molecular Transformer paper). Also reports the share of top-1 predictions RDKit cannot parse,
and how often the top-10 list repeats a molecule under another spelling.
"""
import argparse
import json

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")
KS = (1, 2, 3, 5, 10)


def canonical(smi):
    mol = Chem.MolFromSmiles(smi)
    return None if mol is None else Chem.MolToSmiles(mol)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--targets", required=True)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    targets = [canonical(l.strip().replace(" ", "")) for l in open(args.targets)]
    hits = {k: 0 for k in KS}
    invalid_top1, n, duplicates, n_best = 0, 0, 0, 0
    for line, target in zip(open(args.jsonl), targets):
        r = json.loads(line)
        preds = [canonical(p["text"].replace(" ", "")) for p in r["predictions"]]
        n_best = max(n_best, len(preds))
        n += 1
        invalid_top1 += preds[0] is None if preds else 1
        valid = [p for p in preds if p]
        duplicates += len(valid) - len(set(valid))
        rank = next((i + 1 for i, p in enumerate(preds) if p is not None and p == target), None)
        for k in KS:
            hits[k] += rank is not None and rank <= k
    if n != len(targets):
        raise SystemExit(f"{n} predictions for {len(targets)} targets")
    out = {
        "label": args.label,
        "inputs": n,
        **{f"top{k}": round(100 * hits[k] / n, 2) for k in KS if k <= n_best},
        "invalid_top1_percent": round(100 * invalid_top1 / n, 2),
        "repeated_molecules_in_lists": duplicates,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
