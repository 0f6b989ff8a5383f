#!/usr/bin/env bash
# Browser host tests: builds web/pkg (scripts/build-web.sh) and the native CLI, installs
# Debian's chromium when missing, then runs `node --test` on web/test/: the wasm engine under
# node against the native CLI on the golden fixtures, the demo page in headless Chromium, and
# what it downloads (cold first prediction, reload).
# A second engine with the ONNX-generated ANNalog compiled in (feature onnx-annalog, not the
# page's) goes to target/web-onnx (same target dir and profile: only retort-wasm and the model
# crate are compiled again; no wasm-opt) and is checked against the CLI and PyTorch.
# Usage: scripts/test-web.sh   (RETORT_SKIP_WEB_BUILD=1 reuses an existing web/pkg)
#        scripts/test-web.sh --build-only   (the two engines and web/node_modules, no tests)
set -euo pipefail

# shellcheck disable=SC2034 # read by lib-toolchain.sh
RETORT_LOG_TAG=test-web
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-toolchain.sh"
cd "$RETORT_ROOT"

command -v node >/dev/null || retort_die "node (20+) is required"
[ -x /usr/bin/chromium ] || retort_apt_install chromium

onnx_pkg="$RETORT_ROOT/target/web-onnx"
if [ "${RETORT_SKIP_WEB_BUILD:-0}" != 1 ] || [ ! -f web/pkg/retort_wasm_bg.wasm ]; then
    scripts/build-web.sh
elif ! grep -q '"files"' web/pkg/manifest.json 2>/dev/null; then
    node web/build-assets.mjs web/pkg # a web/pkg from before the page loaded through the manifest
fi
if [ "${RETORT_SKIP_WEB_BUILD:-0}" != 1 ] || [ ! -f "$onnx_pkg/retort_wasm_bg.wasm" ]; then
    RETORT_WEB_PKG="$onnx_pkg" RETORT_WASM_OPT=0 RETORT_WEB_ASSETS=0 scripts/build-web.sh --features onnx-annalog
fi
(cd web && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund; })
[ "${1:-}" != --build-only ] || exit 0
# The tests need only the CLI. --workspace keeps the feature set of scripts/test.sh's
# `cargo test --workspace` (features are unified over the selected packages), so burn is not
# compiled a second time as it would be for `-p retort-cli`; --bin retort builds only the
# CLI's own crates, not the Lambda, ONNX generator and emulator binaries. No-op after CI's
# `cargo test --release --workspace`.
cargo build --release --locked --workspace --bin retort

cd web
node --test --test-concurrency=1 test/wasm.test.mjs test/atoms.test.mjs test/page.test.mjs test/loads.test.mjs
RETORT_ONNX_PKG="$onnx_pkg" node --test test/onnx.test.mjs
