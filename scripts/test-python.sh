#!/usr/bin/env bash
# The Python package (host-python, import name `retort`): builds its wheel with maturin into the
# workspace target dir (the release profile, so it reuses the dependencies `cargo test --release
# --workspace` built), installs it into a venv and runs the pytest suite (host-python/tests):
# parity with the CLI, argument errors, threads, streaming, import, the default model.
#
# Usage: scripts/test-python.sh [pytest args...]
#        scripts/test-python.sh --prepare   (the venv only)
# Needs python3 (>= 3.9, with venv) and target/release/retort (the CLI the parity tests compare
# with; built when missing). Installs maturin and pytest into <target>/python-venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
log() { printf '[test-python] %s\n' "$*" >&2; }

MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0

target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/python-venv"

if ! "$venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $MATURIN_VERSION" ||
    ! "$venv/bin/pytest" --version 2>/dev/null | grep -q "pytest $PYTEST_VERSION"; then
    log "creating $venv (maturin $MATURIN_VERSION, pytest $PYTEST_VERSION)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "maturin==$MATURIN_VERSION" "pytest==$PYTEST_VERSION"
fi
# --prepare: the venv only (scripts/test.sh's build phase installs it beside the builds).
[ "${1:-}" != --prepare ] || exit 0

if [ ! -x "$target/release/retort" ]; then
    log "building the CLI the parity tests compare with"
    cargo build --release --locked -p retort-cli
fi

wheels="$target/wheels"
rm -f "$wheels"/retort_seq2seq-*.whl
log "maturin build --release"
# maturin sets PYO3_BUILD_EXTENSION_MODULE itself (no libpython link) and builds into the
# workspace target dir, where the release build of the dependencies already is.
(cd host-python && "$venv/bin/maturin" build --release --locked --interpreter "$venv/bin/python" --out "$wheels")
wheel=$(ls "$wheels"/retort_seq2seq-*.whl)
log "installing $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheel"

log "pytest host-python/tests"
RETORT_CLI="$target/release/retort" "$venv/bin/pytest" -q host-python/tests "$@"
