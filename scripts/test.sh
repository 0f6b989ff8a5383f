#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs unit,
# golden (reference-engine parity), end-to-end CLI and Lambda tests, the Python package, the Lambda packaging and
# arm64 checks, the wasm build and the browser tests.
# Usage: scripts/test.sh               (everything)
#        SKIP_WASM=1 scripts/test.sh    (skips the wasm build and the browser tests)
#        SKIP_AARCH64=1 scripts/test.sh (skips the arm64 Lambda binary and the aarch64 wheel under qemu)
#        SKIP_FUZZ=1 scripts/test.sh    (skips the bounded fuzzing run, scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's start is stamped with the minutes elapsed, so a CI log shows where the time goes.
step() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

if ! command -v cargo >/dev/null; then
  echo "cargo is required (https://rustup.rs); install it and re-run" >&2
  exit 1
fi

step "style: cargo fmt --check"
cargo fmt --all --check

# Clippy lints the workspace's crates while the release build compiles them, instead of in a
# `cargo clippy` of its own: `cargo clippy` is `cargo check` with clippy-driver as the
# workspace's compiler wrapper, and the check build of every dependency cost CI 4 minutes.
# The wrapper is part of the workspace crates' fingerprints, so it stays set for every later
# x86-64 step that reuses this build (the wheel, the Lambda zip, the CLI for the web tests);
# the Debian-toolchain builds (wasm32, aarch64) and the fuzz build clear it. CLIPPY_ARGS is how
# cargo-clippy hands `-- -D warnings` to clippy-driver.
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)
[ -x "$clippy_driver" ] || { echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "feature pins: the wheel and CLI builds will reuse the workspace build (scripts/check-feature-pins.sh)"
scripts/check-feature-pins.sh

# Build phase: the independent builds run side by side, each lane writing its own log (printed,
# whole, when the lane ends). On CI's 2 cores one build alone leaves a core idle for minutes
# (burn-flex is one 3-6 minute crate; the wasm and Lambda links are single-threaded LTO), and
# the installs wait on the network; side by side they fill those gaps. The tests run after,
# on a quiet machine, in the order below; every build they start is then a no-op.
ci_logs=target/ci-logs
mkdir -p "$ci_logs"
declare -A lane_pid lane_start
lane() { # lane NAME COMMAND...
    local name="$1"
    shift
    set -m # its own process group, so that the trap below stops the whole lane
    "$@" >"$ci_logs/$name.log" 2>&1 &
    lane_pid[$name]=$!
    set +m
    lane_start[$name]=$SECONDS
}
join_lane() { # join_lane NAME: waits for it and prints its log; a failed lane fails the suite
    local name="$1" status=0
    wait "${lane_pid[$name]}" || status=$?
    step "build lane '$name' done: status $status, $((SECONDS - lane_start[$name])) s (log: $ci_logs/$name.log)"
    cat "$ci_logs/$name.log"
    [ "$status" -eq 0 ] || { echo "build lane '$name' failed" >&2; exit 1; }
}
# A failed step leaves no lane building behind it.
trap 'for p in "${lane_pid[@]}"; do kill -- "-$p" 2>/dev/null || true; done' EXIT

native_lane() {
    # --all-targets as clippy would lint them: every test, example and binary.
    cargo test --release --workspace --all-targets --locked --no-run
    if [ "${SKIP_FUZZ:-0}" != 1 ]; then scripts/fuzz.sh --build-only; fi
}
cross_lane() {
    # Every apt package of the later steps, here, before anything else may call apt (one dpkg
    # at a time): the Debian toolchain (wasm32, aarch64), qemu, the cross linker, Chromium.
    [ "${SKIP_WASM:-0}" != 1 ] || [ "${SKIP_AARCH64:-0}" != 1 ] || return 0
    (
        RETORT_LOG_TAG=test
        . scripts/lib-toolchain.sh
        retort_ensure_debian_rust
        pkgs=()
        [ "${SKIP_WASM:-0}" = 1 ] || pkgs+=(chromium)
        [ "${SKIP_AARCH64:-0}" = 1 ] || pkgs+=(qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
        [ "${#pkgs[@]}" -eq 0 ] || retort_apt_install "${pkgs[@]}"
    )
    if [ "${SKIP_WASM:-0}" != 1 ]; then
        scripts/test-web.sh --build-only
    fi
    if [ "${SKIP_AARCH64:-0}" != 1 ]; then
        # (the aarch64 wheel builds in its check below, on this build's dependencies)
        scripts/test-lambda.sh --build-arm64
    fi
}
prepare_lane() {
    scripts/test-python.sh --prepare
    scripts/test-lambda.sh --prepare
}
step "build phase: native tests + fuzz targets | wasm32 + aarch64 (Debian toolchain) | Python and SAM venvs, side by side"
lane native native_lane
lane cross cross_lane
lane prepare prepare_lane
join_lane prepare
join_lane native
join_lane cross

step "native: clippy -D warnings (in the build above), unit, golden and end-to-end tests, Lambda through its emulator"
cargo test --release --workspace --all-targets --locked

step "Python: the retort wheel (maturin, reusing the release build above) and its pytest suite"
scripts/test-python.sh

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  # Every parser of untrusted input under libFuzzer for a few seconds each, from the committed
  # seeds, under a 2 GiB memory limit: a panic, an abort or a blow-up fails the suite.
  step "fuzz: the pickle VM, torch zip and legacy, CTranslate2 model.bin, bundle, tokenizer and Lambda event parsers (scripts/fuzz.sh)"
  scripts/fuzz.sh 10
fi

step "Lambda: SAM template, deployment zip, arm64 bootstrap under qemu"
scripts/test-lambda.sh

if [ "${SKIP_AARCH64:-0}" != 1 ]; then
  # The Linux aarch64 wheel, cross-built in the arm64-check profile so that it reuses the arm64
  # Lambda check's build of the core, imported by an arm64 CPython under qemu and compared with
  # the x86-64 wheel's answers.
  step "Python aarch64: the wheel cross-built, checked in an arm64 CPython under qemu"
  scripts/build-wheel-aarch64.sh --profile arm64-check
fi

if [ "${SKIP_WASM:-0}" != 1 ]; then
  # The two wasm engines were built in the build phase (test-web.sh --build-only).
  step "browser: wasm engine vs native on the golden fixtures (node), the demo page in headless Chromium"
  RETORT_SKIP_WEB_BUILD=1 scripts/test-web.sh
fi
step "all tests passed"
