#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs unit,
# golden (reference-engine parity), end-to-end CLI tests and the wasm build.
# Usage: scripts/test.sh            (everything)
#        SKIP_WASM=1 scripts/test.sh (native tests only; skips the wasm build and the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo is required (https://rustup.rs); install it and re-run" >&2
  exit 1
fi

if [ ! -d ../shared/peer-models ]; then
  echo "note: ../shared is absent; tests that read ../shared/peer-models will fail" >&2
fi

echo "== native: unit, golden and end-to-end tests (release profile, one build)"
cargo test --release --workspace --locked

if [ "${SKIP_WASM:-0}" != 1 ]; then
  echo "== wasm32: the core builds for the browser"
  scripts/build-wasm.sh
  echo "== browser: wasm engine vs native on the golden fixtures (node), the demo page in headless Chromium"
  scripts/test-web.sh
fi
echo "== all tests passed"
