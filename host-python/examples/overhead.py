#!/usr/bin/env python3
"""Python's overhead over the CLI: the same inputs, model and options through `retort translate`
(a process: start, load, decode, write JSONL) and through `Translator` (load + translate_batch),
each timed end to end, best of N runs; checks the answers are identical.

    python host-python/examples/overhead.py [-m MODEL] [--beam-size 5] [--runs 3] INPUTS [--cli PATH]
"""

import argparse
import json
import os
import pathlib
import subprocess
import time

import retort


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("inputs")
    p.add_argument("-m", "--model")
    p.add_argument("--beam-size", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    root = pathlib.Path(__file__).resolve().parents[2]
    p.add_argument("--cli", default=os.environ.get("RETORT_CLI", str(root / "target" / "release" / "retort")))
    args = p.parse_args()
    lines = [line for line in pathlib.Path(args.inputs).read_text().splitlines() if line.strip()]

    cmd = [args.cli, "translate", "--format", "jsonl", "--beam-size", str(args.beam_size), "--threads", str(args.threads)]
    if args.model:
        cmd += ["-m", args.model]
    cmd.append(args.inputs)
    cli_times, py_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        cli_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        t = retort.Translator(args.model, intra_threads=args.threads)
        results = t.translate_batch(lines, beam_size=args.beam_size)
        py_times.append(time.perf_counter() - start)
    cli = [json.loads(line) for line in out.splitlines()]
    same = all(
        r.texts == [p["text"] for p in a["predictions"]] and r.scores == [p["score"] for p in a["predictions"]]
        for r, a in zip(results, cli)
    ) and len(cli) == len(results)
    c, py = min(cli_times), min(py_times)
    print(f"{len(lines)} inputs, beam {args.beam_size}, {args.threads} thread(s), model {args.model or 'built-in'}")
    print(f"CLI    (process: start, load, decode, JSONL): {c:.3f} s  ({len(lines) / c:.1f} sent/s)")
    print(f"Python (Translator + translate_batch):      {py:.3f} s  ({len(lines) / py:.1f} sent/s)")
    print(f"Python / CLI: {py / c:.3f}  answers identical: {same}")


if __name__ == "__main__":
    main()
