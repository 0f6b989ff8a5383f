#!/usr/bin/env python3
"""int8 compute against f32 on the same bundle: top-1 identity, n-best agreement, score gaps.

Runs `retort translate --format jsonl` twice per model (--compute-type f32, then int8) with
beam 5 and 5 hypotheses, and prints one table row per model. Where the model also exists as a
CTranslate2 model directory (a fourth `=DIR` in its spec) and `ctranslate2` imports, the same
comparison is made for CTranslate2's own int8 against its float32, on the same inputs: the
peer's agreement on the same weights says how sensitive the model is to int8 rounding at all.
Used by scripts/int8-accuracy.sh.
"""
import argparse, json, subprocess, sys


def translate(retort, bundle, inputs, compute, beam, n_best):
    p = subprocess.run([retort, "translate", "-m", bundle, "--format", "jsonl", "--compute-type", compute,
                        "--beam-size", str(beam), "--n-best", str(n_best), inputs],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"int8_accuracy: retort translate ({compute}) on {bundle} failed:\n{p.stderr}")
    return [[(p["tokens"], p["score"]) for p in json.loads(l)["predictions"]] for l in p.stdout.splitlines()
            if l.strip()]


def ct2_translate(model_dir, inputs, compute, beam, n_best):
    import ctranslate2
    src = [line.split() for line in open(inputs, encoding="utf-8") if line.strip()]
    t = ctranslate2.Translator(model_dir, device="cpu", compute_type=compute, intra_threads=1)
    out = t.translate_batch(src, beam_size=beam, num_hypotheses=n_best, max_batch_size=30, return_scores=True)
    return [list(zip(r.hypotheses, r.scores)) for r in out]


def compare(f32, i8):
    """(top-1 identical, n-best lists identical, mean n-best overlap, largest top-1 score gap)."""
    assert len(f32) == len(i8) and f32, (len(f32), len(i8))
    top1 = sum(x[0][0] == y[0][0] for x, y in zip(f32, i8))
    lists = sum([t for t, _ in x] == [t for t, _ in y] for x, y in zip(f32, i8))
    overlap = sum(len({" ".join(t) for t, _ in x} & {" ".join(t) for t, _ in y}) / len(x)
                  for x, y in zip(f32, i8)) / len(f32)
    gap = max((abs(x[0][1] - y[0][1]) for x, y in zip(f32, i8) if x[0][0] == y[0][0]), default=float("nan"))
    return top1, lists, overlap, gap


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--retort", required=True)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--n-best", type=int, default=5)
    ap.add_argument("model", nargs="+", help="NAME=BUNDLE=INPUTS[=CT2_DIR] (one source per line)")
    a = ap.parse_args()
    try:
        import ctranslate2
        peer = f"CTranslate2 {ctranslate2.__version__}"
    except ImportError:
        peer = None
    print(f"beam {a.beam}, {a.n_best} hypotheses; int8 compute vs f32 compute of the same weights"
          + ("" if peer else " (ctranslate2 not importable: no peer column)") + "\n")
    print("| model | inputs | top-1 identical | n-best lists identical | n-best overlap | largest top-1 score gap "
          f"| {peer or 'peer'} int8 vs float32: top-1 identical |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst = 1.0
    for spec in a.model:
        name, bundle, inputs, *ct2_dir = spec.split("=", 3)
        f32 = translate(a.retort, bundle, inputs, "f32", a.beam, a.n_best)
        i8 = translate(a.retort, bundle, inputs, "int8", a.beam, a.n_best)
        top1, lists, overlap, gap = compare(f32, i8)
        n = len(f32)
        worst = min(worst, top1 / n)
        peer_cell = "–"
        if peer and ct2_dir:
            p_top1, *_ = compare(*(ct2_translate(ct2_dir[0], inputs, c, a.beam, a.n_best) for c in ("float32", "int8")))
            peer_cell = f"{p_top1}/{n} ({100 * p_top1 / n:.1f} %)"
        print(f"| {name} | {n} | {top1}/{n} ({100 * top1 / n:.1f} %) | {lists}/{n} ({100 * lists / n:.1f} %) | "
              f"{100 * overlap:.1f} % | {gap:.4f} | {peer_cell} |")
    print(f"\ntarget (top-1 identical on >= 97 % of inputs, every model): {'MET' if worst >= 0.97 else 'NOT MET'} "
          f"(lowest {100 * worst:.1f} %)")


if __name__ == "__main__":
    main()
