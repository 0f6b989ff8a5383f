#!/usr/bin/env python3
"""CTranslate2 side of the Retort benchmark (see bench/README.md).

  ct2_bench.py sweep  --model DIR --inputs FILE [...]   # every config, one fresh process each; JSON out
  ct2_bench.py one    --model DIR --inputs FILE [...]   # one config in this process (used by sweep)
  ct2_bench.py dump   --model DIR --inputs FILE [...]   # top-1 token lists, one JSON array per line
  ct2_bench.py first  --model DIR --input-line TEXT     # load, translate one input, print it (cold start)

Options match OpenNMT-py's translate.py defaults as Retort reads them: length_penalty none
(CTranslate2 length_penalty=0: scores are plain sums of log-probs), no coverage penalty,
n_best 1, max_length -> max_decoding_length (end token included in both), batch_type
examples. Tokens/s counts the tokens of the best hypothesis without the end token, as
`retort bench` does.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def read_inputs(path, limit):
    with open(path, encoding="utf-8") as f:
        lines = [l.split() for l in f if l.strip()]
    return lines[:limit] if limit else lines


def translate_kwargs(a, beam):
    return dict(
        beam_size=beam, num_hypotheses=1, length_penalty=0.0, coverage_penalty=0.0,
        repetition_penalty=1.0, no_repeat_ngram_size=0, min_decoding_length=0,
        max_decoding_length=a.max_length, max_batch_size=a.batch_size, batch_type="examples",
        return_scores=False, return_end_token=False,
    )


def rss_kb(field):
    """A kB field of /proc/self/status (VmRSS, VmHWM)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cmd_one(a):
    import ctranslate2  # timed separately from the model load

    rss_before = rss_kb("VmRSS")
    t0 = time.perf_counter()
    tr = ctranslate2.Translator(a.model, device="cpu", compute_type=a.compute_type,
                                intra_threads=a.threads, inter_threads=1)
    load_s = time.perf_counter() - t0
    rss_after_load = rss_kb("VmRSS")
    src = read_inputs(a.inputs, a.limit)
    kw = translate_kwargs(a, a.beam_size)
    if not a.no_warmup:
        tr.translate_batch(src[: a.batch_size], **kw)
    walls, generated = [], 0
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        res = tr.translate_batch(src, **kw)
        walls.append(time.perf_counter() - t0)
        generated = sum(len(r.hypotheses[0]) for r in res)
    wall = statistics.median(walls)
    out = {
        "engine": "ctranslate2", "version": ctranslate2.__version__,
        "compute_type": a.compute_type, "beam_size": a.beam_size, "threads": a.threads,
        "sentences": len(src), "source_tokens": sum(map(len, src)),
        "wall_s": wall, "wall_s_min": min(walls), "wall_s_all": walls,
        "sentences_per_s": len(src) / wall, "tokens_per_s": generated / wall,
        "generated_tokens": generated, "load_s": load_s,
        "rss_before_load_bytes": rss_before * 1024 if rss_before else None,
        "rss_after_load_bytes": rss_after_load * 1024 if rss_after_load else None,
        # ru_maxrss is in kB on Linux: the whole process (Python, numpy, ctranslate2 included).
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    print(json.dumps(out))


def cmd_sweep(a):
    runs = []
    for ct in a.compute_types:
        for beam in a.beam_sizes:
            for t in a.thread_counts:
                cmd = [sys.executable, os.path.abspath(__file__), "one", "--model", a.model,
                       "--inputs", a.inputs, "--limit", str(a.limit), "--max-length", str(a.max_length),
                       "--batch-size", str(a.batch_size), "--repeat", str(a.repeat),
                       "--compute-type", ct, "--beam-size", str(beam), "--threads", str(t)]
                if a.no_warmup:
                    cmd.append("--no-warmup")
                p = subprocess.run(cmd, capture_output=True, text=True)
                if p.returncode != 0:
                    sys.exit(f"ct2_bench: {' '.join(cmd)} failed:\n{p.stderr}")
                run = json.loads(p.stdout.strip().splitlines()[-1])
                print(f"ct2 {ct} beam {beam}, {t} thread(s): {run['sentences_per_s']:.2f} sent/s, "
                      f"{run['tokens_per_s']:.1f} tok/s, peak RSS {run['peak_rss_bytes'] / 2**20:.0f} MiB",
                      file=sys.stderr)
                runs.append(run)
    report = {
        "schema": "retort-ct2-bench/1", "model": a.model, "inputs": a.inputs, "limit": a.limit,
        "settings": {"max_length": a.max_length, "batch_size": a.batch_size, "batch_type": "examples",
                     "repeat": a.repeat, "warmup": not a.no_warmup, "length_penalty": 0.0,
                     "inter_threads": 1},
        "runs": runs,
    }
    text = json.dumps(report, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


def cmd_dump(a):
    import ctranslate2

    tr = ctranslate2.Translator(a.model, device="cpu", compute_type=a.compute_type,
                                intra_threads=a.threads, inter_threads=1)
    res = tr.translate_batch(read_inputs(a.inputs, a.limit), **translate_kwargs(a, a.beam_size))
    with open(a.out, "w", encoding="utf-8") if a.out else sys.stdout as f:
        for r in res:
            f.write(json.dumps(r.hypotheses[0]) + "\n")


def cmd_first(a):
    import ctranslate2

    tr = ctranslate2.Translator(a.model, device="cpu", compute_type=a.compute_type,
                                intra_threads=a.threads, inter_threads=1)
    r = tr.translate_batch([a.input_line.split()], **translate_kwargs(a, a.beam_size))
    print(" ".join(r[0].hypotheses[0]))


def main():
    ap = argparse.ArgumentParser(description="CTranslate2 side of the Retort benchmark")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, single=True):
        p.add_argument("--model", required=True, help="CTranslate2 model directory")
        p.add_argument("--max-length", type=int, default=60)
        p.add_argument("--batch-size", type=int, default=30)
        if single:
            p.add_argument("--compute-type", default="float32")
            p.add_argument("--beam-size", type=int, default=5)
            p.add_argument("--threads", type=int, default=1)

    def inputs(p):
        p.add_argument("--inputs", required=True, help="space-tokenized sources, one per line")
        p.add_argument("--limit", type=int, default=100, help="first N inputs (0: all)")

    p = sub.add_parser("one")
    common(p)
    inputs(p)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-warmup", action="store_true")
    p.set_defaults(fn=cmd_one)

    p = sub.add_parser("sweep")
    common(p, single=False)
    inputs(p)
    p.add_argument("--compute-types", type=lambda s: s.split(","), default=["float32", "int8"])
    p.add_argument("--beam-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[5, 1])
    p.add_argument("--thread-counts", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-warmup", action="store_true")
    p.add_argument("--out", help="write the JSON report here (default: stdout)")
    p.set_defaults(fn=cmd_sweep)

    p = sub.add_parser("dump")
    common(p)
    inputs(p)
    p.add_argument("--out")
    p.set_defaults(fn=cmd_dump)

    p = sub.add_parser("first")
    common(p)
    p.add_argument("--input-line", required=True)
    p.set_defaults(fn=cmd_first)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
