#!/usr/bin/env bash
# Fails when a later x86-64 build of scripts/test.sh would compile dependencies a second time.
# Cargo resolves dependency features over the packages a command selects, so `maturin build`
# (retort-python alone) gets fewer features than `cargo test --release --workspace` unless
# host-python's feature pins (its Cargo.toml) list what the rest of the workspace turns on; a
# dependency with other features is a different build of it and of everything above it (a new
# workspace dependency once cost CI ~20 minutes this way). Compares cargo's unit graphs, which
# compiles nothing: a few seconds.
# Usage: scripts/check-feature-pins.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# --unit-graph is unstable: RUSTC_BOOTSTRAP lets stable cargo print it. It is set for these
# cargo calls only, which compile nothing, so no build sees it.
units() {
    RUSTC_BOOTSTRAP=1 cargo "$@" --locked --unit-graph -Zunstable-options | python3 -c '
import json, sys
for u in json.load(sys.stdin)["units"]:
    if not u["pkg_id"].startswith("path+"):  # workspace members are built per command anyway
        p = u["profile"]
        print(u["pkg_id"].split("#")[-1], u["target"]["name"], ",".join(u["features"]), u["mode"], p["opt_level"])
' | sort -u
}

workspace=$(units test --release --workspace --all-targets)
status=0
check() {
    local what="$1"; shift
    local extra
    extra=$(comm -13 <(printf '%s\n' "$workspace") <(units "$@"))
    if [ -n "$extra" ]; then
        echo "[check-feature-pins] $what would compile these dependencies again (other features than the workspace build):" >&2
        sed 's/^/  /' <<<"$extra" >&2
        status=1
    fi
}
check "the wheel (maturin: cargo build -p retort-python --lib)" build --release -p retort-python --lib
check "the CLI for the web tests" build --release --workspace --bin retort
if [ "$status" != 0 ]; then
    echo "[check-feature-pins] pin the workspace's features in host-python/Cargo.toml (feature-pins-*)" >&2
    exit 1
fi
echo "[check-feature-pins] the wheel and CLI builds reuse the workspace build's dependencies" >&2
