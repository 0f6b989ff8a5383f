#!/usr/bin/env bash
# Build Retort for the browser: the retort-wasm engine (wasm-bindgen, wasm-opt -Oz), RDKit.js,
# the built-in toy model and the examples, all into web/pkg/ (git-ignored), then their
# content-hashed, precompressed copies and pkg/manifest.json, by which the page loads them
# (web/build-assets.mjs).
#
# Usage: scripts/build-web.sh [extra cargo args for build-wasm.sh...]
# Then:  node web/serve.mjs   and open http://127.0.0.1:8080
#
# Idempotent. Installs only what is missing: Debian's Rust/lld (build-wasm.sh), the
# wasm-bindgen-cli whose version equals the wasm-bindgen crate in Cargo.lock (cargo install),
# and web/node_modules (npm ci: RDKit.js, playwright-core, and binaryen's wasm-opt).
# Environment: RETORT_EXAMPLES  examples file (default fixtures/seed/deep-synthesis/source_small.txt)
#              RETORT_WASM_OPT=0 skip wasm-opt (faster, bigger)
#              RETORT_WEB_PKG   output directory (default web/pkg; the page loads web/pkg)
#              RETORT_WEB_ASSETS=0 skip the hashed copies and the manifest (a pkg for node only)
#              RETORT_BROTLI_QUALITY brotli level of the precompressed copies (default 9; 11 for a
#                               deployment: 13 % smaller, ~160 s instead of ~8 s)
set -euo pipefail

# shellcheck disable=SC2034 # read by lib-toolchain.sh
RETORT_LOG_TAG=build-web
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-toolchain.sh"

cd "$RETORT_ROOT"
web="$RETORT_ROOT/web"
pkg="${RETORT_WEB_PKG:-$web/pkg}"
target_dir="${RETORT_WASM_TARGET_DIR:-$RETORT_ROOT/target/wasm}"
start=$(date +%s)

# 1. The engine: retort-wasm as a wasm32 cdylib (Debian toolchain, build-std, +simd128).
# The release profile is changed for this build only (--config; it has its own target dir, and
# the workspace's profile stays what native builds want). One codegen unit with fat LTO drops
# what nothing calls and folds the many monomorphized copies. Dependencies are built for size
# (tokenizers, regex, serde, std, and burn-flex, whose kernels for every dtype are the biggest
# part), except the matmul and SIMD crates, which stay at opt-level 3 like the two workspace
# crates (retort-wasm's level is the one the LTO pass runs at). Everything at "z" was 2.71 MB
# but half as fast; this is 2.85 MB and 15-20 % slower than opt-level 3 without LTO (5.78 MB).
# The size level is the profile's own, not `package."*"`'s: a `package."*"` setting also wins
# over `build-override` for proc macros and build scripts, which then cost 4.4 CPU-minutes of
# a cold build optimized for size; at the profile's level they keep build-override's default
# (unoptimized, as in every native build). So the workspace crates name their level 3 here.
size_profile=(
    --config 'profile.release.lto="fat"'
    --config 'profile.release.codegen-units=1'
    --config 'profile.release.opt-level="z"'
)
for hot in macerator gemm gemm-common gemm-f32 retort-wasm retort-core retort-models retort-model-annalog-onnx; do
    size_profile+=(--config "profile.release.package.$hot.opt-level=3")
done
"$RETORT_ROOT/scripts/build-wasm.sh" -p retort-wasm --locked "${size_profile[@]}" "$@" >&2
raw_wasm="$target_dir/wasm32-unknown-unknown/release/retort_wasm.wasm"
[ -f "$raw_wasm" ] || retort_die "no $raw_wasm (a --profile other than release is not supported here)"

# 2. wasm-bindgen-cli of exactly the crate's version (the schema must match).
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$wb_version" ] || retort_die "wasm-bindgen is not in Cargo.lock"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
wasm_bindgen="$cargo_bin/wasm-bindgen"
have_wb="$("$wasm_bindgen" --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_wb" != "$wb_version" ]; then
    command -v cargo >/dev/null || retort_die "cargo (rustup) is needed to install wasm-bindgen-cli"
    # Only the one binary this script runs, and no TLS stack: the default features are for
    # the test runner's WebDriver downloads (rustls, ring), which nothing here uses.
    install=(cargo install wasm-bindgen-cli --version "$wb_version" --no-default-features --bin wasm-bindgen)
    retort_log "${install[*]} --locked (have: ${have_wb:-none})"
    if ! "${install[@]}" --locked >&2; then
        # Its lock file can name a crate version the registry no longer serves (yanked or
        # not mirrored); resolve afresh within the same semver ranges.
        retort_log "--locked install failed; retrying without --locked"
        "${install[@]}" >&2
    fi
fi

# 3. RDKit.js (the real RDKit as wasm) and binaryen's wasm-opt, both from npm.
if [ ! -f "$web/node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" ] ||
    [ ! -d "$web/node_modules/playwright-core" ] || [ ! -x "$web/node_modules/.bin/wasm-opt" ]; then
    command -v npm >/dev/null || retort_die "npm is needed (node 20+)"
    retort_log "npm ci (web/)"
    (cd "$web" && npm ci --no-audit --no-fund >&2)
fi

# 4. Browser bindings (ES module + wasm) into web/pkg.
rm -rf "$pkg"
mkdir -p "$pkg"
"$wasm_bindgen" --target web --no-typescript --out-dir "$pkg" "$raw_wasm"
wasm="$pkg/retort_wasm_bg.wasm"

# 5. wasm-opt: npm's binaryen (run by node) rather than Debian's: rustc enables reference
# types, so wasm-bindgen emits an externref table, and binaryen before 116 (bookworm ships 108)
# rewrites it into a table JS cannot fill ("WebAssembly.Table.set(): Argument 1 is invalid").
# It also drops the name section (over 1 MB).
if [ "${RETORT_WASM_OPT:-1}" != 0 ]; then
    wasm_opt="$web/node_modules/.bin/wasm-opt"
    binaryen_v="$("$wasm_opt" --version | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p')"
    [ "${binaryen_v:-0}" -ge 116 ] || retort_die "binaryen ${binaryen_v:-?} < 116 corrupts the externref table (see the comment)"
    before="$(stat -c %s "$wasm")"
    t0=$(date +%s)
    "$wasm_opt" -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals --enable-reference-types "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    retort_log "wasm-opt -Oz (binaryen $binaryen_v): $before -> $(stat -c %s "$wasm") bytes in $(($(date +%s) - t0))s"
fi
cp "$web/node_modules/@rdkit/rdkit/dist/RDKit_minimal.js" "$web/node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" "$pkg/"

# 6. The built-in models and their examples, read at build time (never committed).
cp host-cli/assets/default.retort "$pkg/default.retort"
# The seed's 100 reactions, committed (fixtures/seed/README.md).
examples="${RETORT_EXAMPLES:-$RETORT_ROOT/fixtures/seed/deep-synthesis/source_small.txt}"
[ -f "$examples" ] || retort_die "examples file $examples not found (RETORT_EXAMPLES)"
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split(/\r?\n/).map(s => s.trim()).filter(Boolean);
// The seed stores space-tokenized SMILES; the page wants raw SMILES.
const raw = lines.map(s => s.replace(/ /g, ""));
fs.writeFileSync(process.argv[2], JSON.stringify({ source: require("path").basename(process.argv[1]), examples: raw }, null, 1));
' "$examples" "$pkg/examples.json"
# The second model: ANNalog (MIT; analogue generation), imported natively, with its own examples.
cp fixtures/annalog/annalog.retort "$pkg/annalog.retort"
node -e '
const fs = require("fs");
const g = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
fs.writeFileSync(process.argv[2], JSON.stringify({ source: "ANNalog reference molecules", examples: g.cases.map(c => c.source) }, null, 1));
' fixtures/annalog/golden/greedy.json "$pkg/annalog-examples.json"

# 7. Content-hashed copies, precompressed (gzip, brotli), and the manifest; it prints the sizes.
if [ "${RETORT_WEB_ASSETS:-1}" != 0 ]; then
    node "$web/build-assets.mjs" "$pkg"
fi
engine_raw="$(stat -c %s "$wasm")"
[ "$engine_raw" -le $((3 * 1024 * 1024)) ] || retort_log "warning: engine wasm is over the 3 MB target"
retort_log "done in $(($(date +%s) - start))s"
