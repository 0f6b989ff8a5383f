#!/usr/bin/env python3
"""int8 compute against f32 on the same bundle: top-1 identity, n-best agreement, score gaps.

Runs `retort translate --format jsonl` twice per model (--compute-type f32, then int8) with
beam 5 and 5 hypotheses, and prints one table row per model. Used by scripts/int8-accuracy.sh.
"""
import argparse, json, subprocess, sys, tempfile


def translate(retort, bundle, inputs, compute, beam, n_best):
    p = subprocess.run([retort, "translate", "-m", bundle, "--format", "jsonl", "--compute-type", compute,
                        "--beam-size", str(beam), "--n-best", str(n_best), inputs],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"int8_accuracy: retort translate ({compute}) on {bundle} failed:\n{p.stderr}")
    return [json.loads(l)["predictions"] for l in p.stdout.splitlines() if l.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--retort", required=True)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--n-best", type=int, default=5)
    ap.add_argument("model", nargs="+", help="NAME=BUNDLE=INPUTS (one source per line)")
    a = ap.parse_args()
    print(f"beam {a.beam}, {a.n_best} hypotheses; int8 compute vs f32 compute of the same bundle\n")
    print("| model | inputs | top-1 identical | n-best lists identical | n-best overlap | largest top-1 score gap |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 1.0
    for spec in a.model:
        name, bundle, inputs = spec.split("=", 2)
        f32 = translate(a.retort, bundle, inputs, "f32", a.beam, a.n_best)
        i8 = translate(a.retort, bundle, inputs, "int8", a.beam, a.n_best)
        assert len(f32) == len(i8) and f32, (name, len(f32), len(i8))
        top1 = sum(x[0]["tokens"] == y[0]["tokens"] for x, y in zip(f32, i8))
        lists = sum([p["tokens"] for p in x] == [p["tokens"] for p in y] for x, y in zip(f32, i8))
        overlap = sum(len({" ".join(p["tokens"]) for p in x} & {" ".join(p["tokens"]) for p in y}) / len(x)
                      for x, y in zip(f32, i8)) / len(f32)
        gap = max((abs(x[0]["score"] - y[0]["score"]) for x, y in zip(f32, i8) if x[0]["tokens"] == y[0]["tokens"]),
                  default=float("nan"))
        n = len(f32)
        worst = min(worst, top1 / n)
        print(f"| {name} | {n} | {top1}/{n} ({100 * top1 / n:.1f} %) | {lists}/{n} ({100 * lists / n:.1f} %) | "
              f"{100 * overlap:.1f} % | {gap:.4f} |")
    print(f"\ntarget (top-1 identical on >= 97 % of inputs, every model): {'MET' if worst >= 0.97 else 'NOT MET'} "
          f"(lowest {100 * worst:.1f} %)")


if __name__ == "__main__":
    main()
