#!/usr/bin/env bash
# The wasm engine vs the native one, single thread, same bundle, inputs and settings (issue
# #12's browser target: wasm ≥ 0.5× native). Needs web/pkg (scripts/test-web.sh or
# scripts/build-web.sh), node, target/release/retort and the benchmark's MT-shaped bundle
# (scripts/bench.sh --model-only).
# Usage: scripts/bench-wasm.sh [--compute-type int8|f32] [--limit N] [--beam N]
set -euo pipefail
cd "$(dirname "$0")/.."

compute=int8 limit=30 beam=5 batch=30 max_length=60
while [ $# -gt 0 ]; do
    case "$1" in
        --compute-type) compute="$2"; shift 2 ;;
        --limit) limit="$2"; shift 2 ;;
        --beam) beam="$2"; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument '$1'" >&2; exit 2 ;;
    esac
done
bundle=bench/.work/mt.retort
inputs=bench/.work/inputs.txt
for f in "$bundle" "$inputs" web/pkg/retort_wasm_bg.wasm target/release/retort; do
    [ -e "$f" ] || { echo "missing $f (see the usage above)" >&2; exit 1; }
done

wasm=$(node bench/wasm_bench.mjs "$bundle" "$inputs" "$compute" "$limit" "$beam" "$batch" "$max_length")
native=$(target/release/retort bench -m "$bundle" --input "$inputs" --limit "$limit" --beam-size "$beam" \
    --threads 1 --batch-size "$batch" --max-length "$max_length" --compute-type "$compute" --repeat 3 --json)
python3 - "$wasm" "$native" <<'PY'
import json, sys
wasm, native = json.loads(sys.argv[1]), json.loads(sys.argv[2])
n = native["runs"][0]["sentences_per_s"]
w = wasm["sentences_per_s"]
print(f"compute {wasm['compute_type']}: wasm {w:.2f} sent/s, native (1 thread) {n:.2f} sent/s: wasm = {w / n:.2f}x native")
PY
