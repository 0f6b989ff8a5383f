#!/usr/bin/env bash
# Build a Retort crate (default: retort-core) for wasm32-unknown-unknown with
# Debian's Rust toolchain and -Zbuild-std (rustup here cannot add targets).
#
# Usage: scripts/build-wasm.sh [-p <package>] [extra cargo args...]
#   -p, --package <pkg>   workspace package to build (default: retort-core)
#   -h, --help            this text
#   anything else         passed to `cargo build` unchanged (e.g. --locked,
#                         --features x, --profile dev, -v, --keep-going);
#                         `--` ends option parsing, the rest is passed as is.
# Environment:
#   RETORT_WASM_TARGET_DIR  cargo target dir (default: <repo>/target/wasm, kept
#                           apart from the native build's cache)
#   RETORT_WASM_RUSTFLAGS   extra rustflags appended to the script's own
#   RETORT_MIN_RUSTC        minimum Debian rustc version (default 1.95, burn's MSRV)
#
# Idempotent: installs rustc-web, cargo-web, rust-web-src and lld-<LLVM major>
# only when missing (apt-get update first, non-interactive; needs root or sudo),
# and cargo's cache makes a repeated build a no-op.
# Prints the produced .rlib / .wasm paths and sizes (stdout) at the end.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib-toolchain.sh
RETORT_LOG_TAG=build-wasm
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-toolchain.sh"

TARGET=wasm32-unknown-unknown

retort_parse_build_args retort-core "$@"
if [ "$RETORT_WANT_HELP" -eq 1 ]; then
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi

retort_ensure_debian_rust
retort_ensure_wasm_ld

target_dir="${RETORT_WASM_TARGET_DIR:-$RETORT_ROOT/target/wasm}"

# +simd128: burn-flex's SIMD kernels (macerator) and std itself use wasm SIMD.
# getrandom_backend="wasm_js": getrandom 0.3.0-0.3.3 need it on
# wasm32-unknown-unknown (0.3.4+ and 0.4 only need their `wasm_js` *feature*,
# and ignore this value). Inert for every other crate.
# If the build stops in getrandom with "The wasm32/64-unknown-unknown are not
# supported by default; ... enable the "wasm_js" crate feature", some crate in
# the graph pulls a getrandom whose `wasm_js` feature nobody turns on: the crate
# being built needs, for wasm only,
#   [target.'cfg(all(target_family = "wasm", target_os = "unknown"))'.dependencies]
#   getrandom = { version = "0.4", features = ["wasm_js"] }
# (burn 0.22 -> rand_distr 0.6 -> rand 0.10 -> getrandom 0.4 is such a path).
rustflags="-C target-feature=+simd128 --cfg getrandom_backend=\"wasm_js\""
if [ -n "${RETORT_WASM_RUSTFLAGS:-}" ]; then
    rustflags="$rustflags $RETORT_WASM_RUSTFLAGS"
fi

retort_log "rustc: $("$DEB_RUSTC" --version)"
retort_log "cargo: $("$DEB_CARGO" --version)"
retort_log "linker: $RETORT_WASM_LD ($("$RETORT_WASM_LD" --version 2>/dev/null | head -1))"
retort_log "package: $RETORT_PACKAGE  target: $TARGET  target-dir: $target_dir"
retort_log "rustflags: $rustflags"

cd "$RETORT_ROOT"
start=$(date +%s)
# RUSTC_BOOTSTRAP=1 unlocks -Zbuild-std on Debian's stable rustc; the std
# sources come from rust-web-src (<sysroot>/lib/rustlib/src/rust/library), and
# std's own dependencies are fetched from crates.io like any other crate.
# The flags go in the target-specific variable; a caller's RUSTFLAGS or
# CARGO_ENCODED_RUSTFLAGS (meant for native builds) would override it, so they
# are unset here (use RETORT_WASM_RUSTFLAGS instead).
(
    unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$rustflags"
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$RETORT_WASM_LD"
    export RUSTC_BOOTSTRAP=1
    retort_deb_cargo build \
        -Zbuild-std=std,panic_abort \
        --target "$TARGET" \
        --target-dir "$target_dir" \
        -p "$RETORT_PACKAGE" \
        "${RETORT_PASSTHRU[@]}"
)
elapsed=$(($(date +%s) - start))

retort_print_artifacts "$target_dir/$TARGET/$RETORT_PROFILE_DIR" "$RETORT_PACKAGE" \
    'lib{crate}.rlib' '{crate}.wasm'
retort_log "done in ${elapsed}s"
