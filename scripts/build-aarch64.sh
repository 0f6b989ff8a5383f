#!/usr/bin/env bash
# Cross-build a Retort crate (default: retort-core) for aarch64-unknown-linux-gnu
# (AWS Lambda arm64 / Graviton) with Debian's Rust toolchain and cross gcc.
#
# Usage: scripts/build-aarch64.sh [-p <package>] [extra cargo args...]
#   -p, --package <pkg>   workspace package to build (default: retort-core)
#   -h, --help            this text
#   anything else         passed to `cargo build` unchanged (e.g. --locked,
#                         --bin x, --features parallel, --profile dev, -v);
#                         `--` ends option parsing, the rest is passed as is.
# Environment:
#   RETORT_AARCH64_TARGET_DIR  cargo target dir (default: <repo>/target/aarch64)
#   RETORT_AARCH64_RUSTFLAGS   rustflags for the target (default none: generic
#                              armv8-a + NEON; e.g. "-C target-cpu=neoverse-n1"
#                              for Graviton2)
#   RETORT_MIN_RUSTC           minimum Debian rustc version (default 1.95)
#
# std for aarch64: Debian's rustc-web ships std only for the host; unless the
# arm64 std is installed (libstd-rust-web-dev:arm64 through dpkg multiarch), the
# script builds it from rust-web-src with -Zbuild-std. Binaries are linked by
# aarch64-linux-gnu-gcc against bookworm's glibc 2.36 (libc6-dev-arm64-cross).
# Idempotent, like build-wasm.sh. Prints the artifacts' paths and sizes.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib-toolchain.sh
RETORT_LOG_TAG=build-aarch64
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-toolchain.sh"

TARGET=aarch64-unknown-linux-gnu

retort_parse_build_args retort-core "$@"
if [ "$RETORT_WANT_HELP" -eq 1 ]; then
    sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi

retort_ensure_debian_rust
retort_apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross

target_dir="${RETORT_AARCH64_TARGET_DIR:-$RETORT_ROOT/target/aarch64}"

retort_log "rustc: $("$DEB_RUSTC" --version)"
retort_log "cargo: $("$DEB_CARGO" --version)"
retort_log "linker: aarch64-linux-gnu-gcc ($(aarch64-linux-gnu-gcc --version | head -1))"
retort_log "package: $RETORT_PACKAGE  target: $TARGET  target-dir: $target_dir"
retort_log "rustflags: ${RETORT_AARCH64_RUSTFLAGS:-(none)}"

cd "$RETORT_ROOT"
start=$(date +%s)
(
    retort_aarch64_cross_env
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${RETORT_AARCH64_RUSTFLAGS:-}"
    retort_deb_cargo build \
        "${RETORT_AARCH64_BUILD_STD[@]+"${RETORT_AARCH64_BUILD_STD[@]}"}" \
        --target "$TARGET" \
        --target-dir "$target_dir" \
        -p "$RETORT_PACKAGE" \
        "${RETORT_PASSTHRU[@]}"
)
elapsed=$(($(date +%s) - start))

retort_print_artifacts "$target_dir/$TARGET/$RETORT_PROFILE_DIR" "$RETORT_PACKAGE" \
    'lib{crate}.rlib' 'lib{crate}.so' '{bin}' 'bootstrap'
retort_log "done in ${elapsed}s"
