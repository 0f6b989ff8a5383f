"""Answers of an installed `retort` wheel on the golden inputs, as JSON, so that wheels built for
different machines can be compared (scripts/build-wheel-aarch64.sh runs it in an arm64 CPython
under qemu and in the x86-64 venv).

    python scripts/wheel_answers.py > answers.json
    python scripts/wheel_answers.py --compare a.json b.json   # exit 1 when they differ

Compared: the tokens of every hypothesis exactly, scores to 1e-4 (the hosts' float kernels
differ in summation order, as the Lambda function's arm64 check allows).
"""

import json
import pathlib
import platform
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCORE_TOLERANCE = 1e-4


def answers():
    import retort

    inputs = (ROOT / "fixtures" / "golden" / "inputs.txt").read_text().split("\n")
    # qemu runs the unoptimised CI build slowly (24 inputs took 3-5 minutes): 8 inputs x 3 option sets
    # (24 hypotheses in the n-best run) cover beam, n-best, greedy and length penalty.
    inputs = [line for line in inputs if line.strip()][:8]
    translator = retort.Translator()
    runs = {
        "beam5-nbest3": dict(beam_size=5, num_hypotheses=3),
        "greedy": dict(beam_size=1),
        "beam5-wu": dict(beam_size=5, length_penalty="wu", alpha=0.6),
    }
    out = {"machine": platform.machine(), "model": translator.model_name, "runs": {}}
    for name, options in runs.items():
        results = translator.translate_batch(inputs, **options)
        out["runs"][name] = [{"hypotheses": r.hypotheses, "scores": r.scores} for r in results]
    return out


def compare(a, b):
    problems = []
    if a["model"] != b["model"]:
        problems.append(f"models differ: {a['model']} vs {b['model']}")
    count = 0
    for name, results in a["runs"].items():
        other = b["runs"].get(name)
        if other is None or len(other) != len(results):
            problems.append(f"{name}: {len(results)} results vs {len(other or [])}")
            continue
        for i, (x, y) in enumerate(zip(results, other)):
            if x["hypotheses"] != y["hypotheses"]:
                problems.append(f"{name}, input {i}: {x['hypotheses'][:1]} vs {y['hypotheses'][:1]}")
            for s, t in zip(x["scores"], y["scores"]):
                if abs(s - t) > SCORE_TOLERANCE:
                    problems.append(f"{name}, input {i}: score {s} vs {t}")
            count += len(x["hypotheses"])
    for p in problems:
        print(p, file=sys.stderr)
    verdict = "differ" if problems else "agree"
    print(f"{a['machine']} and {b['machine']} {verdict}: {count} hypotheses over {len(a['runs'])} runs")
    return not problems


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare"]:
        a, b = (json.loads(pathlib.Path(p).read_text()) for p in sys.argv[2:4])
        sys.exit(0 if compare(a, b) else 1)
    json.dump(answers(), sys.stdout)
