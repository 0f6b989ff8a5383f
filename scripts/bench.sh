#!/usr/bin/env bash
# Retort vs CTranslate2 on the Molecular Transformer shape: one command, from scratch.
#
# Usage: scripts/bench.sh [--smoke] [--skip-build] [--no-zip] [--model-only]
#   --smoke        tiny settings to check the pipeline (10 inputs, 1 pass, 2 cold runs,
#                  a 1+1-layer model); the numbers mean nothing
#   --skip-build   use target/release/retort as it is (no cargo build)
#   --no-zip       do not compute zip sizes of the models
#   --model-only   stop once the Retort bundle exists (for scripts/bench-lambda.sh)
# Environment (defaults in brackets):
#   BENCH_LIMIT [100]  inputs (first N lines of fixtures/golden/inputs.txt)
#   BENCH_MAX_LENGTH [60]  BENCH_BATCH [30]  BENCH_REPEAT [3]  BENCH_COLD_RUNS [5]
#   BENCH_BEAMS [5,1]  BENCH_THREADS [1,2]  BENCH_CT2_COMPUTE [float32,int8]
#   BENCH_PYTHON [python3.11 or python3]  interpreter for the venv
#
# Steps: venv .venv-bench (ctranslate2==4.8.5, numpy) -> bench/make_mt_model.py (CT2 model
# dir, reused when its parameters did not change) -> cargo build --release --workspace ->
# retort import -> CT2 sweep (fresh process per config) -> Retort sweep (fresh `retort bench`
# per config) -> cold start (both) -> top-1 agreement -> Markdown table on stdout,
# everything in bench/.work/results.json. Progress goes to stderr.
# Run it on a quiet machine: every other process steals cycles from a 1-thread measurement.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SMOKE=0 BUILD=1 ZIP=1 MODEL_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    --skip-build) BUILD=0 ;;
    --no-zip) ZIP=0 ;;
    --model-only) MODEL_ONLY=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done

INPUTS=fixtures/golden/inputs.txt
WORK=bench/.work
VENV=.venv-bench
if [ "$SMOKE" -eq 1 ]; then
  : "${BENCH_LIMIT:=10}" "${BENCH_REPEAT:=1}" "${BENCH_COLD_RUNS:=2}"
  MODEL_ARGS=(--layers 1 --calib-inputs 5)
  CT2_DIR=$WORK/smoke-ct2 BUNDLE=$WORK/smoke.retort RESULTS=$WORK/results-smoke.json
else
  MODEL_ARGS=()
  CT2_DIR=$WORK/mt-ct2 BUNDLE=$WORK/mt.retort RESULTS=$WORK/results.json
fi
: "${BENCH_LIMIT:=100}" "${BENCH_MAX_LENGTH:=60}" "${BENCH_BATCH:=30}" "${BENCH_REPEAT:=3}"
: "${BENCH_COLD_RUNS:=5}" "${BENCH_BEAMS:=5,1}" "${BENCH_THREADS:=1,2}" "${BENCH_CT2_COMPUTE:=float32,int8}"
if [ -z "${BENCH_PYTHON:-}" ]; then
  BENCH_PYTHON=$(command -v python3.11 || command -v python3) || die "no python3"
fi
mkdir -p "$WORK"

# 1. venv
PY=$VENV/bin/python
if ! "$PY" -c 'import ctranslate2, numpy; assert ctranslate2.__version__ == "4.8.5"' 2>/dev/null; then
  log "creating $VENV (ctranslate2==4.8.5, numpy)"
  "$BENCH_PYTHON" -m venv "$VENV"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q ctranslate2==4.8.5 numpy
fi

# 2. the CTranslate2 model (calibration takes minutes: reused while the recipe is unchanged)
STAMP="$(sha256sum bench/make_mt_model.py "$INPUTS" | sha256sum | cut -c1-16) ${MODEL_ARGS[*]:-} max_length=$BENCH_MAX_LENGTH"
if [ -f "$CT2_DIR/model.bin" ] && [ "$(cat "$CT2_DIR/.stamp" 2>/dev/null)" = "$STAMP" ]; then
  log "reusing $CT2_DIR"
else
  log "creating $CT2_DIR (calibrating the </s> bias with CTranslate2)"
  "$PY" bench/make_mt_model.py --inputs "$INPUTS" --out "$CT2_DIR" --max-length "$BENCH_MAX_LENGTH" ${MODEL_ARGS[@]+"${MODEL_ARGS[@]}"}
  printf '%s' "$STAMP" > "$CT2_DIR/.stamp"
fi

# 3. Retort
RETORT=target/release/retort
if [ "$BUILD" -eq 1 ]; then
  log "cargo build --release --workspace"
  cargo build --release --workspace >&2
fi
[ -x "$RETORT" ] || die "$RETORT missing (drop --skip-build)"
log "retort import $CT2_DIR -> $BUNDLE"
# OpenNMT-py's translate.py defaults, as CTranslate2 is run below: no length penalty.
"$RETORT" import "$CT2_DIR" -o "$BUNDLE" --tokenizer smiles --length-penalty none --alpha 0 \
  --coverage-penalty none --beta 0 >&2
if [ "$MODEL_ONLY" -eq 1 ]; then
  echo "$BUNDLE"
  exit 0
fi

# 4. throughput, one fresh process per configuration (peak RSS not mixed)
log "CTranslate2 sweep"
"$PY" bench/ct2_bench.py sweep --model "$CT2_DIR" --inputs "$INPUTS" --limit "$BENCH_LIMIT" \
  --max-length "$BENCH_MAX_LENGTH" --batch-size "$BENCH_BATCH" --repeat "$BENCH_REPEAT" \
  --compute-types "$BENCH_CT2_COMPUTE" --beam-sizes "$BENCH_BEAMS" --thread-counts "$BENCH_THREADS" \
  --out "$WORK/ct2.json"
log "retort import $BUNDLE -> ${BUNDLE%.retort}-int8.retort (int8 storage)"
"$RETORT" import "$BUNDLE" -o "${BUNDLE%.retort}-int8.retort" --storage int8 >&2
log "Retort sweep"
"$PY" bench/harness.py retort-sweep --retort "$RETORT" --model "$BUNDLE" --int8-model "${BUNDLE%.retort}-int8.retort" \
  --compute-types "$BENCH_CT2_COMPUTE" --inputs "$INPUTS" \
  --limit "$BENCH_LIMIT" --max-length "$BENCH_MAX_LENGTH" --batch-size "$BENCH_BATCH" \
  --repeat "$BENCH_REPEAT" --beam-sizes "$BENCH_BEAMS" --thread-counts "$BENCH_THREADS" \
  --out "$WORK/retort.json"

# 5. cold start: process start -> first answer, one input, beam 5, 1 thread
log "cold start"
"$PY" bench/harness.py cold --retort "$RETORT" --model "$BUNDLE" --ct2-model "$CT2_DIR" --python "$PY" \
  --inputs "$INPUTS" --compute-types "$BENCH_CT2_COMPUTE" --beam-size 5 --threads 1 \
  --max-length "$BENCH_MAX_LENGTH" --runs "$BENCH_COLD_RUNS" --out "$WORK/cold.json"

# 6. top-1 agreement with CTranslate2 float32 on the bench inputs (2 threads: outputs do not
#    depend on the thread count)
log "top-1 agreement"
head -n "$BENCH_LIMIT" "$INPUTS" > "$WORK/inputs.txt"
: > "$WORK/agree.jsonl"
for beam in ${BENCH_BEAMS//,/ }; do
  "$RETORT" translate -m "$BUNDLE" --format jsonl --beam-size "$beam" --n-best 1 \
    --max-length "$BENCH_MAX_LENGTH" --batch-size "$BENCH_BATCH" --threads 2 \
    -o "$WORK/retort-beam$beam.jsonl" "$WORK/inputs.txt"
  "$PY" bench/ct2_bench.py dump --model "$CT2_DIR" --inputs "$INPUTS" --limit "$BENCH_LIMIT" \
    --compute-type float32 --beam-size "$beam" --threads 2 --max-length "$BENCH_MAX_LENGTH" \
    --batch-size "$BENCH_BATCH" --out "$WORK/ct2-beam$beam.jsonl"
  "$PY" bench/harness.py agree --retort-jsonl "$WORK/retort-beam$beam.jsonl" \
    --ct2-jsonl "$WORK/ct2-beam$beam.jsonl" --beam-size "$beam" >> "$WORK/agree.jsonl"
done

# 7. report
ZIPARG=()
[ "$ZIP" -eq 1 ] || ZIPARG=(--no-zip)
"$PY" bench/harness.py report --retort-json "$WORK/retort.json" --ct2-json "$WORK/ct2.json" \
  --cold-json "$WORK/cold.json" --agree-jsonl "$WORK/agree.jsonl" --ct2-model "$CT2_DIR" \
  --retort-model "$BUNDLE" --retort "$RETORT" ${ZIPARG[@]+"${ZIPARG[@]}"} --out "$RESULTS"
