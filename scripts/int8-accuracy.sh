#!/usr/bin/env bash
# Accuracy of int8 compute (#12): each model translated with --compute-type f32 and int8, beam 5,
# 5 hypotheses, compared (bench/int8_accuracy.py). Models: ANNalog and CTranslate2's
# aren-transliteration (real trained models, their golden sources), the OpenNMT-py 1.2 and 3.5
# golden checkpoints and the CTranslate2 int8 fixture (the golden inputs), all from fixtures/.
# With scripts/bench.sh's venv (.venv-bench, ctranslate2) present, CTranslate2's own int8 vs
# float32 agreement is measured beside Retort's where CTranslate2 can load the model.
# Usage: scripts/int8-accuracy.sh [--skip-build]
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --skip-build ] || cargo build --release --locked --workspace --bin retort >&2
retort=target/release/retort
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -c '
import json, sys
for c in json.load(open("fixtures/annalog/golden/beam5.json"))["cases"]:
    print(c["source"] if isinstance(c["source"], str) else " ".join(c["source"]))
' > "$work/annalog.txt"
"$retort" import fixtures/onmt12/model_zip.pt -o "$work/onmt12.retort" >&2
"$retort" import fixtures/onmt35/model.pt -o "$work/onmt35.retort" >&2
"$retort" import fixtures/ct2/onmt12-int8 -o "$work/ct2-int8.retort" --storage int8 >&2
aren=fixtures/ctranslate2-aren-transliteration/v2/aren-transliteration
"$retort" import "$aren" -o "$work/aren.retort" >&2
python=python3
[ -x .venv-bench/bin/python ] && python=.venv-bench/bin/python
"$python" bench/int8_accuracy.py --retort "$retort" \
    "ANNalog=fixtures/annalog/annalog.retort=$work/annalog.txt" \
    "aren-transliteration=$work/aren.retort=fixtures/golden/aren-inputs.txt=$aren" \
    "OpenNMT-py 1.2=$work/onmt12.retort=fixtures/golden/inputs.txt=fixtures/ct2/onmt12-f32" \
    "OpenNMT-py 3.5=$work/onmt35.retort=fixtures/golden/inputs.txt" \
    "CTranslate2 int8 fixture=$work/ct2-int8.retort=fixtures/golden/inputs.txt=fixtures/ct2/onmt12-int8"
