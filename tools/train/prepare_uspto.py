#!/usr/bin/env python3
"""USPTO-MIT reactions -> tokenized training data for the built-in Molecular Transformer.

Runs on the CPU (RDKit from PyPI), once; the GPU machine only reads the result.

    .venv-train/bin/python tools/train/prepare_uspto.py [--shared ../shared] [--out tools/train/.work]

Reads  SHARED/datasets/uspto-mit/{valid,test-first30000}.txt.xz   (60,000 atom-mapped reactions)
       SHARED/seed/deep-synthesis/source_small.txt                 (the seed's 100 example inputs)
Writes OUT/data.npz        token ids of every split, the training sources in N_VARIANTS spellings
       OUT/vocab.json      the shared vocabulary, in OpenNMT-py 3.x order
       OUT/{src,tgt}-{train,valid,test}.txt   tokenized text (one reaction a line)
       OUT/test.smi, OUT/test-products.smi     held-out reactants / products as plain SMILES
       OUT/prepare.json    counts, for the model card

Each reaction: the reaction-centre edits are dropped, atom maps removed, each side canonicalized
by RDKit ("mixed" setting: reagents stay among the reactants), then split with the Molecular
Transformer's SMILES regex. The held-out test set (fixed seed) and every reaction whose
reactants are a seed input never enter training or validation; reactions whose canonical
reactants also occur in the test set are dropped from training, so no test source is memorised.
The training sources are augmented with random (non-canonical) SMILES, as Tetko et al. (2020)
did: fragment order shuffled and each fragment written from a random atom.
"""
import argparse
import collections
import json
import lzma
import os
import random
import re

import numpy as np
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED = 42
N_TEST = 3000
N_VALID = 500
# Spellings of each training source: the canonical one and N_VARIANTS - 1 random ones.
N_VARIANTS = 5
MAX_SRC_TOKENS = 250
MAX_TGT_TOKENS = 200

# The Molecular Transformer's SMILES regex (Schwaller et al. 2019); Retort's `smiles`
# tokenizer splits raw input the same way.
SMI_REGEX = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|\%[0-9]{2}|[0-9])"
)
# OpenNMT-py 3.x vocabulary: specials first, then tokens by frequency, padded to a multiple
# of 8 with filler tokens (`vocab_size_multiple: 8`).
SPECIALS = ["<unk>", "<blank>", "<s>", "</s>"]


def tokenize(smi):
    tokens = SMI_REGEX.findall(smi)
    if "".join(tokens) != smi:
        return None
    return tokens


def mol_without_maps(smi):
    mol = Chem.MolFromSmiles(smi)
    if mol is None:
        return None
    for atom in mol.GetAtoms():
        atom.SetAtomMapNum(0)
    return mol


def canonical(smi):
    mol = mol_without_maps(smi)
    return None if mol is None else Chem.MolToSmiles(mol)


def random_spelling(smi, rng):
    """A random valid SMILES of the same molecules: fragments shuffled, each from a random atom."""
    frags = smi.split(".")
    rng.shuffle(frags)
    out = []
    for f in frags:
        mol = Chem.MolFromSmiles(f)
        if mol is None:
            return None
        root = rng.randrange(mol.GetNumAtoms())
        out.append(Chem.MolToSmiles(mol, canonical=False, rootedAtAtom=root, doRandom=True))
    return ".".join(out)


def read_reactions(path):
    with lzma.open(path, "rt") as f:
        for line in f:
            line = line.strip()
            if line:
                yield line.split()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(ROOT, "tools", "train", ".work"))
    args = ap.parse_args()
    uspto = os.path.join(args.shared, "datasets", "uspto-mit")
    if not os.path.isdir(uspto):
        raise SystemExit(f"{uspto} not found: this script needs the project's shared data folder (--shared)")
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(SEED)

    pairs, failed, seen = [], 0, set()
    for name in ["valid.txt.xz", "test-first30000.txt.xz"]:
        for rxn in read_reactions(os.path.join(uspto, name)):
            reactants, _, product = rxn.partition(">>")
            src, tgt = canonical(reactants), canonical(product)
            if not src or not tgt:
                failed += 1
                continue
            if (src, tgt) in seen:
                continue
            seen.add((src, tgt))
            pairs.append((src, tgt))
    with open(os.path.join(args.shared, "seed", "deep-synthesis", "source_small.txt")) as f:
        seed_sources = {canonical(l.strip().replace(" ", "")) for l in f if l.strip()}

    order = list(range(len(pairs)))
    rng.shuffle(order)
    seed_held = [i for i in order if pairs[i][0] in seed_sources]
    rest = [i for i in order if pairs[i][0] not in seed_sources]
    test = seed_held + rest[:N_TEST]
    test_sources = {pairs[i][0] for i in test}
    remaining = [i for i in rest[N_TEST:] if pairs[i][0] not in test_sources]
    valid, train = remaining[:N_VALID], remaining[N_VALID:]
    leaked = len(rest) - N_TEST - len(remaining)

    def tok_pair(src, tgt):
        s, t = tokenize(src), tokenize(tgt)
        if s is None or t is None or len(s) > MAX_SRC_TOKENS or len(t) > MAX_TGT_TOKENS:
            return None
        return s, t

    splits = {}
    for name, idx in [("test", test), ("valid", valid)]:
        splits[name] = [p for p in (tok_pair(*pairs[i]) for i in idx) if p]
    train_tok, train_variants, too_long = [], [], 0
    for i in train:
        src, tgt = pairs[i]
        p = tok_pair(src, tgt)
        if p is None:
            too_long += 1
            continue
        spellings = [p[0]]
        for _ in range(N_VARIANTS - 1):
            alt = random_spelling(src, rng)
            toks = tokenize(alt) if alt else None
            spellings.append(toks if toks and len(toks) <= MAX_SRC_TOKENS else p[0])
        train_tok.append(p)
        train_variants.append(spellings)
    splits["train"] = train_tok

    counts = collections.Counter()
    for spellings, (_, t) in zip(train_variants, train_tok):
        for s in spellings:
            counts.update(s)
        counts.update(t)
    tokens = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    vocab = SPECIALS + tokens
    while len(vocab) % 8:
        vocab.append(f"averyunlikelytoken{len(vocab) % 8}")
    stoi = {t: i for i, t in enumerate(vocab)}

    def ids(toks):
        return np.array([stoi.get(t, 0) for t in toks], dtype=np.uint16)

    def flat(seqs):
        lens = np.array([len(s) for s in seqs], dtype=np.int32)
        return np.concatenate([ids(s) for s in seqs]), lens

    arrays = {}
    for v in range(N_VARIANTS):
        arrays[f"train_src{v}"], arrays[f"train_src{v}_len"] = flat([sp[v] for sp in train_variants])
    arrays["train_tgt"], arrays["train_tgt_len"] = flat([t for _, t in train_tok])
    for name in ["valid", "test"]:
        arrays[f"{name}_src"], arrays[f"{name}_src_len"] = flat([s for s, _ in splits[name]])
        arrays[f"{name}_tgt"], arrays[f"{name}_tgt_len"] = flat([t for _, t in splits[name]])
    np.savez_compressed(os.path.join(args.out, "data.npz"), **arrays)
    with open(os.path.join(args.out, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    for name, rows in splits.items():
        for side, k in [("src", 0), ("tgt", 1)]:
            with open(os.path.join(args.out, f"{side}-{name}.txt"), "w") as f:
                f.writelines(" ".join(r[k]) + "\n" for r in rows)
    with open(os.path.join(args.out, "test.smi"), "w") as f:
        f.writelines("".join(s) + "\n" for s, _ in splits["test"])
    with open(os.path.join(args.out, "test-products.smi"), "w") as f:
        f.writelines("".join(t) + "\n" for _, t in splits["test"])
    stats = {
        "reactions_read_unique": len(pairs),
        "unparsable": failed,
        "test": len(splits["test"]),
        "test_seed_reactions": len(seed_held),
        "valid": len(splits["valid"]),
        "train": len(train_tok),
        "train_dropped_same_reactants_as_test": leaked,
        "train_dropped_too_long": too_long,
        "variants_per_training_source": N_VARIANTS,
        "vocab": len(vocab),
        "seed": SEED,
    }
    with open(os.path.join(args.out, "prepare.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
