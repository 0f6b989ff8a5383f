# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are set for the sourcing scripts
# Shared helpers for Retort's cross-build scripts (build-wasm.sh, build-aarch64.sh).
# Source it; do not execute it.
#
# Why Debian's toolchain: rustup on the project machines has only the
# x86_64-unknown-linux-gnu target and cannot download others. Debian
# bookworm-security ships a current Rust as the "-web" packages (rustc-web,
# cargo-web, rust-web-src) installed under /usr/bin and /usr/lib/rustlib; with
# the std sources (rust-web-src) and RUSTC_BOOTSTRAP=1 cargo's -Zbuild-std
# builds std/core for any target LLVM knows (wasm32, aarch64, ...).
#
# Everything here is idempotent: packages are installed only when missing or
# too old, and `apt-get update` runs at most once per script run.

RETORT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# burn 0.22.x declares rust-version = 1.95 (the highest MSRV in the graph).
# Debian bookworm's *original* rustc-web is 1.85: only the bookworm-security
# update (1.96 at the time of writing) is new enough, hence the check below.
: "${RETORT_MIN_RUSTC:=1.95}"

# Debian's toolchain lives here; it must win over rustup's ~/.cargo/bin shims.
DEB_RUSTC=/usr/bin/rustc
DEB_CARGO=/usr/bin/cargo
DEB_RUSTDOC=/usr/bin/rustdoc

_RETORT_APT_UPDATED=0

retort_log() { printf '[%s] %s\n' "${RETORT_LOG_TAG:-retort}" "$*" >&2; }
retort_die() { retort_log "error: $*"; exit 1; }

# Run a command as root (CI runs as root; a developer box may have sudo).
retort_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        retort_die "need root (or passwordless sudo) to run: $*"
    fi
}

retort_apt_update_once() {
    if [ "$_RETORT_APT_UPDATED" -eq 0 ]; then
        retort_log "apt-get update"
        retort_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        _RETORT_APT_UPDATED=1
    fi
}

# retort_pkg_installed PKG -> 0 when dpkg has PKG fully installed.
retort_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# retort_pkg_version PKG -> installed Debian version (empty if none).
retort_pkg_version() {
    dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

# retort_apt_install PKG... : install the packages that are not installed yet.
retort_apt_install() {
    local missing=() p
    for p in "$@"; do
        retort_pkg_installed "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    retort_apt_update_once
    retort_log "apt-get install ${missing[*]}"
    retort_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# retort_apt_upgrade PKG... : (re)install the packages at the candidate version.
retort_apt_upgrade() {
    retort_apt_update_once
    retort_log "apt-get install (upgrade) $*"
    retort_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@" >&2
}

# "rustc 1.96.0 (ac68faa20 2026-05-25) ..." -> "1.96.0"
retort_deb_rustc_version() {
    "$DEB_RUSTC" --version 2>/dev/null | awk '{print $2}'
}

# Major LLVM version Debian's rustc was built against (e.g. 22).
retort_deb_llvm_major() {
    "$DEB_RUSTC" -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p'
}

# Ensure Debian's Rust (rustc-web, cargo-web, rust-web-src) >= RETORT_MIN_RUSTC
# is installed, then export the variables that make cargo use it:
#   DEB_RUSTC DEB_CARGO DEB_RUSTDOC  and  RETORT_DEB_RUST_VERSION
retort_ensure_debian_rust() {
    local pkgs=(rustc-web cargo-web rust-web-src) v
    retort_apt_install "${pkgs[@]}"
    v="$(retort_deb_rustc_version)"
    if [ -z "$v" ] || ! dpkg --compare-versions "$v" ge "$RETORT_MIN_RUSTC"; then
        # An old rustc-web (e.g. bookworm's 1.85) or stale apt lists: upgrade.
        retort_log "Debian rustc '${v:-none}' < required $RETORT_MIN_RUSTC; upgrading"
        retort_apt_upgrade "${pkgs[@]}"
        v="$(retort_deb_rustc_version)"
        dpkg --compare-versions "$v" ge "$RETORT_MIN_RUSTC" ||
            retort_die "Debian's rustc-web is $v but burn needs >= $RETORT_MIN_RUSTC (is bookworm-security in the apt sources?)"
    fi
    [ -x "$DEB_CARGO" ] || retort_die "$DEB_CARGO missing after installing cargo-web"
    [ -d "$("$DEB_RUSTC" --print sysroot)/lib/rustlib/src/rust/library/std" ] ||
        retort_die "std sources missing (rust-web-src) under $("$DEB_RUSTC" --print sysroot)/lib/rustlib/src"
    export DEB_RUSTC DEB_CARGO DEB_RUSTDOC
    export RETORT_DEB_RUST_VERSION="$v"
}

# Ensure a wasm-ld matching rustc's LLVM major is installed (lld-N), falling
# back to Debian's default lld. Exports RETORT_WASM_LD (absolute path).
# (Only a cdylib/bin target is linked; an rlib never invokes the linker.)
retort_ensure_wasm_ld() {
    local major
    major="$(retort_deb_llvm_major)"
    [ -n "$major" ] || retort_die "cannot read the LLVM version of $DEB_RUSTC"
    if retort_pkg_installed "lld-$major"; then
        :
    else
        retort_apt_update_once
        if apt-cache show "lld-$major" >/dev/null 2>&1; then
            retort_apt_install "lld-$major"
        else
            retort_log "lld-$major not packaged; falling back to Debian's default lld"
            retort_apt_install lld
        fi
    fi
    if [ -x "/usr/bin/wasm-ld-$major" ]; then
        RETORT_WASM_LD="/usr/bin/wasm-ld-$major"
    elif [ -x /usr/bin/wasm-ld ]; then
        RETORT_WASM_LD=/usr/bin/wasm-ld
    else
        retort_die "no wasm-ld found (looked for /usr/bin/wasm-ld-$major and /usr/bin/wasm-ld)"
    fi
    export RETORT_WASM_LD
}

# Run Debian's cargo with Debian's rustc, whatever rustup puts first in PATH.
# Extra environment is passed by the caller (env VAR=... retort_deb_cargo ...).
# scripts/test.sh's clippy wrapper is rustup's, built against another rustc: not here.
retort_deb_cargo() {
    PATH="/usr/bin:$PATH" RUSTC="$DEB_RUSTC" RUSTDOC="$DEB_RUSTDOC" \
        env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS "$DEB_CARGO" "$@"
}

# The aarch64-unknown-linux-gnu cross build's settings, shared by scripts/build-aarch64.sh and
# scripts/build-wheel-aarch64.sh: bookworm's cross gcc links (and compiles C for the cc crate)
# against its glibc sysroot; std comes from rust-web-src (-Zbuild-std, which needs
# RUSTC_BOOTSTRAP) when Debian ships no prebuilt aarch64 std. Exports the environment (call it
# in the subshell that builds) and sets RETORT_AARCH64_BUILD_STD to the extra cargo arguments.
retort_aarch64_cross_env() {
    local target=aarch64-unknown-linux-gnu sysroot
    unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
    export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
    export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
    export RUSTC_BOOTSTRAP=1
    sysroot="$("$DEB_RUSTC" --print sysroot)"
    RETORT_AARCH64_BUILD_STD=()
    if compgen -G "$sysroot/lib/rustlib/$target/lib/libstd-*.rlib" >/dev/null; then
        retort_log "using the prebuilt $target std in $sysroot/lib/rustlib/$target"
    else
        RETORT_AARCH64_BUILD_STD=(-Zbuild-std=std,panic_abort)
        retort_log "no prebuilt $target std: building it from rust-web-src (-Zbuild-std)"
    fi
}

# Human-readable size of a file (bytes and MiB).
retort_size() {
    local b
    b="$(stat -c %s "$1")"
    awk -v b="$b" 'BEGIN { printf "%d bytes (%.2f MiB)", b, b / 1048576 }'
}

# retort_parse_build_args DEFAULT_PACKAGE "$@"
# Parses the common cross-build options and sets:
#   RETORT_PACKAGE      -p/--package value (default DEFAULT_PACKAGE)
#   RETORT_PASSTHRU[]   everything else, for `cargo build` (with --release
#                       added unless a --profile was given)
#   RETORT_PROFILE_DIR  the profile's output folder name (release, debug, ...)
#   RETORT_WANT_HELP=1  when -h/--help was given
retort_parse_build_args() {
    RETORT_PACKAGE="$1"
    shift
    RETORT_PASSTHRU=()
    RETORT_PROFILE_DIR=release
    RETORT_WANT_HELP=0
    local has_profile=0
    while [ $# -gt 0 ]; do
        case "$1" in
            -p | --package)
                [ $# -ge 2 ] || retort_die "$1 needs a package name"
                RETORT_PACKAGE="$2"; shift 2 ;;
            --package=*) RETORT_PACKAGE="${1#--package=}"; shift ;;
            -h | --help) RETORT_WANT_HELP=1; shift ;;
            --profile)
                [ $# -ge 2 ] || retort_die "--profile needs a name"
                has_profile=1; RETORT_PROFILE_DIR="$2"; RETORT_PASSTHRU+=("$1" "$2"); shift 2 ;;
            --profile=*)
                has_profile=1; RETORT_PROFILE_DIR="${1#--profile=}"; RETORT_PASSTHRU+=("$1"); shift ;;
            --release) shift ;; # the default anyway
            --) shift; RETORT_PASSTHRU+=("$@"); break ;;
            *) RETORT_PASSTHRU+=("$1"); shift ;;
        esac
    done
    [ "$RETORT_PROFILE_DIR" = dev ] && RETORT_PROFILE_DIR=debug
    if [ "$has_profile" -eq 0 ]; then
        RETORT_PASSTHRU=(--release "${RETORT_PASSTHRU[@]+"${RETORT_PASSTHRU[@]}"}")
    fi
}

# retort_check_glibc BINARY ARCH: AL2023 ships glibc 2.34; a binary that needs a newer symbol
# version fails to start there (scripts/package-lambda.sh, scripts/test-lambda.sh).
retort_check_glibc() {
    local newest  # $1: binary, $2: architecture
    newest="$(readelf --version-info -W "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
    if [ -n "$newest" ] && [ "$(printf '%s\n2.34\n' "$newest" | sort -V | tail -1)" != 2.34 ]; then
        echo "$1 needs glibc $newest, newer than AL2023's 2.34" >&2
        exit 1
    fi
    echo "$2 bootstrap needs glibc <= ${newest:-?} (AL2023 has 2.34)" >&2
}

# retort_print_artifacts OUT_DIR PACKAGE SUFFIX...
# Prints "path<TAB>size" for each <OUT_DIR>/<name> that exists, where name is
# each SUFFIX pattern with {crate} replaced by the package's crate name
# (dashes -> underscores) and {bin} by the package name.
retort_print_artifacts() {
    local out_dir="$1" package="$2" crate found=0 s f
    shift 2
    crate="${package//-/_}"
    for s in "$@"; do
        s="${s//\{crate\}/$crate}"
        f="$out_dir/${s//\{bin\}/$package}"
        if [ -f "$f" ]; then
            found=1
            printf '%s\t%s\n' "$f" "$(retort_size "$f")"
        fi
    done
    [ "$found" -eq 1 ] || retort_log "warning: no artifact of $package found in $out_dir"
}
