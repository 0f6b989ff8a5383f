#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (issue #13) with cargo-fuzz / libFuzzer: builds the
# targets in fuzz/ once, then runs each for SECONDS_PER_TARGET under an address-space limit,
# one fuzzer process per core at a time (FUZZ_JOBS). Any finding (panic, abort, allocation past the limit, an input
# slower than the time limit) fails the script, which prints the input's path and the command
# that reproduces it.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 10 s, every target)
#        scripts/fuzz.sh 600 pickle_vm                      (a longer run of one target)
#        scripts/fuzz.sh --build-only                       (builds the targets, runs none;
#                                                            scripts/test.sh's build phase)
# Targets: pickle_vm torch_zip torch_legacy ct2_model_bin bundle tokenizer lambda_event
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

BUILD_ONLY=0
if [ "${1:-}" = --build-only ]; then
  BUILD_ONLY=1
  shift
fi
SECONDS_PER_TARGET=${1:-10}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(pickle_vm torch_zip torch_legacy ct2_model_bin bundle tokenizer lambda_event)
fi

# The address space a fuzzer process may take. Above it an allocation fails and the process
# aborts ("memory allocation of N bytes failed"), which libFuzzer reports as a crash with its
# input: a parser that lets a small file ask for gigabytes is a finding. (libFuzzer's
# -malloc_limit_mb needs a sanitizer's allocator hooks, so the address-space limit does its
# job here.) -rss_limit_mb catches slow growth; -timeout catches an input that takes too long.
MEMORY_LIMIT_MB=${FUZZ_MEMORY_LIMIT_MB:-2048}
ADDRESS_SPACE_LIMIT_MB=$((MEMORY_LIMIT_MB + 1024)) # the binary, thread stacks, malloc arenas
TIMEOUT_S=10

# The targets are in cargo-fuzz's layout (`cargo fuzz run <target>` works where cargo-fuzz is
# installed), but this script builds them with plain cargo and the instrumentation cargo-fuzz
# 0.13 passes for `build --sanitizer none -O -a`: installing cargo-fuzz costs CI 3 minutes, and
# cargo-fuzz forces one codegen unit, which makes the cold build slower still. Sanitizer none:
# coverage-guided libFuzzer without ASan's instrumentation of every memory access (cheaper to
# build and run), and an address-space limit works, which it does not beside ASan's terabytes
# of shadow memory; safe Rust gets little from ASan, and the parsers have no unsafe code.
# Optimized, with debug assertions and overflow checks on (fuzz/Cargo.toml's profile).
# --target: the instrumentation reaches the fuzzed code, not build scripts or proc macros.
HOST=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
-Cllvm-args=-sanitizer-coverage-stack-depth -Cdebug-assertions"
# Its own workspace and target dir: scripts/test.sh's clippy wrapper has no business here.
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
BUILD=(cargo build --release --bins --target "$HOST")
echo "== building the fuzz targets: ${BUILD[*]}"
"${BUILD[@]}"
BIN_DIR=target/$HOST/release
[ "$BUILD_ONLY" -eq 0 ] || exit 0

# The ct2_model_bin target writes its model directory under TMPDIR.
export TMPDIR=$PWD/target/tmp
mkdir -p "$TMPDIR"

for target in "${TARGETS[@]}"; do
  if [ ! -x "$BIN_DIR/$target" ]; then
    echo "unknown fuzz target '$target' (see fuzz/Cargo.toml)" >&2
    exit 2
  fi
done

# One target's run (its report on stdout); it exits non-zero on a finding.
fuzz_one() {
  local target="$1"
  # New inputs go to a scratch copy (kept between local runs); the committed seeds stay as
  # they are.
  local scratch=target/corpus/$target
  local artifacts=artifacts/$target
  mkdir -p "$scratch" "$artifacts"
  local dict=()
  if [ -f "dict/$target.dict" ]; then
    dict=("-dict=dict/$target.dict")
  fi
  echo "== fuzzing $target for ${SECONDS_PER_TARGET}s (address space ${ADDRESS_SPACE_LIMIT_MB} MB)"
  local started=target/$target.started
  touch "$started"
  local status=0
  (
    ulimit -v $((ADDRESS_SPACE_LIMIT_MB * 1024))
    exec "$BIN_DIR/$target" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$MEMORY_LIMIT_MB" \
      -timeout="$TIMEOUT_S" -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
      "$scratch" "corpus/$target"
  ) >"target/$target.log" 2>&1 || status=$?
  grep -a -E '^stat::(number_of_executed_units|peak_rss_mb)' "target/$target.log" || true
  local findings
  findings=$(find "$artifacts" -type f -newer "$started")
  # A "slow unit" (one input over libFuzzer's 10 s report threshold, below -timeout's crash) is
  # re-run alone: if it is fast now, the machine stalled rather than the parser (a VM snapshot
  # once made a 0.6 ms input "take" 20 s). It is reported and kept, not counted as a finding.
  if [ "$status" -eq 0 ]; then
    local kept="" f ms
    for f in $findings; do
      case "$(basename "$f")" in
        slow-unit-*)
          ms=$("$BIN_DIR/$target" -timeout="$TIMEOUT_S" "$f" 2>&1 | sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p')
          if [ -n "$ms" ] && [ "$ms" -lt 1000 ]; then
            echo "== slow unit not reproduced ($ms ms alone; the machine stalled): fuzz/$f"
            continue
          fi ;;
      esac
      kept="$kept $f"
    done
    findings=${kept# }
  fi
  if [ "$status" -ne 0 ] || [ -n "$findings" ]; then
    tail -n 40 "target/$target.log" | cat -v
    for f in $findings; do
      echo "FINDING in $target: fuzz/$f"
      echo "  reproduce: fuzz/$BIN_DIR/$target fuzz/$f   (or: cd fuzz && cargo fuzz run --sanitizer none -O -a $target $f)"
    done
    if [ -z "$findings" ]; then
      echo "FINDING in $target: the fuzzer exited with status $status and saved no input (log: fuzz/target/$target.log)"
    fi
    return 1
  fi
}

# The targets run FUZZ_JOBS at a time (default: one per core, at most 4), each in its own
# process on its own core, for the same wall-clock seconds as alone; reports print in order.
jobs_max=${FUZZ_JOBS:-$(nproc)}
[ "$jobs_max" -le 4 ] || jobs_max=4
pids=()
next=0 printed=0
failed=()
while [ "$printed" -lt ${#TARGETS[@]} ]; do
  while [ "$next" -lt ${#TARGETS[@]} ] && [ $((next - printed)) -lt "$jobs_max" ]; do
    fuzz_one "${TARGETS[$next]}" >"target/run-$next.report" 2>&1 &
    pids[next]=$!
    next=$((next + 1))
  done
  wait "${pids[$printed]}" || failed+=("${TARGETS[$printed]}")
  cat "target/run-$printed.report"
  printed=$((printed + 1))
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "== fuzzing: no findings (${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each)"
