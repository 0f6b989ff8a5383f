#!/usr/bin/env bash
# Build Retort for the browser: the retort-wasm engine (wasm-bindgen, wasm-opt -Oz), RDKit.js,
# the built-in toy model and the examples, all into web/pkg/ (git-ignored).
#
# Usage: scripts/build-web.sh [extra cargo args for build-wasm.sh...]
# Then:  node web/serve.mjs   and open http://127.0.0.1:8080
#
# Idempotent. Installs only what is missing: Debian's Rust/lld (build-wasm.sh), the
# wasm-bindgen-cli whose version equals the wasm-bindgen crate in Cargo.lock (cargo install),
# wasm-opt (Debian's binaryen), and web/node_modules (npm ci).
# Environment: RETORT_EXAMPLES  examples file (default ../shared/seed/deep-synthesis/source_small.txt)
#              RETORT_WASM_OPT=0 skip wasm-opt (faster, bigger)
set -euo pipefail

# shellcheck disable=SC2034 # read by lib-toolchain.sh
RETORT_LOG_TAG=build-web
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-toolchain.sh"

cd "$RETORT_ROOT"
web="$RETORT_ROOT/web"
pkg="$web/pkg"
target_dir="${RETORT_WASM_TARGET_DIR:-$RETORT_ROOT/target/wasm}"
start=$(date +%s)

# 1. The engine: retort-wasm as a wasm32 cdylib (Debian toolchain, build-std, +simd128).
"$RETORT_ROOT/scripts/build-wasm.sh" -p retort-wasm --locked "$@" >&2
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
    retort_log "cargo install wasm-bindgen-cli --version $wb_version --locked (have: ${have_wb:-none})"
    if ! cargo install wasm-bindgen-cli --version "$wb_version" --locked >&2; then
        # Its lock file can name a crate version the registry no longer serves (yanked or
        # not mirrored); resolve afresh within the same semver ranges.
        retort_log "--locked install failed; retrying without --locked"
        cargo install wasm-bindgen-cli --version "$wb_version" >&2
    fi
fi

# 3. wasm-opt from Debian's binaryen.
if [ "${RETORT_WASM_OPT:-1}" != 0 ]; then
    command -v wasm-opt >/dev/null || retort_apt_install binaryen
fi

# 4. Browser bindings (ES module + wasm) into web/pkg.
rm -rf "$pkg"
mkdir -p "$pkg"
"$wasm_bindgen" --target web --no-typescript --out-dir "$pkg" "$raw_wasm"
wasm="$pkg/retort_wasm_bg.wasm"
# rustc enables reference types by default, so wasm-bindgen emits an externref table; binaryen
# before version 116 (Debian bookworm ships 108) rewrites it into a table JS cannot fill
# ("WebAssembly.Table.set(): Argument 1 is invalid"), so an older wasm-opt is skipped.
wasm_opt_ok=0
if [ "${RETORT_WASM_OPT:-1}" != 0 ]; then
    binaryen_v="$(wasm-opt --version | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p')"
    if [ "${binaryen_v:-0}" -ge 116 ]; then
        wasm_opt_ok=1
    else
        retort_log "skipping wasm-opt: binaryen ${binaryen_v:-?} < 116 corrupts the externref table (see the comment)"
    fi
fi
if [ "$wasm_opt_ok" = 1 ]; then
    before="$(stat -c %s "$wasm")"
    wasm-opt -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals --enable-reference-types "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    retort_log "wasm-opt -Oz: $before -> $(stat -c %s "$wasm") bytes"
fi

# 5. RDKit.js (the real RDKit as wasm) from npm.
if [ ! -f "$web/node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" ] ||
    [ ! -d "$web/node_modules/playwright-core" ]; then
    command -v npm >/dev/null || retort_die "npm is needed (node 20+)"
    retort_log "npm ci (web/)"
    (cd "$web" && npm ci --no-audit --no-fund >&2)
fi
cp "$web/node_modules/@rdkit/rdkit/dist/RDKit_minimal.js" "$web/node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" "$pkg/"

# 6. The built-in (toy) model and the examples, read at build time (never committed).
cp host-cli/assets/default.retort "$pkg/default.retort"
examples="${RETORT_EXAMPLES:-$RETORT_ROOT/../shared/seed/deep-synthesis/source_small.txt}"
if [ ! -f "$examples" ]; then
    retort_log "warning: $examples not found; using examples/reactions.smi"
    examples="$RETORT_ROOT/examples/reactions.smi"
fi
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split(/\r?\n/).map(s => s.trim()).filter(Boolean);
// The seed stores space-tokenized SMILES; the page wants raw SMILES.
const raw = lines.map(s => s.replace(/ /g, ""));
fs.writeFileSync(process.argv[2], JSON.stringify({ source: require("path").basename(process.argv[1]), examples: raw }, null, 1));
' "$examples" "$pkg/examples.json"
bundle_sha="$(sha256sum "$pkg/default.retort" | cut -c1-16)"
wasm_sha="$(sha256sum "$wasm" | cut -c1-16)"
printf '{"bundle":"default.retort","bundle_sha":"%s","wasm_sha":"%s","built":"%s"}\n' \
    "$bundle_sha" "$wasm_sha" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$pkg/manifest.json"

# 7. Sizes.
echo "web/pkg (raw / gzip -9):"
for f in "$pkg"/retort_wasm_bg.wasm "$pkg"/retort_wasm.js "$pkg"/RDKit_minimal.wasm "$pkg"/RDKit_minimal.js "$pkg"/default.retort; do
    printf '  %-22s %9d bytes  %9d gz\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
engine_raw="$(stat -c %s "$wasm")"
[ "$engine_raw" -le $((3 * 1024 * 1024)) ] || retort_log "warning: engine wasm is over the 3 MB target"
retort_log "done in $(($(date +%s) - start))s"
