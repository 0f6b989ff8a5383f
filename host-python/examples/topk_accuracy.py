#!/usr/bin/env python3
"""Top-k accuracy of a reaction-prediction model, the way chemists score one: each prediction
and each known product are canonicalized with RDKit, and an input counts as a top-k hit when
its product is among the first k valid predictions.

    pip install rdkit ./host-python
    python host-python/examples/topk_accuracy.py SOURCES.smi TARGETS.txt [-m MODEL.retort]

SOURCES holds one reaction per line (reactants, raw or space-tokenized SMILES), TARGETS the
product of each. Without -m the built-in toy model is used: it shows the pipeline, not a
useful accuracy.
"""

import argparse
import sys
import time

import retort

try:
    from rdkit import Chem, RDLogger
except ImportError:
    sys.exit("this example needs RDKit: pip install rdkit")

RDLogger.DisableLog("rdApp.*")  # invalid predictions are expected; they just do not count


def canonical(smiles):
    """RDKit's canonical SMILES, or None when the string is not a valid molecule."""
    mol = Chem.MolFromSmiles(smiles.replace(" ", ""))
    return Chem.MolToSmiles(mol) if mol is not None else None


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("sources")
    p.add_argument("targets")
    p.add_argument("-m", "--model", help="a .retort bundle (default: the built-in toy model)")
    p.add_argument("--beam-size", type=int, default=10)
    p.add_argument("--n-best", type=int, default=10)
    p.add_argument("--max-length", type=int, default=200)
    args = p.parse_args()

    sources, targets = read_lines(args.sources), read_lines(args.targets)
    if len(sources) != len(targets):
        sys.exit(f"{len(sources)} sources but {len(targets)} targets: one target per source")
    translator = retort.Translator(args.model)
    ks = [k for k in (1, 2, 3, 5, 10) if k <= args.n_best]
    hits = {k: 0 for k in ks}
    invalid_top1 = 0
    start = time.perf_counter()
    results = translator.translate_iterable(
        sources, beam_size=args.beam_size, num_hypotheses=args.n_best, max_decoding_length=args.max_length
    )
    for result, target in zip(results, targets):
        want = canonical(target)
        preds = [canonical(text) for text in result.texts]
        invalid_top1 += preds[0] is None
        # rank among the valid predictions: an invalid SMILES takes no place in the list
        valid = [s for s in preds if s is not None]
        rank = valid.index(want) + 1 if want is not None and want in valid else None
        for k in ks:
            hits[k] += rank is not None and rank <= k
    seconds = time.perf_counter() - start

    n = len(sources)
    print(f"model: {args.model or 'built-in default (toy)'}; {n} reactions, beam {args.beam_size}, "
          f"{seconds:.1f} s ({n / seconds:.1f} reactions/s)")
    for k in ks:
        print(f"top-{k:<2} accuracy: {100 * hits[k] / n:5.1f}% ({hits[k]}/{n})")
    print(f"invalid top-1 SMILES: {100 * invalid_top1 / n:.1f}% ({invalid_top1}/{n})")


if __name__ == "__main__":
    main()
