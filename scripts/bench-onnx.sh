#!/usr/bin/env bash
# Throughput of the ONNX-generated ANNalog (models/annalog-onnx) against the native Transformer
# on the same weights (fixtures/annalog/*.retort), in one run of one binary.
#
# Usage: scripts/bench-onnx.sh [--skip-build] [--repeat N]
# Inputs: the 60 molecules of fixtures/annalog/golden/beam5.json; beam 5 and 1, 1 and 2
# threads, n_best 1, the bundles' defaults otherwise (max length 101). Builds the workspace
# with the CLI's `onnx-annalog` feature (only retort-cli is recompiled), so a later plain
# `cargo build --workspace` relinks `retort` without it.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[bench-onnx] %s\n' "$*" >&2; }
build=1 repeat=3
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-build) build=0; shift ;;
        --repeat) repeat="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown argument $1"; exit 2 ;;
    esac
done
work=bench/.work/onnx
mkdir -p "$work"
if [ "$build" -eq 1 ]; then
    cargo build --release --locked --workspace --features retort-cli/onnx-annalog >&2
fi
retort=target/release/retort
# read the whole report first: `grep -q` leaving the pipe early would fail `inspect` (pipefail)
report=$("$retort" inspect fixtures/annalog/annalog-onnx.retort)
grep -q 'included in this build' <<<"$report" \
    || { log "$retort lacks the onnx-annalog feature (drop --skip-build)"; exit 1; }
python3 -c '
import json, sys
cases = json.load(open("fixtures/annalog/golden/beam5.json"))["cases"]
sys.stdout.write("".join(c["source"] + "\n" for c in cases))' > "$work/inputs.txt"
for m in annalog annalog-onnx; do
    log "retort bench $m"
    "$retort" bench -m "fixtures/annalog/$m.retort" --input "$work/inputs.txt" --beam-size 5,1 \
        --threads 1,2 --repeat "$repeat" --json > "$work/$m.json"
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def rows(name):
    r = json.load(open(f"{work}/{name}.json"))
    return {(x["beam_size"], x["threads"]): x["sentences_per_s"] for x in r["runs"]}
native, onnx = rows("annalog"), rows("annalog-onnx")
print("| beam | threads | native sent/s | ONNX-generated sent/s | ONNX / native |")
print("| --- | --- | --- | --- | --- |")
for k in sorted(native, key=lambda k: (-k[0], k[1])):
    print(f"| {k[0]} | {k[1]} | {native[k]:.2f} | {onnx[k]:.2f} | {onnx[k] / native[k]:.2f} |")
PY
