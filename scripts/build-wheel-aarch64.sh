#!/usr/bin/env bash
# Cross-builds the Python package's Linux aarch64 wheel (abi3, CPython >= 3.9; Graviton, Apple
# silicon Linux VMs, Raspberry Pi 4/5 64-bit) with Debian's Rust toolchain, then checks it in an
# arm64 CPython under qemu: the wheel's tags, `import retort`, and translations equal to the
# x86-64 wheel's (scripts/test-python.sh builds and installs that one first).
#
# Usage: scripts/build-wheel-aarch64.sh [--profile release|arm64-check] [--no-check] [--out DIR]
#   --profile   cargo profile (default release: the wheel to ship; arm64-check: the unoptimised
#               build the CI check uses, which reuses scripts/test-lambda.sh's arm64 build)
#   --no-check  build only
#   --out       where the wheel goes (default target/wheels-aarch64)
#
# Why not `pip wheel` on an arm64 machine: there is none here, and rustup has only the x86-64
# target; Debian's rustc-web builds std for aarch64 from source (-Zbuild-std, as
# scripts/build-aarch64.sh does) and aarch64-linux-gnu-gcc links against bookworm's glibc 2.36,
# so maturin tags the wheel manylinux_2_N for the newest glibc symbol it really uses.
# The arm64 CPython for the check is Debian bookworm's 3.11, its .debs fetched with a private
# apt state (no `dpkg --add-architecture`, nothing installed system-wide) into
# target/aarch64-python, and run under qemu-aarch64-static.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib-toolchain.sh
RETORT_LOG_TAG=build-wheel-aarch64
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-toolchain.sh"

TARGET=aarch64-unknown-linux-gnu
MATURIN_VERSION=1.16.0
profile=release
check=1
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) [ $# -ge 2 ] || retort_die "--profile needs a name"; profile="$2"; shift 2 ;;
        --no-check) check=0; shift ;;
        --out) [ $# -ge 2 ] || retort_die "--out needs a directory"; out="$2"; shift 2 ;;
        -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) retort_die "unknown argument '$1' (see --help)" ;;
    esac
done

root="$RETORT_ROOT"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
out="${out:-$target/wheels-aarch64}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

retort_ensure_debian_rust
retort_apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross

# maturin runs `cargo` from PATH: a shim puts Debian's cargo and rustc (and the cross linker
# settings scripts/build-aarch64.sh uses) in front of rustup's.
venv="$target/python-venv"
if ! "$venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $MATURIN_VERSION"; then
    retort_log "installing maturin $MATURIN_VERSION into $venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q "maturin==$MATURIN_VERSION"
fi
shim="$target/aarch64-cargo-shim"
mkdir -p "$shim"
printf '#!/bin/sh\nunset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS\nPATH="/usr/bin:$PATH" RUSTC="%s" RUSTDOC="%s" exec "%s" "$@"\n' \
    "$DEB_RUSTC" "$DEB_RUSTDOC" "$DEB_CARGO" >"$shim/cargo"
chmod +x "$shim/cargo"

rm -f "$out"/retort_seq2seq-*.whl
retort_log "maturin build --target $TARGET --profile $profile (Debian rustc $(retort_deb_rustc_version))"
start=$(date +%s)
(
    retort_aarch64_cross_env
    export PATH="$shim:$PATH"
    cd "$root/host-python"
    # The same target dir as scripts/build-aarch64.sh, so the arm64-check profile reuses the
    # Lambda check's dependencies.
    # The check (arm64-check) leaves out the ONNX-generated ANNalog, as the arm64 Lambda check
    # does, so that it reuses that build's dependencies (scripts/test-lambda.sh).
    no_default=()
    [ "$profile" != arm64-check ] || no_default=(--no-default-features)
    "$venv/bin/maturin" build --locked --target "$TARGET" --profile "$profile" ${no_default[@]+"${no_default[@]}"} \
        --target-dir "$target/aarch64" "${RETORT_AARCH64_BUILD_STD[@]+"${RETORT_AARCH64_BUILD_STD[@]}"}" --out "$out" >&2
)
wheel=$(ls "$out"/retort_seq2seq-*.whl)
retort_log "built $(basename "$wheel"): $(retort_size "$wheel") in $(($(date +%s) - start)) s"

[ "$check" -eq 1 ] || exit 0

# The tags pip reads: one wheel for every CPython >= 3.9 on aarch64 Linux.
case "$(basename "$wheel")" in
    *-cp39-abi3-manylinux_*_aarch64*.whl) ;;
    *) retort_die "$(basename "$wheel") is not tagged cp39-abi3-manylinux_*_aarch64" ;;
esac

# An arm64 CPython (bookworm's 3.11) in a private sysroot.
pyroot="$target/aarch64-python"
py="$pyroot/sysroot/usr/bin/python3.11"
if [ ! -x "$py" ]; then
    retort_log "fetching bookworm's arm64 CPython into $pyroot"
    rm -rf "$pyroot" && mkdir -p "$pyroot"/{lists/partial,cache/archives/partial,debs,sysroot}
    apt_private=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
        -o Dir::State::Lists="$pyroot/lists" -o Dir::Cache="$pyroot/cache"
        -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -q)
    apt-get "${apt_private[@]}" update >&2
    (cd "$pyroot/debs" && apt-get "${apt_private[@]}" download libc6 libgcc-s1 zlib1g libexpat1 \
        libffi8 media-types python3.11-minimal libpython3.11-minimal libpython3.11-stdlib 2>&1 |
        grep -v '^W: Download is performed unsandboxed' >&2 || true)
    for deb in "$pyroot"/debs/*.deb; do dpkg-deb -x "$deb" "$pyroot/sysroot"; done
    [ -x "$py" ] || retort_die "no $py after unpacking the arm64 .debs"
fi
command -v qemu-aarch64-static >/dev/null || retort_apt_install qemu-user-static
site="$target/aarch64-python/site"
rm -rf "$site" && mkdir -p "$site"
python3 -m zipfile -e "$wheel" "$site"

x86_python="$venv/bin/python"
"$x86_python" -c 'import retort' 2>/dev/null ||
    retort_die "the x86-64 wheel is not installed in $venv: run scripts/test-python.sh first"
probe="$root/scripts/wheel_answers.py"
retort_log "arm64 CPython $(qemu-aarch64-static -L "$pyroot/sysroot" "$py" -c 'import platform; print(platform.python_version(), platform.machine())') under qemu"
qemu-aarch64-static -L "$pyroot/sysroot" "$py" -c "import sys; sys.path.insert(0, '$site'); import runpy; runpy.run_path('$probe', run_name='__main__')" >"$target/aarch64-python/answers.json"
"$x86_python" "$probe" >"$target/aarch64-python/answers-x86_64.json"
"$x86_python" "$probe" --compare "$target/aarch64-python/answers-x86_64.json" "$target/aarch64-python/answers.json" >&2
retort_log "the aarch64 wheel answers like the x86-64 wheel"
