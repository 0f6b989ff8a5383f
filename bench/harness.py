#!/usr/bin/env python3
"""Retort-vs-CTranslate2 benchmark harness (driven by scripts/bench.sh; see bench/README.md).

  harness.py retort-sweep  run `retort bench --json` once per (beam, threads) in fresh processes
  harness.py cold          process start -> first answer, both engines, same timer
  harness.py agree         top-1 agreement: Retort vs CTranslate2 float32 on the bench inputs
  harness.py report        merge everything into results.json and print the Markdown table

Standard library only (runs under any Python 3.8+; the CTranslate2 parts run in the venv).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"harness: `{' '.join(cmd)}` failed ({p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout)


def cmd_retort_sweep(a):
    runs, meta = [], None
    # CTranslate2's names in the results, so that rows pair up with its runs
    models = {"float32": (a.model, "f32"), "int8": (a.int8_model or a.model, "int8")}
    for beam, t, ct in [(b, t, c) for b in a.beam_sizes for t in a.thread_counts for c in a.compute_types]:
        model, flag = models[ct]
        cmd = [a.retort, "bench", "-m", model, "--compute-type", flag, "--input", a.inputs, "--limit", str(a.limit),
               "--beam-size", str(beam), "--threads", str(t), "--batch-size", str(a.batch_size),
               "--max-length", str(a.max_length), "--repeat", str(a.repeat), "--json"]
        r = run_json(cmd)
        (run,) = r["runs"]
        run.update({
            "engine": "retort", "version": r["retort_version"], "compute_type": ct,
            "sentences": r["input"]["sentences"], "source_tokens": r["input"]["source_tokens"],
            "load_s": r["model"]["load_s"], "rss_after_load_bytes": r["rss_after_load_bytes"],
            "peak_rss_bytes": r["peak_rss_bytes"],
        })
        meta = {k: r[k] for k in ("schema", "model", "input", "settings")}
        print(f"retort {ct} beam {beam}, {t} thread(s): {run['sentences_per_s']:.2f} sent/s, "
              f"{run['tokens_per_s']:.1f} tok/s, peak RSS {(run['peak_rss_bytes'] or 0) / 2**20:.0f} MiB",
              file=sys.stderr)
        runs.append(run)
    with open(a.out, "w") as f:
        json.dump({"schema": "retort-bench-sweep/1", "bench": meta, "runs": runs}, f, indent=1)
        f.write("\n")


def time_runs(cmd, stdin_text, runs):
    """Spawn -> exit (the answer is printed by then), after one untimed run (warm page cache)."""
    times, answer = [], None
    for i in range(runs + 1):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, input=stdin_text, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if p.returncode != 0 or not p.stdout.strip():
            sys.exit(f"harness: cold start `{' '.join(cmd)}` failed ({p.returncode}):\n{p.stderr}")
        answer = p.stdout.strip()
        if i > 0:
            times.append(dt)
    return {"runs": runs, "median_s": statistics.median(times), "min_s": min(times),
            "all_s": times, "command": cmd, "answer": answer}


CT2_FIRST = (
    "import sys, ctranslate2\n"
    "t = ctranslate2.Translator(sys.argv[1], device='cpu', compute_type=sys.argv[2], intra_threads=int(sys.argv[3]))\n"
    "r = t.translate_batch([sys.argv[4].split()], beam_size=int(sys.argv[5]), length_penalty=0.0,"
    " max_decoding_length=int(sys.argv[6]))\n"
    "print(' '.join(r[0].hypotheses[0]))\n"
)


def cmd_cold(a):
    with open(a.inputs, encoding="utf-8") as f:
        line = next(l.strip() for l in f if l.strip())
    out = {"input": line, "beam_size": a.beam_size, "threads": a.threads, "max_length": a.max_length,
           "timer": "python perf_counter around subprocess.run, spawn to exit; median of runs after "
                    "one untimed run (model file in the page cache)"}
    out["retort"] = time_runs(
        [a.retort, "translate", "-m", a.model, "--beam-size", str(a.beam_size), "--n-best", "1",
         "--max-length", str(a.max_length), "--threads", str(a.threads)],
        line + "\n", a.runs)
    out["ctranslate2"] = {}
    for ct in a.compute_types:
        out["ctranslate2"][ct] = time_runs(
            [a.python, "-c", CT2_FIRST, a.ct2_model, ct, str(a.threads), line, str(a.beam_size),
             str(a.max_length)], "", a.runs)
    for name, r in [("retort", out["retort"])] + [(f"ct2 {k}", v) for k, v in out["ctranslate2"].items()]:
        print(f"cold start {name}: {r['median_s']:.3f} s median", file=sys.stderr)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def cmd_agree(a):
    def jsonl(path, pick):
        with open(path, encoding="utf-8") as f:
            return [pick(json.loads(l)) for l in f if l.strip()]

    retort = jsonl(a.retort_jsonl, lambda o: o["predictions"][0]["tokens"])
    ct2 = jsonl(a.ct2_jsonl, lambda o: o)
    if len(retort) != len(ct2):
        sys.exit(f"harness: {len(retort)} Retort outputs but {len(ct2)} CTranslate2 outputs")
    same = sum(r == c for r, c in zip(retort, ct2))
    first_diff = next((i for i, (r, c) in enumerate(zip(retort, ct2)) if r != c), None)
    res = {"beam_size": a.beam_size, "sentences": len(ct2), "identical_top1": same,
           "agreement": same / len(ct2) if ct2 else 0.0, "first_difference_line": None if first_diff is None else first_diff + 1,
           "mean_len_retort": statistics.mean(map(len, retort)), "mean_len_ct2": statistics.mean(map(len, ct2))}
    print(json.dumps(res))


def zip_size(paths):
    """Bytes of a deflate-9 zip of these files (what shipping the model costs)."""
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for p in paths:
            z.write(p, os.path.basename(p))
    return buf.getbuffer().nbytes


def cmd_report(a):
    retort = json.load(open(a.retort_json))
    ct2 = json.load(open(a.ct2_json))
    cold = json.load(open(a.cold_json)) if a.cold_json else None
    agree = [json.loads(l) for l in open(a.agree_jsonl)] if a.agree_jsonl else []
    model_meta = os.path.join(a.ct2_model, "bench_model.json")
    ct2_files = [os.path.join(a.ct2_model, n) for n in sorted(os.listdir(a.ct2_model)) if n != "bench_model.json"]
    sizes = {
        "ct2_dir_bytes": sum(os.path.getsize(p) for p in ct2_files),
        "ct2_dir_zip_bytes": zip_size(ct2_files) if not a.no_zip else None,
        "retort_bundle_bytes": os.path.getsize(a.retort_model),
        "retort_bundle_zip_bytes": zip_size([a.retort_model]) if not a.no_zip else None,
        "retort_binary_bytes": os.path.getsize(a.retort) if a.retort else None,
    }
    results = {
        "schema": "retort-vs-ct2/1",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname()), "loadavg_at_report": os.getloadavg()},
        "model": json.load(open(model_meta)) if os.path.exists(model_meta) else None,
        "sizes": sizes, "retort": retort, "ctranslate2": ct2, "cold_start": cold, "agreement": agree,
    }
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")

    mb = lambda b: f"{b / 2**20:.0f}" if b else "n/a"
    runs = retort["runs"] + ct2["runs"]
    order = {"retort": 0, "ctranslate2": 1}
    ctorder = {"float32": 0, "int8": 1}
    runs.sort(key=lambda r: (-r["beam_size"], r["threads"], order[r["engine"]], ctorder.get(r["compute_type"], 9)))
    s = retort["bench"]["settings"]
    print(f"\n{retort['bench']['input']['sentences']} inputs, max_length {s['max_length']}, batch {s['batch_size']}, "
          f"n_best 1, length penalty none, median of {s['repeat']} pass(es) after a warm-up batch\n")
    print("| engine | compute | beam | threads | sent/s | tok/s | peak RSS MB | load s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['engine']} | {r['compute_type']} | {r['beam_size']} | {r['threads']} | "
              f"{r['sentences_per_s']:.2f} | {r['tokens_per_s']:.1f} | {mb(r['peak_rss_bytes'])} | {r['load_s']:.3f} |")

    def find(engine, ct, beam, threads):
        return next((r for r in runs if r["engine"] == engine and r["compute_type"] == ct
                     and r["beam_size"] == beam and r["threads"] == threads), None)

    print()
    print("| beam | threads | Retort f32 / CT2 float32 | Retort int8 / CT2 int8 |")
    print("|---:|---:|---:|---:|")
    ratios = []
    for beam in sorted({r["beam_size"] for r in runs}, reverse=True):
        for t in sorted({r["threads"] for r in runs}):
            cells = []
            for ct in ("float32", "int8"):
                rt, c = find("retort", ct, beam, t), find("ctranslate2", ct, beam, t)
                if rt and c:
                    ratio = rt["sentences_per_s"] / c["sentences_per_s"]
                    ratios.append(ratio)
                    cells.append(f"{rt['sentences_per_s']:.2f} / {c['sentences_per_s']:.2f} = {ratio:.2f}x")
                else:
                    cells.append("n/a")
            print(f"| {beam} | {t} | {cells[0]} | {cells[1]} |")
    if ratios:
        print(f"target (Retort >= 1.0x CTranslate2 at the same compute type, every row): "
              f"{'MET' if min(ratios) >= 1 else 'NOT MET'} (lowest {min(ratios):.2f}x)")
    for g in agree:
        print(f"top-1 agreement Retort vs CT2 float32, beam {g['beam_size']}: {g['identical_top1']}/{g['sentences']} "
              f"({100 * g['agreement']:.1f} %); mean output length {g['mean_len_retort']:.1f} vs {g['mean_len_ct2']:.1f}")
    if cold:
        c = cold["retort"]
        line = f"cold start (process start -> first answer, beam {cold['beam_size']}, {cold['threads']} thread(s), median of {c['runs']}): retort {c['median_s']:.3f} s"
        for k, v in cold["ctranslate2"].items():
            line += f", ct2 {k} (python) {v['median_s']:.3f} s"
        print(line)
    zs = lambda b: "" if b is None else f", zip {mb(b)} MB"
    print(f"model size: CT2 dir {mb(sizes['ct2_dir_bytes'])} MB{zs(sizes['ct2_dir_zip_bytes'])}; "
          f"Retort bundle {mb(sizes['retort_bundle_bytes'])} MB{zs(sizes['retort_bundle_zip_bytes'])}"
          + (f"; retort binary {mb(sizes['retort_binary_bytes'])} MB" if sizes["retort_binary_bytes"] else ""))
    base = [r["rss_before_load_bytes"] for r in ct2["runs"] if r.get("rss_before_load_bytes")]
    if base:
        print(f"note: CT2 peak RSS includes Python + numpy + ctranslate2 imports: {mb(min(base))}-{mb(max(base))} MB "
              f"before the model load; Retort's is the whole `retort bench` process")
    if results["model"]:
        m = results["model"]
        sh = m["shape"]
        print(f"model: {sh['layers'][0]}+{sh['layers'][1]} layers, d_model {sh['d_model']}, {sh['heads']} heads, "
              f"ff {sh['ff']}, vocab {sh['vocab']}, seed {m['seed']}, </s> bias {m['eos_bias']:.3f} "
              f"(calibrated mean beam-5 length {m['calibration']['mean_len']:.1f})")
    print(f"machine: {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.2f}; results: {a.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ints = lambda s: [int(x) for x in s.split(",")]

    p = sub.add_parser("retort-sweep")
    p.add_argument("--retort", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--beam-sizes", type=ints, default=[5, 1])
    p.add_argument("--thread-counts", type=ints, default=[1, 2])
    p.add_argument("--batch-size", type=int, default=30)
    p.add_argument("--max-length", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--compute-types", type=lambda s: s.split(","), default=["float32", "int8"])
    p.add_argument("--int8-model", help="the int8-stored bundle (default: --model quantized at load)")
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_retort_sweep)

    p = sub.add_parser("cold")
    p.add_argument("--retort", required=True)
    p.add_argument("--model", required=True, help="Retort bundle")
    p.add_argument("--ct2-model", required=True)
    p.add_argument("--python", required=True, help="the Python with ctranslate2")
    p.add_argument("--inputs", required=True, help="the first non-empty line is translated")
    p.add_argument("--compute-types", type=lambda s: s.split(","), default=["float32", "int8"])
    p.add_argument("--beam-size", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-length", type=int, default=60)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_cold)

    p = sub.add_parser("agree")
    p.add_argument("--retort-jsonl", required=True, help="`retort translate --format jsonl` output")
    p.add_argument("--ct2-jsonl", required=True, help="`ct2_bench.py dump` output")
    p.add_argument("--beam-size", type=int, required=True)
    p.set_defaults(fn=cmd_agree)

    p = sub.add_parser("report")
    p.add_argument("--retort-json", required=True)
    p.add_argument("--ct2-json", required=True)
    p.add_argument("--cold-json")
    p.add_argument("--agree-jsonl")
    p.add_argument("--ct2-model", required=True)
    p.add_argument("--retort-model", required=True)
    p.add_argument("--retort")
    p.add_argument("--no-zip", action="store_true")
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_report)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
