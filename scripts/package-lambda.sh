#!/usr/bin/env bash
# Build the Lambda deployment zip(s): `bootstrap` at the zip root (mode 0755) plus the model
# bundle as model.retort, for runtime provided.al2023.
#
# Usage: scripts/package-lambda.sh [--arch x86_64|arm64|all] [--model BUNDLE] [--no-model] [--out DIR]
#                                  [--profile NAME] [--arm64-profile NAME] [--features LIST]
#   --arch      which architecture(s) (default: all)
#   --model     bundle to package (default: the built-in toy model, host-cli/assets/default.retort)
#   --no-model  package bootstrap alone (the function then reads MODEL_BUCKET/MODEL_KEY)
#   --out       output folder (default: dist/)
#   --profile   cargo profile of both builds (default lambda: release code, fat LTO, one codegen
#               unit, stripped; the CI check passes release to reuse the test build)
#   --arm64-profile  cargo profile of the arm64 build alone (the CI check uses arm64-check, an
#               unoptimised profile that builds ~4x faster)
#   --features  the function's cargo features (default none: only the code a native
#               Transformer bundle needs; `onnx-annalog` for the ONNX-generated ANNalog model)
# Writes <out>/retort-lambda-<arch>.zip and prints each zip's size. Checks that the binary asks
# for no glibc newer than 2.34 (Amazon Linux 2023's). arm64 is cross-built with Debian's
# toolchain (scripts/build-aarch64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck disable=SC2034
RETORT_LOG_TAG=package-lambda
# shellcheck source-path=SCRIPTDIR source=lib-toolchain.sh
. scripts/lib-toolchain.sh

arch=all
profile=lambda
arm64_profile=""
features=""
model="$root/host-cli/assets/default.retort"
out="$root/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --no-model) model=""; shift ;;
        --out) out="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        --arm64-profile) arm64_profile="$2"; shift 2 ;;
        --features) features="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "package-lambda: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$arch" in
    all) arches=(x86_64 arm64) ;;
    x86_64|arm64) arches=("$arch") ;;
    *) echo "package-lambda: --arch must be x86_64, arm64 or all" >&2; exit 2 ;;
esac
if [ -n "$model" ] && [ ! -f "$model" ]; then
    echo "package-lambda: model bundle $model not found" >&2
    exit 2
fi
mkdir -p "$out"


for a in "${arches[@]}"; do
    if [ "$a" = x86_64 ] && [ "$profile" = release ]; then
        # The CI check: the whole workspace, as `cargo test --release --workspace` built it (the
        # same feature set, so nothing is compiled twice; a `-p` build unifies features
        # differently).
        cargo build --release --locked --workspace >&2
        bin="$root/target/release/bootstrap"
        strip_tool=strip
    elif [ "$a" = x86_64 ]; then
        # The function alone: no other package's features in its dependencies.
        cargo build --profile "$profile" --locked -p retort-lambda --bin bootstrap \
            --no-default-features ${features:+--features "$features"} >&2
        bin="$root/target/$profile/bootstrap"
        strip_tool=strip
    else
        p="${arm64_profile:-$profile}"
        scripts/build-aarch64.sh -p retort-lambda --profile "$p" --locked --bin bootstrap \
            --no-default-features ${features:+--features "$features"} >&2
        bin="$root/target/aarch64/aarch64-unknown-linux-gnu/$p/bootstrap"
        strip_tool=aarch64-linux-gnu-strip
    fi
    retort_check_glibc "$bin" "$a"
    zip="$out/retort-lambda-$a.zip"
    python3 - "$bin" "$model" "$zip" "$strip_tool" <<'PY'
import os, shutil, subprocess, sys, tempfile, zipfile
binary, model, zip_path, strip_tool = sys.argv[1:5]
with tempfile.TemporaryDirectory() as tmp:
    stripped = os.path.join(tmp, "bootstrap")
    shutil.copyfile(binary, stripped)
    subprocess.run([strip_tool, stripped], check=True)
    with zipfile.ZipFile(zip_path + ".partial", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = (0o100755 << 16)  # regular file, rwxr-xr-x: Lambda execs it
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(stripped, "rb") as f:
            z.writestr(info, f.read())
        if model:
            info = zipfile.ZipInfo("model.retort")
            info.external_attr = (0o100644 << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(model, "rb") as f:
                z.writestr(info, f.read())
    os.replace(zip_path + ".partial", zip_path)
    print(f"{zip_path}\t{os.path.getsize(zip_path)} bytes (bootstrap {os.path.getsize(stripped)} bytes stripped)")
PY
done
